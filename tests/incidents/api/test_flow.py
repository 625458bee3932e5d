"""One emergency from the first ring to the closing note, the way the consoles drive the API."""

from datetime import timedelta

from incidents.models import Assignment, AssignmentStatus, Call, Incident, IncidentStatus
from tests.incidents.api.support import CALLER, CALLER_E164, PALARAN, START, WITA, ids


def iso(moment):
    return moment.astimezone(WITA).isoformat()


def test_emergency_call_to_closed_incident_through_the_api(world, client_for, clock):
    operator, damkar, psc119 = client_for("operator"), client_for("damkar"), client_for("psc119")
    kebakaran = world.categories["kebakaran"]

    # 10:00 — the call: a house on fire in Palaran.
    response = operator.post(
        "/api/v1/calls/",
        {
            "outcome": "emergency",
            "caller_number": CALLER,
            "caller_name": "Pak Rahmat",
            "location_text": "dekat pasar Palaran",
            "incident": {
                "category": kebakaran.pk,
                "latitude": f"{PALARAN[0]:.6f}",
                "longitude": f"{PALARAN[1]:.6f}",
                "address": "Jl. Trikora RT 12",
                "landmark": "Pasar Palaran",
                "description": "Rumah warga terbakar, api sudah besar",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    call = response.json()
    assert call["caller_number"] == CALLER_E164
    assert call["outcome"] == "emergency"
    assert call["incident_reference"] == "112-SMD-20261127-0001"
    created = call["incident_detail"]
    assert created["id"] == call["incident"]
    assert created["reference"] == "112-SMD-20261127-0001"
    assert created["status"] == "new"
    assert created["priority"] == kebakaran.default_priority == 1
    assert created["category"]["code"] == "kebakaran"
    assert created["address"] == "Jl. Trikora RT 12"
    assert created["kelurahan"] is not None and created["kelurahan"]["kecamatan"] == "Palaran"
    incident_id = created["id"]
    assert Call.objects.get(pk=call["id"]).incident_id == incident_id

    # The queue shows it.
    queue = operator.get("/api/v1/incidents/", {"status": "active"})
    assert queue.status_code == 200
    assert ids(queue) == [incident_id]

    # 10:01 — dispatch: the category's default agencies come preselected, each with its nearest post.
    clock.advance(minutes=1)
    options = operator.get(f"/api/v1/incidents/{incident_id}/dispatch-options/")
    assert options.status_code == 200
    rows = {row["agency"]["code"]: row for row in options.json()["results"]}
    assert len(rows) == 10
    preselected = [row["agency"]["code"] for row in options.json()["results"] if row["preselected"]]
    assert sorted(preselected) == ["damkar", "psc119"]
    assert options.json()["results"][0]["preselected"] and options.json()["results"][1]["preselected"]
    assert rows["damkar"]["nearest_post"]["name"] == "Pos Damkar Palaran"
    assert rows["damkar"]["nearest_post"]["distance_m"] < 1500
    assert not rows["polresta"]["preselected"] and not rows["polresta"]["assigned"]
    assert options.json()["distance_note"]

    dispatched = operator.post(
        f"/api/v1/incidents/{incident_id}/dispatch/",
        {"agencies": [rows[code]["agency"]["id"] for code in preselected]},
        format="json",
    )
    assert dispatched.status_code == 200, dispatched.json()
    body = dispatched.json()
    assert body["status"] == "dispatched"
    assert body["dispatched_at"] == iso(START + timedelta(minutes=1))
    assert dispatched["ETag"] == f'"{body["version"]}"'
    assignments = {a["agency"]["code"]: a for a in body["assignments"]}
    assert set(assignments) == {"damkar", "psc119"}
    assert assignments["damkar"]["status"] == "notified"
    assert assignments["damkar"]["post"] == {"id": rows["damkar"]["nearest_post"]["id"], "name": "Pos Damkar Palaran"}
    assert Assignment.objects.get(pk=assignments["damkar"]["id"]).post.name == "Pos Damkar Palaran"
    options_after = {row["agency"]["code"]: row for row in operator.get(f"/api/v1/incidents/{incident_id}/dispatch-options/").json()["results"]}
    assert options_after["damkar"]["assigned"] and not options_after["damkar"]["preselected"]

    # 10:02 — Damkar acknowledges; PSC 119 declines (its ambulance is out).
    clock.advance(minutes=1)
    damkar_id, psc_id = assignments["damkar"]["id"], assignments["psc119"]["id"]
    ack = damkar.post(f"/api/v1/assignments/{damkar_id}/acknowledge/")
    assert ack.status_code == 200, ack.json()
    assert ack.json()["status"] == "acknowledged"
    assert ack.json()["acknowledged_at"] == iso(START + timedelta(minutes=2))
    declined = psc119.post(f"/api/v1/assignments/{psc_id}/decline/", {"reason": "Ambulans sedang bertugas"}, format="json")
    assert declined.status_code == 200, declined.json()
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "Ambulans sedang bertugas"
    assert operator.get(f"/api/v1/incidents/{incident_id}/").json()["status"] == "acknowledged"

    # 10:05 en route, 10:12 on scene, 10:50 done.
    for minutes, step, incident_status in ((5, "en_route", "en_route"), (12, "on_scene", "on_scene"), (50, "completed", "on_scene")):
        clock.set(START + timedelta(minutes=minutes))
        moved = damkar.post(f"/api/v1/assignments/{damkar_id}/advance/", {"status": step}, format="json")
        assert moved.status_code == 200, moved.json()
        assert moved.json()["status"] == step
        assert moved.json()[f"{step}_at"] == iso(START + timedelta(minutes=minutes))
        assert operator.get(f"/api/v1/incidents/{incident_id}/").json()["status"] == incident_status

    # 10:55 resolved, 11:00 closed with a note.
    clock.set(START + timedelta(minutes=55))
    resolved = operator.post(f"/api/v1/incidents/{incident_id}/resolve/", {"note": "Api padam"}, format="json")
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["status"] == "resolved"
    clock.set(START + timedelta(minutes=60))
    closed = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Satu rumah rusak berat, tidak ada korban jiwa."}, format="json")
    assert closed.status_code == 200, closed.json()

    final = operator.get(f"/api/v1/incidents/{incident_id}/")
    assert final.status_code == 200
    incident = final.json()
    assert final["ETag"] == f'"{incident["version"]}"'
    assert incident["version"] == Incident.objects.get(pk=incident_id).version
    assert incident["status"] == "closed"
    assert incident["closing_note"] == "Satu rumah rusak berat, tidak ada korban jiwa."
    assert incident["created_at"] == iso(START)
    assert incident["first_acknowledged_at"] == iso(START + timedelta(minutes=2))
    assert incident["first_on_scene_at"] == iso(START + timedelta(minutes=12))
    assert incident["resolved_at"] == iso(START + timedelta(minutes=55))
    assert incident["closed_at"] == iso(START + timedelta(minutes=60))
    assert [a["status"] for a in incident["assignments"]] == ["completed", "declined"]
    assert incident["calls"][0]["caller_number"] == CALLER_E164
    assert incident["calls"][0]["caller_name"] == "Pak Rahmat"
    assert Incident.objects.get(pk=incident_id).status == IncidentStatus.CLOSED
    assert Assignment.objects.get(pk=damkar_id).status == AssignmentStatus.COMPLETED

    # The timeline: every step, in order, with who did it and when.
    steps = [(e["kind"], e["actor"], e["created_at"]) for e in incident["timeline"]]
    budi, damkar_name, psc_name = "Budi Operator", "Petugas DAMKAR", "Petugas PSC119"
    at = lambda minutes: iso(START + timedelta(minutes=minutes))  # noqa: E731
    expected = [
        ("incident.created", budi, at(0)),
        ("call.logged", budi, at(0)),
        ("assignment.created", budi, at(1)),
        ("assignment.created", budi, at(1)),
        ("incident.status_changed", budi, at(1)),
        ("assignment.acknowledged", damkar_name, at(2)),
        ("incident.status_changed", damkar_name, at(2)),
        ("assignment.declined", psc_name, at(2)),
        # Every assignment change is also told incident-wide, so each agency's console stays whole.
        ("incident.assignments_changed", psc_name, at(2)),
        ("assignment.en_route", damkar_name, at(5)),
        ("incident.status_changed", damkar_name, at(5)),
        ("assignment.on_scene", damkar_name, at(12)),
        ("incident.status_changed", damkar_name, at(12)),
        ("assignment.completed", damkar_name, at(50)),
        ("incident.assignments_changed", damkar_name, at(50)),
        ("incident.resolved", budi, at(55)),
        ("incident.closed", budi, at(60)),
    ]
    assert steps == expected
    by_kind = {e["kind"]: e for e in incident["timeline"]}
    assert by_kind["incident.closed"]["payload"]["note"] == "Satu rumah rusak berat, tidak ada korban jiwa."
    assert by_kind["incident.resolved"]["payload"]["note"] == "Api padam"
    assert "incident" not in by_kind["incident.closed"]["payload"]  # the snapshot is the detail itself

    # Closed incidents leave the active queue.
    assert ids(operator.get("/api/v1/incidents/", {"status": "active"})) == []
    assert ids(operator.get("/api/v1/incidents/", {"status": "closed"})) == [incident_id]
