"""The relawan API: proposals and activations for the console, roles, and no volunteer phone
number ever reaching OPD staff."""

import json

import pytest
from django.test import Client

from incidents.services import incident_dispatch
from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers import services
from volunteers.models import Activation, ActivationStatus
from volunteers.serializers import ActivationSerializer, ProposalSerializer, VolunteerSerializer

PROPOSALS = "/api/v1/incidents/{}/volunteer-proposals/"


@pytest.fixture
def fire(world, clock):
    """A fire in Bugis dispatched to Damkar, with three volunteers around."""
    operator = world.users["operator"]
    make_volunteer("Rahmat", "Bugis", skills=["fire", "first_aid"], phone="081277330001")
    make_volunteer("Siti", "Pasar Pagi", skills=["first_aid"], phone="081277330002")
    make_volunteer("Yusran", "Jawa", covers=["Bugis"], phone="081277330003")
    incident = make_incident(operator, place="Bugis")
    incident_dispatch(incident=incident, agencies=[world.agencies["damkar"]], by=operator)
    return incident


def test_the_console_gets_proposals_best_first_with_what_it_needs_to_decide(fire, client_for):
    response = client_for("operator").get(PROPOSALS.format(fire.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["incident"]["reference"] == fire.reference and body["skills"] == ["fire", "first_aid", "evacuation"]
    assert [r["volunteer"]["name"] for r in body["results"]] == ["Rahmat", "Yusran", "Siti"]
    first = body["results"][0]
    assert first["rank"] == 1 and first["coverage"] == "home" and first["matching_skills"] == ["fire", "first_aid"]
    assert first["volunteer"]["phone"] == "+6281277330001" and first["available_now"] and not first["busy"] and first["can_activate"]
    assert body["results"][2]["coverage"] == "neighbour" and 500 < body["results"][2]["distance_m"] < 700
    assert set(first) == set(ProposalSerializer().fields)
    assert set(first["volunteer"]) == set(VolunteerSerializer().fields)


def test_proposals_for_other_skills_and_bad_skills(fire, client_for):
    client = client_for("supervisor")
    asked = client.get(PROPOSALS.format(fire.pk), {"skills": "first_aid"}).json()
    assert asked["skills_from"] == "request" and asked["results"][0]["volunteer"]["name"] == "Rahmat"
    bad = client.get(PROPOSALS.format(fire.pk), {"skills": "juggling"})
    assert bad.status_code == 400 and "juggling" in bad.json()["fields"]["skills"][0]
    assert client.get(PROPOSALS.format(999999)).status_code == 404


def test_the_operator_activates_several_at_once_and_a_retry_changes_nothing(fire, client_for, django_capture_on_commit_callbacks):
    client = client_for("operator")
    ids = [r["volunteer"]["id"] for r in client.get(PROPOSALS.format(fire.pk)).json()["results"][:2]]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/activations/", {"incident": fire.pk, "volunteers": ids}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201
    results = response.json()["results"]
    assert [a["volunteer"]["id"] for a in results] == ids and {a["status"] for a in results} == {"sent"}
    # The answer is written before the worker sends (queued); then it goes (the task runs eagerly here).
    assert results[0]["messages"][0]["status"] in ("queued", "sent") and results[0]["volunteer"]["phone"].startswith("+62")
    sent = client.get(f"/api/v1/activations/{results[0]['id']}/").json()
    assert sent["messages"][0]["status"] == "sent" and sent["messages"][0]["attempts"] == 1
    assert set(results[0]) == set(ActivationSerializer().fields)

    replay = client.post("/api/v1/activations/", {"incident": fire.pk, "volunteers": ids}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Activation.objects.count() == 2

    again = client.post("/api/v1/activations/", {"incident": fire.pk, "volunteers": ids[:1]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "already called to this incident" in again.json()["fields"]["volunteers"][0]

    marked = client.get(PROPOSALS.format(fire.pk)).json()["results"]
    assert {r["volunteer"]["id"]: r["activation"]["status"] for r in marked if r["activation"]} == {i: "sent" for i in ids}


def test_bad_activation_requests_name_the_field(fire, client_for):
    client = client_for("operator")
    cases = [
        ({"incident": fire.pk, "volunteers": []}, "volunteers"),
        ({"incident": fire.pk, "volunteers": [999999]}, "volunteers"),
        ({"incident": 999999, "volunteers": [1]}, "incident"),
        ({"volunteers": [1]}, "incident"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/activations/", body, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (body, response.json())
    malformed = client.post("/api/v1/activations/", "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["code"] == "parse_error"
    assert Activation.objects.count() == 0


def test_cancel_and_record_what_a_volunteer_said_on_the_phone(fire, client_for, world):
    from volunteers.models import Volunteer

    client = client_for("operator")

    rahmat, siti = activate(fire, [Volunteer.objects.get(name="Rahmat"), Volunteer.objects.get(name="Siti")], world.users["operator"])

    recorded = client.post(f"/api/v1/activations/{rahmat.pk}/record/", {"status": "accepted"}, format="json")
    assert recorded.status_code == 200 and recorded.json()["status"] == "accepted"
    assert fire.events.get(kind="volunteer.accepted").payload["via"] == "console"

    cancelled = client.post(f"/api/v1/activations/{siti.pk}/cancel/", {"reason": "enough people"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "enough people"

    refused = client.post(f"/api/v1/activations/{siti.pk}/record/", {"status": "accepted"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert refused.json()["current"]["status"] == "cancelled"
    bad = client.post(f"/api/v1/activations/{rahmat.pk}/record/", {"status": "expired"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def test_a_closed_incident_refuses_activations_with_a_conflict(fire, client_for, world):
    from incidents.services import incident_cancel

    incident_cancel(incident=fire, by=world.users["operator"], reason="false alarm")
    from volunteers.models import Volunteer

    response = client_for("operator").post("/api/v1/activations/", {"incident": fire.pk, "volunteers": [Volunteer.objects.first().pk]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and response.json()["detail"] == "The incident is cancelled; volunteers can no longer be called to it."


def test_opd_staff_see_the_volunteers_on_their_incident_but_never_a_phone_number(fire, client_for, world):
    from volunteers.models import Volunteer

    rahmat = Volunteer.objects.get(name="Rahmat")
    (activation,) = activate(fire, [rahmat], world.users["operator"])
    services.activation_respond(activation=activation, action="accept")
    other = make_incident(world.users["operator"], place="Jawa")
    activate(other, [Volunteer.objects.get(name="Yusran")], world.users["operator"])

    damkar = client_for("damkar")
    listed = damkar.get("/api/v1/activations/", {"incident": fire.pk})
    assert listed.status_code == 200
    (seen,) = listed.json()["results"]
    assert seen["volunteer"]["name"] == "Rahmat" and seen["status"] == "accepted"
    assert "phone" not in seen["volunteer"] and "messages" not in seen
    everything = damkar.get("/api/v1/activations/").json()["results"]
    assert [a["incident"] for a in everything] == [fire.pk]  # not the incident Damkar is not on
    assert damkar.get(f"/api/v1/activations/{activation.pk}/").status_code == 200
    # The incident detail's timeline for agency staff leaves the volunteer events out altogether.
    detail = damkar.get(f"/api/v1/incidents/{fire.pk}/").json()
    assert not [e for e in detail["timeline"] if e["kind"].startswith("volunteer.")]
    for response in (listed, damkar.get(f"/api/v1/activations/{activation.pk}/"), damkar.get(f"/api/v1/incidents/{fire.pk}/")):
        text = response.content.decode()
        assert "+62812773" not in text and "081277" not in text and "812773" not in text

    # Agency staff of an agency not on the incident see nothing of it.
    pln = client_for("pln")
    assert pln.get("/api/v1/activations/", {"incident": fire.pk}).json()["results"] == []
    assert pln.get(f"/api/v1/activations/{activation.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/incidents/{incident}/volunteer-proposals/"),
        ("post", "/api/v1/activations/"),
        ("post", "/api/v1/activations/{activation}/cancel/"),
        ("post", "/api/v1/activations/{activation}/record/"),
        ("get", "/api/v1/volunteers/"),
        ("get", "/api/v1/volunteers/{volunteer}/"),
        ("get", "/api/v1/volunteers/coverage/"),
    ],
)
def test_opd_staff_and_strangers_cannot_reach_volunteers_or_call_them(fire, client_for, world, method, path):
    from volunteers.models import Volunteer

    volunteer = Volunteer.objects.get(name="Rahmat")
    (activation,) = activate(fire, [volunteer], world.users["operator"])
    url = path.format(incident=fire.pk, activation=activation.pk, volunteer=volunteer.pk)
    body = {"incident": fire.pk, "volunteers": [volunteer.pk], "status": "accepted"}

    staff = getattr(client_for("damkar"), method)(url, body, format="json") if method == "post" else client_for("damkar").get(url)
    assert staff.status_code == 403 and "+62" not in staff.content.decode()
    stranger = getattr(Client(), method)(url, json.dumps(body), content_type="application/json") if method == "post" else Client().get(url)
    assert stranger.status_code in (401, 403)
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.SENT


def test_the_roster_and_coverage_for_the_console(fire, client_for):
    client = client_for("operator")
    roster = client.get("/api/v1/volunteers/", {"q": "0812 7733 0002"}).json()
    assert [v["name"] for v in roster["results"]] == ["Siti"] and roster["results"][0]["phone"] == "+6281277330002"
    assert [v["name"] for v in client.get("/api/v1/volunteers/", {"skill": "fire"}).json()["results"]] == ["Rahmat"]
    coverage = {row["kelurahan"]["name"]: row for row in client.get("/api/v1/volunteers/coverage/").json()}
    assert coverage["Bugis"]["active"] == 2 and coverage["Bugis"]["available_now"] == 2
    assert coverage["Palaran"]["no_active"] if "Palaran" in coverage else any(r["no_active"] for r in coverage.values())


def test_the_openapi_schema_documents_the_relawan_endpoints(world, client_for):
    schema = client_for("admin").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in (
        "/api/v1/incidents/{incident_id}/volunteer-proposals/",
        "/api/v1/activations/",
        "/api/v1/activations/{id}/cancel/",
        "/api/v1/activations/{id}/record/",
        "/api/v1/volunteers/coverage/",
    ):
        assert path in paths, sorted(p for p in paths if "volunt" in p or "activ" in p)
