"""Bad input gets a 4xx in the one error format, naming the field or the rule, and changes nothing."""

import pytest

from dispatch112.models import Kelurahan
from incidents.models import Assignment, Call, Incident
from tests.incidents.api.support import (
    JAKARTA,
    assert_error,
    counts,
    detail,
    dispatch,
    emergency,
    log_emergency,
)

SCRIPT = "<script>alert('112')</script><img src=x onerror=alert(1)> & \"kutip\""


def _with_incident(**fields):
    def build(world):
        body = emergency(world.categories["kebakaran"])
        body["incident"].update(fields)
        return body

    return build


BAD_CALLS = {
    "unknown category": (_with_incident(category=999_999), "incident.category"),
    "category given as a name": (_with_incident(category="kebakaran"), "incident.category"),
    "priority as a word": (_with_incident(priority="high"), "incident.priority"),
    "priority out of range": (_with_incident(priority=7), "incident.priority"),
    "latitude not a number": (_with_incident(latitude="abc"), "incident.latitude"),
    "latitude without longitude": (_with_incident(longitude=None), "longitude"),
    "point in Jakarta": (_with_incident(latitude=str(JAKARTA[0]), longitude=str(JAKARTA[1])), "latitude"),
    "unknown kelurahan": (_with_incident(kelurahan=999_999), "incident.kelurahan"),
    "address of 300 characters": (_with_incident(address="Jl. " + "x" * 296), "incident.address"),
    "description of 5000 characters": (_with_incident(description="api " * 1250), "incident.description"),
    "caller number that is not a number": (lambda w: {**emergency(w.categories["kebakaran"]), "caller_number": "not-a-number"}, "caller_number"),
    "caller number too short": (lambda w: {**emergency(w.categories["kebakaran"]), "caller_number": "0812"}, "caller_number"),
    "null byte in notes": (lambda w: {"outcome": "info", "notes": "ada\x00apa"}, "notes"),
    "control character in caller name": (lambda w: {"outcome": "info", "caller_name": "Budi\x07"}, "caller_name"),
    "unknown outcome": (lambda w: {"outcome": "burning"}, "outcome"),
    "outcome missing": (lambda w: {"caller_number": "0812-3456-7890"}, "outcome"),
    "emergency without an incident": (lambda w: {"outcome": "emergency"}, "incident"),
    "prank that opens an incident": (lambda w: {**emergency(w.categories["kebakaran"]), "outcome": "prank"}, "outcome"),
    "link to an unknown incident": (lambda w: {"outcome": "emergency", "link_to": 999_999}, "link_to"),
    "incident is not an object": (lambda w: {"outcome": "emergency", "incident": "kebakaran"}, "incident"),
    "received in the future": (lambda w: {"outcome": "info", "received_at": "2026-11-28T10:00:00+08:00"}, "received_at"),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_call_is_400_naming_the_field_and_changes_nothing(world, operator, case):
    build, field = BAD_CALLS[case]
    before = counts()
    response = operator.post("/api/v1/calls/", build(world), format="json")
    assert_error(response, 400, field=field, code="invalid")
    assert counts() == before


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"outcome": "prank",', "application/json"),
        ("{'outcome': 'prank'}", "application/json"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_malformed_json_is_400_and_changes_nothing(world, operator, body, content_type):
    before = counts()
    response = operator.post("/api/v1/calls/", body, content_type=content_type)
    assert_error(response, 400, field="body", code="parse_error")
    assert counts() == before


def test_kelurahan_of_another_region_is_refused(world, operator, kukar_csv, django_capture_on_commit_callbacks):
    from dispatch112.wilayah import import_wilayah_csv

    with django_capture_on_commit_callbacks(execute=True):
        import_wilayah_csv(text=kukar_csv)
    tenggarong = Kelurahan.objects.filter(kecamatan__region__code="64.02").first()
    before = counts()
    response = operator.post("/api/v1/calls/", _with_incident(kelurahan=tenggarong.pk)(world), format="json")
    body = assert_error(response, 400, field="kelurahan")
    assert tenggarong.name in body["fields"]["kelurahan"][0]
    assert counts() == before


def test_point_outside_the_region_says_so(world, operator):
    body = _with_incident(latitude=str(JAKARTA[0]), longitude=str(JAKARTA[1]))(world)
    message = operator.post("/api/v1/calls/", body, format="json").json()["fields"]["latitude"][0]
    assert "Samarinda" in message and "-6.2" in message


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/incidents/999999/"),
        ("patch", "/api/v1/incidents/999999/"),
        ("get", "/api/v1/incidents/999999/dispatch-options/"),
        ("post", "/api/v1/incidents/999999/dispatch/"),
        ("post", "/api/v1/incidents/999999/close/"),
        ("post", "/api/v1/incidents/999999/link-call/"),
        ("get", "/api/v1/incidents/not-a-number/"),
        ("post", "/api/v1/assignments/999999/acknowledge/"),
        ("get", "/api/v1/calls/999999/"),
    ],
)
def test_unknown_id_is_404_in_the_error_format(world, operator, method, path):
    before = counts()
    response = getattr(operator, method)(path, {"note": "x", "agencies": [1], "call": 1}, format="json")
    assert_error(response, 404, code="not_found")
    assert counts() == before


