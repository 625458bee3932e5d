"""PostgreSQL drops the connection of a request in flight (pg_terminate_backend: what a failover,
a restarted database or a network cut does to it). The request fails cleanly — 503 JSON with a
message the console shows, nothing half-written — and the next requests succeed."""

import pytest

from tests.faults.support import (
    InFlight,
    RowLock,
    backends_waiting_on_a_lock,
    count_rows,
    request_json,
    server_backends,
    terminate_backend,
)
from tests.live.support import wait_for

COUNTS = {
    "calls": "incidents_call",
    "incidents": "incidents_incident",
    "events": "dispatch112_event",
    "idempotency": "dispatch112_idempotencyrecord",
}


def counts():
    return {name: count_rows(table) for name, table in COUNTS.items()}


def emergency(world, **incident):
    return {
        "outcome": "emergency",
        "caller_number": "081234567890",
        "incident": {"category": world.category("kebakaran"), "latitude": "-0.502200", "longitude": "117.153600", **incident},
    }


def cut_the_waiting_request(test_db_name):
    """The request is blocked on our lock, inside its transaction: terminate its connection."""
    waiting = wait_for(lambda: backends_waiting_on_a_lock(test_db_name), message="the request to wait on the row lock")
    assert len(waiting) == 1, waiting
    assert terminate_backend(waiting[0][0])


def assert_clean_503(status, headers, body):
    assert status == 503, (status, body)
    assert headers.get("Content-Type", "").startswith("application/json")
    assert body["code"] == "database_unavailable"
    assert "database" in body["detail"].lower() or "basis data" in body["detail"].lower(), body
    assert int(headers["Retry-After"]) > 0


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotency-key"])
def test_call_whose_connection_is_cut_mid_transaction_is_503_and_writes_nothing(world, server, login, test_db_name, with_key):
    operator = login("operator")
    # Today's reference counter exists once one incident was created today; a second call waits
    # for its row lock after its Call row was inserted: the cut comes mid-transaction.
    first = operator.new_incident(world.category("kebakaran"))
    before = counts()
    headers = {"Idempotency-Key": "console-1:call-42"} if with_key else {}

    with RowLock("SELECT * FROM incidents_dailysequence FOR UPDATE"):
        in_flight = InFlight(operator, "POST", "/calls/", emergency(world, address="Jl. Putus"), headers)
        in_flight.start()
        cut_the_waiting_request(test_db_name)
        assert_clean_503(*in_flight.answer())

    # No call without its incident, no incident without its events, no idempotency record that
    # would replay a failure: the whole transaction is gone.
    assert counts() == before

    # The operator presses save again (the same key, if the console sent one): it goes through.
    for attempt in range(3):
        status, _, body = request_json(operator, "POST", "/calls/", emergency(world, address=f"Jl. Putus {attempt}"), headers if attempt == 0 else {})
        assert status == 201, (attempt, status, body)
        assert body["incident_detail"]["reference"].endswith(f"-{int(first['reference'][-4:]) + 1 + attempt:04d}")
    after = counts()
    assert (after["calls"] - before["calls"], after["incidents"] - before["incidents"]) == (3, 3)


def test_edit_whose_connection_is_cut_leaves_the_incident_as_it_was(world, server, login, test_db_name):
    operator = login("operator")
    incident = operator.new_incident(world.category("banjir"), address="Jl. Lama")
    before = counts()

    with RowLock("SELECT * FROM incidents_incident WHERE id = %s FOR UPDATE", (incident["id"],)):
        in_flight = InFlight(operator, "PATCH", f"/incidents/{incident['id']}/", {"address": "Jl. Baru", "priority": 1}, {"If-Match": '"1"'})
        in_flight.start()
        cut_the_waiting_request(test_db_name)
        assert_clean_503(*in_flight.answer())

    assert counts() == before
    status, _, now = request_json(operator, "GET", f"/incidents/{incident['id']}/")
    assert status == 200
    assert (now["version"], now["address"], now["priority"]) == (1, "Jl. Lama", incident["priority"])

    # Retried with the version it saw: accepted, once.
    status, _, edited = request_json(operator, "PATCH", f"/incidents/{incident['id']}/", {"address": "Jl. Baru"}, {"If-Match": '"1"'})
    assert status == 200, edited
    assert (edited["version"], edited["address"]) == (2, "Jl. Baru")


def test_every_server_thread_recovers_after_its_connections_were_cut(world, server, login, test_db_name):
    """Every connection the server holds is terminated between requests (a database restart):
    health checks on reuse reconnect, so not one of the following requests fails."""
    operator = login("operator")
    for _ in range(3):
        operator.new_incident(world.category("kebakaran"))
    server_pids = server_backends(test_db_name)
    assert server_pids
    for pid in server_pids:
        assert terminate_backend(pid)
    statuses = []
    for _ in range(10):
        status, _, body = request_json(operator, "GET", "/incidents/?status=active")
        statuses.append(status)
    assert statuses == [200] * 10
