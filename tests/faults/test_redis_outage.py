"""Redis stops while the operators keep logging calls. Intake does not depend on Redis: every call
is saved (no 500). The consoles lose their live stream (closed, reconnecting with backoff) and,
once Redis is back — empty, it kept nothing — each resumes from the Event table and ends with
every event it may see: none lost, none twice, and the same incidents as the API."""

from dispatch112 import consumers
from tests.faults.support import request_json
from tests.live.expect import assert_console_matches_api, assert_received_exactly, events_after, last_event_id
from tests.live.support import wait_for

CONSOLE_USERS = ["operator", "operator", "operator2", "supervisor", "admin", "damkar", "bpbd", "damkar"]


def call(world, category, n):
    return {
        "outcome": "emergency",
        "caller_number": f"0812345{n:05d}",
        "incident": {"category": world.category(category), "latitude": f"{-0.5022 + n * 0.0003:.6f}", "longitude": "117.153600", "address": f"Jl. Padam {n}"},
    }


def test_calls_logged_while_redis_is_down_all_succeed_and_reach_every_console_once(world, server, private_redis, consoles, login):
    operators = [login("operator"), login("operator2"), login("supervisor")]
    damkar = login("damkar")
    start = last_event_id()
    watching = consoles(*CONSOLE_USERS, auto_reconnect=True)
    before = operators[0].new_incident(world.category("kebakaran"))
    operators[0].dispatch(before["id"], world.agency("damkar"))
    for console in watching[:5]:  # the operators' consoles: live through Redis before the outage
        console.wait_for_ids({e["id"] for e in events_after(start)})

    private_redis.stop()
    try:
        # The consoles notice: their sockets close and do not come back while Redis is away.
        wait_for(lambda: all(not c.snapshot()["connected"] for c in watching), message="every console to lose its live stream")
        # From here they keep trying (with backoff): each try is accepted and closed with 4503 at
        # once, so a socket may be open for an instant, but none is live (no hello) until Redis is back.
        hellos = [c.snapshot()["hellos"] for c in watching]

        statuses, logged = [], []
        for n in range(12):
            operator = operators[n % len(operators)]
            status, _, body = request_json(operator, "POST", "/calls/", call(world, ("kebakaran", "banjir", "pohon-tumbang")[n % 3], n))
            statuses.append(status)
            if status == 201:
                logged.append(body["incident"])
        fire = logged[0]
        status, _, _ = request_json(operators[0], "POST", f"/incidents/{fire}/dispatch/", {"agencies": [world.agency("damkar"), world.agency("bpbd")]})
        statuses.append(status)
        status, _, _ = request_json(damkar, "POST", f"/assignments/{damkar.assignment_of(before['id'], world.agency('damkar'))}/acknowledge/")
        statuses.append(status)
        status, _, _ = request_json(operators[1], "PATCH", f"/incidents/{logged[1]}/", {"priority": 1})
        statuses.append(status)
        assert statuses == [201] * 12 + [200] * 3, statuses
        assert [c.snapshot()["hellos"] for c in watching] == hellos, "a console went live without Redis"
        assert any(code == consumers.CLOSE_LAYER_UNAVAILABLE for c in watching for code in c.snapshot()["closes"])
    finally:
        private_redis.start()

    written_while_down = [e for e in events_after(start) if e["incident_id"] in set(logged)]
    assert len(written_while_down) >= 12 * 2
    for console in watching:
        agency = world.agency(console.session.username) if console.session.username in ("damkar", "bpbd") else None
        assert_received_exactly(console, start, agency, resumed=True)
        assert_console_matches_api(console, console.session)
        assert console.snapshot()["connections"] >= 2  # it did reconnect

    # And live again through the new Redis, without another reconnect.
    connections = [c.snapshot()["connections"] for c in watching]
    later = operators[0].new_incident(world.category("banjir"))
    for console in watching[:5]:
        console.wait_for_ids({e["id"] for e in events_after(start) if e["incident_id"] == later["id"]})
    assert [c.snapshot()["connections"] for c in watching] == connections
