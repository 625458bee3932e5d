"""Two operators on one incident, a double-clicked submit, a client that retries: real concurrent
requests to a real server on PostgreSQL. One result wins; the other gets 409 or the first result;
nothing is written twice."""

import threading

from dispatch112.models import Event
from incidents.models import Assignment, Call, Incident
from tests.faults.support import request_json


def at_once(*requests):
    """Send the requests from threads released together; returns their (status, headers, body)."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        barrier.wait()
        results[index] = request_json(*request)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r is not None for r in results), "a request did not return"
    return results


def emergency(world, **incident):
    return {
        "outcome": "emergency",
        "caller_number": "081234567890",
        "incident": {"category": world.category("kebakaran"), "latitude": "-0.502200", "longitude": "117.153600", **incident},
    }


def test_two_operators_saving_the_same_version_one_wins_the_other_gets_409_and_the_current_state(world, server, login):
    budi, rina = login("operator"), login("operator2")
    for round_ in range(5):
        incident = budi.new_incident(world.category("banjir"), address="Jl. Awal")
        path = f"/incidents/{incident['id']}/"
        results = at_once(
            (budi, "PATCH", path, {"address": f"Jl. Budi {round_}", "priority": 2}, {"If-Match": '"1"'}),
            (rina, "PATCH", path, {"address": f"Jl. Rina {round_}", "priority": 3}, {"If-Match": '"1"'}),
        )
        statuses = sorted(r[0] for r in results)
        assert statuses == [200, 409], [(r[0], r[2]) for r in results]
        winner = next(r[2] for r in results if r[0] == 200)
        loser = next(r[2] for r in results if r[0] == 409)
        assert loser["code"] == "stale_version"
        assert loser["current"]["version"] == 2 and loser["current"]["address"] == winner["address"]
        saved = Incident.objects.get(pk=incident["id"])
        assert (saved.version, saved.address, saved.priority) == (2, winner["address"], winner["priority"])
        assert Event.objects.filter(incident_id=incident["id"], kind="incident.updated").count() == 1


def test_double_clicked_save_of_a_call_logs_it_once(world, server, login):
    """The intake form sends one Idempotency-Key per call until it is saved: both clicks carry it."""
    operator = login("operator")
    for round_ in range(5):
        calls_before, incidents_before = Call.objects.count(), Incident.objects.count()
        key = {"Idempotency-Key": f"intake-tab-1:call-{round_}"}
        body = emergency(world, address=f"Jl. Klik Dua {round_}")
        results = at_once((operator, "POST", "/calls/", body, key), (operator, "POST", "/calls/", body, key))
        assert [r[0] for r in results] == [201, 201], [(r[0], r[2]) for r in results]
        assert results[0][2] == results[1][2]  # the same call, the same incident, the same reference
        assert sorted(r[1].get("Idempotent-Replayed") or "" for r in results) == ["", "true"]
        assert (Call.objects.count() - calls_before, Incident.objects.count() - incidents_before) == (1, 1)


def test_double_clicked_dispatch_assigns_once_the_second_click_is_409(world, server, login):
    """The dispatch button sends a new key per click but the version it saw: the second is stale."""
    operator = login("operator")
    for round_ in range(3):
        incident = operator.new_incident(world.category("kebakaran"))
        path = f"/incidents/{incident['id']}/dispatch/"
        body = {"agencies": [world.agency("damkar")], "version": incident["version"]}
        results = at_once(
            (operator, "POST", path, body, {"Idempotency-Key": f"click-a-{round_}"}),
            (operator, "POST", path, body, {"Idempotency-Key": f"click-b-{round_}"}),
        )
        assert sorted(r[0] for r in results) == [200, 409], [(r[0], r[2]) for r in results]
        assert next(r[2] for r in results if r[0] == 409)["code"] == "stale_version"
        assert Assignment.objects.filter(incident_id=incident["id"]).count() == 1


def test_retried_post_gets_the_first_answer_and_another_body_with_that_key_is_422(world, server, login):
    operator = login("operator")
    key = {"Idempotency-Key": "tablet-3:call-77"}
    body = emergency(world, address="Jl. Ulang")
    first = request_json(operator, "POST", "/calls/", body, key)
    assert first[0] == 201
    counts = (Call.objects.count(), Incident.objects.count(), Event.objects.count())

    retry = request_json(operator, "POST", "/calls/", body, key)
    assert (retry[0], retry[1]["Idempotent-Replayed"], retry[2]) == (201, "true", first[2])

    other = request_json(operator, "POST", "/calls/", emergency(world, address="Jl. Lain"), key)
    assert other[0] == 422, other
    assert other[2]["code"] == "idempotency_key_mismatch" and "Idempotency-Key" in other[2]["fields"]
    assert (Call.objects.count(), Incident.objects.count(), Event.objects.count()) == counts
