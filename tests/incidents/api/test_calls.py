"""Calls that never become incidents, the caller's history, duplicates and linking."""

from datetime import timedelta

import pytest

from incidents.models import Call, CallOutcome, Incident
from tests.incidents.api.support import (
    CALLER,
    CALLER_E164,
    CITY_CENTRE,
    NEAR_CITY_CENTRE,
    PALARAN,
    START,
    counts,
    detail,
    emergency,
    log_emergency,
)


@pytest.mark.parametrize("outcome", ["prank", "silent", "info", "test"])
def test_call_closed_as_a_call_creates_no_incident(world, operator, outcome):
    before = counts()
    response = operator.post("/api/v1/calls/", {"outcome": outcome, "caller_number": CALLER}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == outcome
    assert body["incident"] is None and body["incident_reference"] is None
    assert "incident_detail" not in body
    after = counts()
    assert after["calls"] == before["calls"] + 1
    assert after["incidents"] == before["incidents"]
    call = Call.objects.get(pk=body["id"])
    assert (call.outcome, call.incident_id, call.caller_number, call.operator.username) == (outcome, None, CALLER_E164, "operator")


def test_silent_call_without_a_number_is_logged(world, operator):
    # 112 can be dialled from a phone without a SIM card: there is no number to log.
    response = operator.post("/api/v1/calls/", {"outcome": "silent"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["caller_number"] == ""


def test_calls_list_shows_the_logged_calls_newest_first(world, operator, clock):
    operator.post("/api/v1/calls/", {"outcome": "prank", "caller_number": CALLER}, format="json")
    clock.advance(minutes=3)
    log_emergency(operator, world.categories["banjir"], caller_number="0813-5000-1111")
    response = operator.get("/api/v1/calls/")
    assert response.status_code == 200
    assert [(c["outcome"], c["caller_number"]) for c in response.json()["results"]] == [("emergency", "+6281350001111"), ("prank", CALLER_E164)]
    pranks = operator.get("/api/v1/calls/", {"outcome": "prank"}).json()["results"]
    assert [c["caller_number"] for c in pranks] == [CALLER_E164]
    by_number = operator.get("/api/v1/calls/", {"number": "+62 813 5000 1111"}).json()["results"]
    assert [c["outcome"] for c in by_number] == ["emergency"]


def test_caller_history_lists_earlier_calls_and_incidents(world, operator, clock):
    incident_id = log_emergency(operator, world.categories["darurat-medis"], caller_number="0812 3456 7890")
    clock.advance(minutes=30)
    operator.post("/api/v1/calls/", {"outcome": "info", "caller_number": "+6281234567890", "notes": "Tanya jadwal posyandu"}, format="json")
    operator.post("/api/v1/calls/", {"outcome": "info", "caller_number": "0813-5000-1111"}, format="json")

    # The operator types the number as the caller says it.
    response = operator.get("/api/v1/calls/history/", {"number": "0812-3456-7890"})
    assert response.status_code == 200, response.json()
    history = response.json()
    assert history["number"] == CALLER_E164
    assert history["total_calls"] == 2
    assert [c["outcome"] for c in history["calls"]] == ["info", "emergency"]
    assert history["calls"][0]["notes"] == "Tanya jadwal posyandu"
    assert [i["id"] for i in history["incidents"]] == [incident_id]
    assert history["incidents"][0]["reference"] == "112-SMD-20261127-0001"
    assert history["flagged"] is False

    unknown = operator.get("/api/v1/calls/history/", {"number": "0811-555-0000"}).json()
    assert (unknown["total_calls"], unknown["calls"], unknown["incidents"], unknown["flagged"]) == (0, [], [], False)


def test_number_with_three_pranks_in_24_hours_is_flagged(world, operator, clock):
    def prank():
        response = operator.post("/api/v1/calls/", {"outcome": "prank", "caller_number": CALLER}, format="json")
        assert response.status_code == 201

    def history():
        return operator.get("/api/v1/calls/history/", {"number": CALLER}).json()

    # Yesterday's prank (25 h ago) is outside the 24-hour window.
    clock.set(START - timedelta(hours=25))
    prank()
    clock.set(START)
    prank()
    clock.advance(minutes=10)
    prank()
    assert (history()["prank_calls_recent"], history()["flagged"]) == (2, False)
    clock.advance(minutes=10)
    prank()
    flagged = history()
    assert (flagged["prank_calls_recent"], flagged["flagged"], flagged["total_calls"]) == (3, True, 4)
    # Flagged, never blocked: the next call from the number is still logged, and may be real.
    assert operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"]), format="json").status_code == 201
    # 24 hours after the first of the three, the flag is gone again.
    clock.set(START + timedelta(hours=24, minutes=1))
    operator.force_login(world.users["operator"])  # a new shift: yesterday's session has expired
    assert history()["flagged"] is False


def test_duplicate_candidates_are_open_incidents_of_the_category_nearby(world, operator, clock):
    fire = log_emergency(operator, world.categories["kebakaran"], CITY_CENTRE, address="Pasar Pagi")
    log_emergency(operator, world.categories["kebakaran"], PALARAN)  # same category, kilometres away
    log_emergency(operator, world.categories["kriminalitas"], CITY_CENTRE)  # same place, other category
    clock.advance(minutes=4)

    params = {"category": world.categories["kebakaran"].pk, "latitude": NEAR_CITY_CENTRE[0], "longitude": NEAR_CITY_CENTRE[1]}
    response = operator.get("/api/v1/incidents/duplicates/", params)
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["incident"]["id"] for r in results] == [fire]
    assert results[0]["incident"]["address"] == "Pasar Pagi"
    assert 50 < results[0]["distance_m"] < 150
    assert results[0]["minutes_ago"] == 4
    assert results[0]["same_category"] is True

    # A closed-out incident is no longer a candidate.
    operator.post(f"/api/v1/incidents/{fire}/cancel/", {"reason": "Laporan palsu"}, format="json")
    assert operator.get("/api/v1/incidents/duplicates/", params).json()["results"] == []


def test_link_call_adds_a_logged_call_to_the_incident(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    call = operator.post("/api/v1/calls/", {"outcome": "info", "caller_number": "0813-5000-1111", "caller_name": "Bu Ani"}, format="json").json()

    response = operator.post(f"/api/v1/incidents/{incident_id}/link-call/", {"call": call["id"]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["call_count"] == 2
    assert [c["id"] for c in body["calls"]][-1] == call["id"]
    linked = [e for e in body["timeline"] if e["kind"] == "incident.call_linked"]
    assert len(linked) == 1 and linked[0]["actor"] == "Budi Operator"
    assert linked[0]["payload"]["call"]["id"] == call["id"]
    assert Call.objects.get(pk=call["id"]).incident_id == incident_id
    assert Incident.objects.get(pk=incident_id).call_count == 2

    # Linking it again changes nothing.
    again = operator.post(f"/api/v1/incidents/{incident_id}/link-call/", {"call": call["id"]}, format="json")
    assert again.status_code == 200 and again.json()["call_count"] == 2


def test_call_logged_with_link_to_joins_the_open_incident(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    before = counts()

    response = operator.post(
        "/api/v1/calls/",
        {"outcome": "emergency", "caller_number": "0813-5000-1111", "link_to": incident_id, "notes": "Asap terlihat dari jembatan"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["incident"] == incident_id
    assert body["outcome"] == CallOutcome.DUPLICATE  # an emergency about a known incident
    assert body["incident_detail"]["call_count"] == 2
    after = counts()
    assert (after["calls"], after["incidents"]) == (before["calls"] + 1, before["incidents"])
    assert detail(operator, incident_id)["call_count"] == 2
    assert [c["caller_number"] for c in detail(operator, incident_id)["calls"]] == [CALLER_E164, "+6281350001111"]


def test_call_belonging_to_another_incident_cannot_be_linked(world, operator):
    first = log_emergency(operator, world.categories["kebakaran"])
    second = log_emergency(operator, world.categories["banjir"], PALARAN)
    call_id = detail(operator, first)["calls"][0]["id"]
    before = counts()
    response = operator.post(f"/api/v1/incidents/{second}/link-call/", {"call": call_id}, format="json")
    assert response.status_code == 400
    assert "call" in response.json()["fields"]
    assert "112-SMD-20261127-0001" in response.json()["fields"]["call"][0]
    assert counts() == before
    assert detail(operator, second)["call_count"] == 1
