"""channels_redis carries the pushes; the Event table is the truth. With Redis stopped, changes still
succeed over HTTP, and once Redis is back (empty: it kept nothing) the consoles resume and end with
every change. The server runs on a private redis-server this module starts and stops, so the test
runs in the embedded profile as well (never the shared Redis: other runs use it)."""

from contextlib import contextmanager

import pytest

from tests.live.expect import assert_console_matches_api, assert_received_exactly, events_after, last_event_id, live_visible


@pytest.fixture(scope="module")
def server_env(private_redis, secret_key_env):
    return {"REDIS_URL": private_redis.url, **secret_key_env}


@contextmanager
def redis_down(redis):
    redis.stop()
    try:
        yield
    finally:
        redis.start()  # the next test needs it, whatever happened in this one


def test_changes_made_while_redis_is_down_reach_the_consoles_when_it_is_back(world, server, private_redis, consoles, login):
    operator, damkar = login("operator"), login("damkar")
    start = last_event_id()
    operator_console, damkar_console = consoles("operator", "damkar", auto_reconnect=True)
    fire = operator.new_incident(world.category("kebakaran"))
    flood = operator.new_incident(world.category("banjir"))
    operator.dispatch(fire["id"], world.agency("damkar"))
    damkar_console.wait_for_ids(live_visible(events_after(start), world.agency("damkar")))  # through Redis

    with redis_down(private_redis):
        # Dispatching and the agency's answers do not wait for Redis (each call asserts a 2xx).
        damkar.acknowledge(damkar.assignment_of(fire["id"], world.agency("damkar")))
        operator.dispatch(flood["id"], world.agency("damkar"), world.agency("bpbd"))
        damkar.api("POST", f"/incidents/{fire['id']}/notes/", {"text": "Unit kedua menyusul"})
        written_while_down = {e["id"] for e in events_after(start)} - operator_console.received_ids()
        assert len(written_while_down) >= 5

    assert_received_exactly(operator_console, start, None, resumed=True)
    assert_received_exactly(damkar_console, start, world.agency("damkar"), resumed=True)
    state = assert_console_matches_api(operator_console, operator)
    assert state[fire["id"]]["status"] == "acknowledged"
    assert sorted(a["agency"]["code"] for a in state[flood["id"]]["assignments"]) == ["bpbd", "damkar"]
    assert set(assert_console_matches_api(damkar_console, damkar)) == {fire["id"], flood["id"]}

    # Live again through the new Redis, not only by replay: no further reconnect needed.
    connections = operator_console.snapshot()["connections"]
    later = operator.new_incident(world.category("pohon-tumbang"))
    operator_console.wait_for_ids({e["id"] for e in events_after(start) if e["incident_id"] == later["id"]})
    assert operator_console.snapshot()["connections"] == connections
    assert_console_matches_api(operator_console, operator)


def test_an_emergency_call_can_be_logged_and_edited_while_redis_is_down(world, server, private_redis, consoles, login):
    operator = login("operator")
    start = last_event_id()
    (operator_console,) = consoles("operator", auto_reconnect=True)

    with redis_down(private_redis):
        fire = operator.new_incident(world.category("kebakaran"), address="Jl. Gajah Mada 3")
        operator.api("PATCH", f"/incidents/{fire['id']}/", {"latitude": "-0.495000", "longitude": "117.150000"})

    assert_received_exactly(operator_console, start, None, resumed=True)
    state = assert_console_matches_api(operator_console, operator)
    assert state[fire["id"]]["latitude"] == "-0.495000"
