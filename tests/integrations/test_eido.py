"""EIDO out: the document carries the incident, its place, the agencies and their steps, the
timeline and the notes; OPD staff get only their own agency's incidents, without the caller's
personal data unless their agency's setting shares it."""

from incidents.services import assignment_acknowledge, incident_add_note
from integrations.models import AgencyWebhook


def test_the_document_carries_the_incident_its_agencies_timeline_and_notes(world, to_damkar, client_for):
    incident, assignment = to_damkar(caller_number="0812 3456 7890", caller_name="Budi Santoso", address="Jl. Pahlawan 12")
    assignment_acknowledge(assignment=assignment, by=world.damkar_staff)
    incident_add_note(incident=incident, by=world.operator, text="Api di lantai dua, akses lewat gang samping.")

    document = client_for(world.supervisor).get(f"/api/v1/eido/incidents/{incident.pk}/").json()

    component = document["incidentComponent"]
    assert component["incidentTrackingIdentifier"] == incident.reference
    assert component["incidentTypeCommonRegistryText"] == ["kebakaran"]
    assert component["incidentStatusCommonRegistryText"] == ["acknowledged"]
    location = document["locationComponent"][0]
    assert location["locationByValue"]["type"] == "Point" and location["civicAddress"]["RD"] == "Jl. Pahlawan 12"
    (agency,) = document["agencyComponent"]
    assert agency["agencyIdentifier"] == "damkar" and agency["assignmentStatus"] == "acknowledged" and agency["acknowledgedTimeStamp"]
    assert [n["noteText"] for n in document["notesComponent"]] == ["Api di lantai dua, akses lewat gang samping."]
    kinds = [row["kind"] for row in document["timeline"]]
    assert kinds[0] == "incident.created" and "assignment.acknowledged" in kinds and "call.logged" in kinds
    assert document["personComponent"][0]["telephone"] == "+6281234567890"  # operators see the caller


def test_opd_staff_see_only_their_agencys_incidents_and_no_caller_data(world, to_damkar, client_for):
    incident, _ = to_damkar(caller_number="0812 3456 7890", caller_name="Budi Santoso")
    damkar, bpbd = client_for(world.damkar_staff), client_for(world.bpbd_staff)

    assert bpbd.get(f"/api/v1/eido/incidents/{incident.pk}/").status_code == 404
    document = damkar.get(f"/api/v1/eido/incidents/{incident.pk}/").json()
    assert document["personComponent"] == [] and "3456" not in str(document)
    assert all(not row["kind"].startswith("call.") for row in document["timeline"])

    AgencyWebhook.objects.create(agency=world.agency("damkar"), url="https://damkar.example/eido", share_caller_data=True)
    assert damkar.get(f"/api/v1/eido/incidents/{incident.pk}/").json()["personComponent"][0]["name"] == "Budi Santoso"


def test_anonymous_requests_are_refused(world, to_damkar):
    from rest_framework.test import APIClient

    incident, _ = to_damkar()
    assert APIClient().get(f"/api/v1/eido/incidents/{incident.pk}/").status_code in (401, 403)