def test_script_in_free_text_is_stored_and_returned_as_the_same_text(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"], description=SCRIPT, address=SCRIPT[:100])
    response = operator.get(f"/api/v1/incidents/{incident_id}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["description"] == SCRIPT
    assert response.json()["address"] == SCRIPT[:100]
    assert Incident.objects.get(pk=incident_id).description == SCRIPT
    # It is data in a JSON string, never markup: the raw body carries it as JSON text.
    assert b"<script>alert('112')</script>" in response.content
    noted = operator.post(f"/api/v1/incidents/{incident_id}/notes/", {"text": SCRIPT}, format="json")
    assert noted.status_code == 201
    assert noted.json()["timeline"][-1]["payload"]["text"] == SCRIPT


def test_closing_a_dispatched_incident_is_409_and_changes_nothing(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident_id, world.agencies["damkar"])
    before, version = counts(), Incident.objects.get(pk=incident_id).version
    response = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Selesai"}, format="json")
    body = assert_error(response, 409, code="transition_not_allowed")
    assert body["current"]["status"] == "dispatched"
    assert body["current"]["id"] == incident_id
    assert counts() == before
    incident = Incident.objects.get(pk=incident_id)
    assert (incident.status, incident.version, incident.closing_note, incident.closed_at) == ("dispatched", version, "", None)


def test_acknowledging_twice_is_409(world, operator, client_for):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    assignment_id = dispatch(operator, incident_id, world.agencies["damkar"])["damkar"]
    damkar = client_for("damkar")
    assert damkar.post(f"/api/v1/assignments/{assignment_id}/acknowledge/").status_code == 200
    acknowledged_at = Assignment.objects.get(pk=assignment_id).acknowledged_at
    before = counts()
    response = damkar.post(f"/api/v1/assignments/{assignment_id}/acknowledge/")
    body = assert_error(response, 409, code="transition_not_allowed")
    assert "Damkar" in body["detail"]
    assert counts() == before
    assert Assignment.objects.get(pk=assignment_id).acknowledged_at == acknowledged_at


@pytest.mark.parametrize(
    "step, expected",
    [("completed", 409), ("on_scene", 409), ("acknowledged", 400), ("declined", 400), ("flying", 400)],
)
def test_assignment_cannot_skip_steps(world, operator, client_for, step, expected):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    assignment_id = dispatch(operator, incident_id, world.agencies["damkar"])["damkar"]
    before = counts()
    response = client_for("damkar").post(f"/api/v1/assignments/{assignment_id}/advance/", {"status": step}, format="json")
    assert_error(response, expected, field="status" if expected == 400 else None)
    assert counts() == before
    assert Assignment.objects.get(pk=assignment_id).status == "notified"


def test_dispatching_an_agency_already_assigned_is_400_on_agencies(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident_id, world.agencies["damkar"])
    before = counts()
    response = operator.post(
        f"/api/v1/incidents/{incident_id}/dispatch/", {"agencies": [world.agencies["psc119"].pk, world.agencies["damkar"].pk]}, format="json"
    )
    body = assert_error(response, 400, field="agencies", code="invalid")
    assert "Damkar" in body["fields"]["agencies"][0]
    assert counts() == before  # not even PSC 119, which was new


BAD_DISPATCHES = {
    "no agency": (lambda w: {"agencies": []}, "agencies"),
    "agencies missing": (lambda w: {}, "agencies"),
    "unknown agency": (lambda w: {"agencies": [999_999]}, "agencies"),
    "agency by code": (lambda w: {"agencies": "damkar"}, "agencies"),
    "unknown post": (lambda w: {"agencies": [w.agencies["damkar"].pk], "posts": {str(w.agencies["damkar"].pk): 999_999}}, "posts"),
    "version not a number": (lambda w: {"agencies": [w.agencies["damkar"].pk], "version": "terbaru"}, "version"),
}


@pytest.mark.parametrize("case", list(BAD_DISPATCHES))
def test_bad_dispatch_is_400_and_changes_nothing(world, operator, case):
    build, field = BAD_DISPATCHES[case]
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    before = counts()
    response = operator.post(f"/api/v1/incidents/{incident_id}/dispatch/", build(world), format="json")
    assert_error(response, 400, field=field)
    assert counts() == before
    assert detail(operator, incident_id)["status"] == "new"


def test_dispatch_with_a_post_of_another_agency_is_refused(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    police_post = world.agencies["polresta"].posts.first()
    before = counts()
    response = operator.post(
        f"/api/v1/incidents/{incident_id}/dispatch/",
        {"agencies": [world.agencies["damkar"].pk], "posts": {str(world.agencies["damkar"].pk): police_post.pk}},
        format="json",
    )
    assert_error(response, 400, field="posts")
    assert counts() == before


def test_resolving_with_open_assignments_is_409_naming_the_agency(world, operator, client_for):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    assignments = dispatch(operator, incident_id, world.agencies["damkar"], world.agencies["psc119"])
    damkar = client_for("damkar")
    for step in ("acknowledge", "advance/on_scene", "advance/completed"):
        action, _, status = step.partition("/")
        assert damkar.post(f"/api/v1/assignments/{assignments['damkar']}/{action}/", {"status": status} if status else {}, format="json").status_code == 200
    before = counts()
    response = operator.post(f"/api/v1/incidents/{incident_id}/resolve/", {"note": "Api padam"}, format="json")
    body = assert_error(response, 409, code="transition_not_allowed")
    assert "PSC 119" in body["detail"]
    assert "Damkar" not in body["detail"]  # its part is done
    assert body["current"]["status"] == "on_scene"
    assert counts() == before
    assert Incident.objects.get(pk=incident_id).resolved_at is None


def test_closing_needs_a_note(world, operator):
    incident_id = log_emergency(operator, world.categories["lainnya"])
    assert operator.post(f"/api/v1/incidents/{incident_id}/resolve/", {}, format="json").status_code == 200
    before = counts()
    for body in ({}, {"note": ""}, {"note": "   "}):
        assert_error(operator.post(f"/api/v1/incidents/{incident_id}/close/", body, format="json"), 400, field="note")
    assert counts() == before
    assert Incident.objects.get(pk=incident_id).status == "resolved"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"address": "x" * 300}, "address"),
        ({"description": "x" * 5000}, "description"),
        ({"description": "ada\x00apa"}, "description"),
        ({"priority": "high"}, "priority"),
        ({"latitude": "abc"}, "latitude"),
        ({"latitude": str(JAKARTA[0]), "longitude": str(JAKARTA[1])}, "latitude"),
        ({"category": 999_999}, "category"),
        ({"kelurahan": 999_999}, "kelurahan"),
    ],
)
def test_bad_edit_is_400_and_changes_nothing(world, operator, change, field):
    incident_id = log_emergency(operator, world.categories["kebakaran"], address="Jl. Awal")
    before, row_before = counts(), Incident.objects.filter(pk=incident_id).values().get()
    response = operator.patch(f"/api/v1/incidents/{incident_id}/", change, format="json")
    assert_error(response, 400, field=field)
    assert counts() == before
    assert Incident.objects.filter(pk=incident_id).values().get() == row_before


def test_bad_input_in_a_call_leaves_no_half_logged_call(world, operator):
    # The call row is written before the incident is validated; the whole call must roll back.
    before = counts()
    response = operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"], JAKARTA), format="json")
    assert response.status_code == 400
    assert counts() == before
    assert not Call.objects.exists()


def test_same_agency_twice_in_one_dispatch_is_400(world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    damkar = world.agencies["damkar"].pk
    before = counts()
    response = operator.post(f"/api/v1/incidents/{incident_id}/dispatch/", {"agencies": [damkar, damkar]}, format="json")
    assert_error(response, 400, field="agencies", code="invalid")
    assert counts() == before
