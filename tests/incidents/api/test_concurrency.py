"""Two operators on one incident, and clients that retry: stale writes are 409, retries replay."""

import pytest

from dispatch112.models import IdempotencyRecord
from incidents.models import Assignment, Call, Incident
from tests.incidents.api.support import assert_error, counts, dispatch, emergency, log_emergency


@pytest.fixture
def incident_id(world, operator):
    return log_emergency(operator, world.categories["kebakaran"], address="Jl. Awal")


def test_edit_with_the_current_version_succeeds_and_bumps_it(operator, incident_id):
    seen = operator.get(f"/api/v1/incidents/{incident_id}/")
    assert seen["ETag"] == '"1"'
    response = operator.patch(f"/api/v1/incidents/{incident_id}/", {"address": "Jl. Baru", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["address"] == "Jl. Baru"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    updated = [e for e in response.json()["timeline"] if e["kind"] == "incident.updated"]
    assert updated[0]["payload"]["before"] == {"address": "Jl. Awal"}
    assert updated[0]["payload"]["after"] == {"address": "Jl. Baru"}


@pytest.mark.parametrize("how", ["body", "if-match", "weak-if-match"])
def test_second_operator_with_a_stale_version_gets_409_and_the_current_state(client_for, incident_id, how):
    budi, rina = client_for("operator"), client_for("operator2")
    etag = budi.get(f"/api/v1/incidents/{incident_id}/")["ETag"]
    assert rina.get(f"/api/v1/incidents/{incident_id}/")["ETag"] == etag == '"1"'

    # Rina saves first.
    first = rina.patch(f"/api/v1/incidents/{incident_id}/", {"address": "Jl. Rina"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.json()
    current_version = first.json()["version"]
    before, row_before = counts(), Incident.objects.filter(pk=incident_id).values().get()

    # Budi saves what he saw at version 1.
    body, headers = {"address": "Jl. Budi", "priority": 2}, {}
    if how == "body":
        body["version"] = 1
    else:
        headers["HTTP_IF_MATCH"] = etag if how == "if-match" else f"W/{etag}"
    response = budi.patch(f"/api/v1/incidents/{incident_id}/", body, format="json", **headers)
    error = assert_error(response, 409, code="stale_version")
    assert error["current"]["version"] == current_version
    assert error["current"]["address"] == "Jl. Rina"
    assert error["current"]["priority"] == 1
    assert error["current"]["id"] == incident_id
    # Nothing of Budi's change was written.
    assert counts() == before
    assert Incident.objects.filter(pk=incident_id).values().get() == row_before


def test_stale_dispatch_is_409_and_assigns_nothing(world, client_for, incident_id):
    budi, rina = client_for("operator"), client_for("operator2")
    assert rina.patch(f"/api/v1/incidents/{incident_id}/", {"priority": 2}, format="json").status_code == 200
    before = counts()
    response = budi.post(
        f"/api/v1/incidents/{incident_id}/dispatch/", {"agencies": [world.agencies["damkar"].pk]}, format="json", HTTP_IF_MATCH='"1"'
    )
    error = assert_error(response, 409, code="stale_version")
    assert error["current"]["priority"] == 2 and error["current"]["assignments"] == []
    assert counts() == before


def test_if_match_that_is_not_a_version_is_400(operator, incident_id):
    before = counts()
    response = operator.patch(f"/api/v1/incidents/{incident_id}/", {"address": "Jl. X"}, format="json", HTTP_IF_MATCH='"abc"')
    assert_error(response, 400, field="If-Match")
    assert counts() == before


def test_retried_call_with_the_same_idempotency_key_creates_nothing_new(world, operator):
    body = emergency(world.categories["kebakaran"])
    first = operator.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="tablet-7:call-0001")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    after_first = counts()

    retry = operator.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="tablet-7:call-0001")
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert counts() == after_first
    assert Call.objects.count() == 1 and Incident.objects.count() == 1

    # A new key is a new call.
    other = operator.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="tablet-7:call-0002")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert Incident.objects.count() == 2


def test_retried_acknowledge_replays_instead_of_409(world, operator, client_for, incident_id):
    assignment = dispatch(operator, incident_id, world.agencies["damkar"])["damkar"]
    damkar = client_for("damkar")
    first = damkar.post(f"/api/v1/assignments/{assignment}/acknowledge/", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == 200
    before = counts()
    retry = damkar.post(f"/api/v1/assignments/{assignment}/acknowledge/", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert (retry.status_code, retry["Idempotent-Replayed"], retry.json()) == (200, "true", first.json())
    assert counts() == before


def test_retried_dispatch_replays(world, operator, incident_id):
    body = {"agencies": [world.agencies["damkar"].pk]}
    first = operator.post(f"/api/v1/incidents/{incident_id}/dispatch/", body, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == 200
    retry = operator.post(f"/api/v1/incidents/{incident_id}/dispatch/", body, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Assignment.objects.filter(incident_id=incident_id).count() == 1


def test_same_key_on_another_path_is_409(world, operator, incident_id):
    assert operator.post("/api/v1/calls/", {"outcome": "prank"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    before = counts()
    response = operator.post(f"/api/v1/incidents/{incident_id}/cancel/", {"reason": "Batal"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error(response, 409, code="idempotency_key_reused")
    assert counts() == before
    assert Incident.objects.get(pk=incident_id).status == "new"


def test_failed_request_can_be_retried_with_the_same_key_after_fixing_it(world, operator):
    body = emergency(world.categories["kebakaran"], caller_number="not-a-number")
    failed = operator.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-fix")
    assert_error(failed, 400, field="caller_number")
    assert not IdempotencyRecord.objects.exists()
    before = counts()

    body["caller_number"] = "0812-3456-7890"
    fixed = operator.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-fix")
    assert fixed.status_code == 201, fixed.json()
    assert "Idempotent-Replayed" not in fixed
    assert counts()["calls"] == before["calls"] + 1 and counts()["incidents"] == before["incidents"] + 1


def test_failed_409_can_be_retried_with_the_same_key(world, operator, incident_id):
    # Closing before resolving is refused; resolving and closing again with the key works.
    refused = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Selesai"}, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    assert_error(refused, 409, code="transition_not_allowed")
    assert operator.post(f"/api/v1/incidents/{incident_id}/resolve/", {}, format="json").status_code == 200
    closed = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Selesai"}, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_idempotency_keys_belong_to_one_user(world, client_for):
    budi, rina = client_for("operator"), client_for("operator2")
    a = budi.post("/api/v1/calls/", {"outcome": "prank"}, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    b = rina.post("/api/v1/calls/", {"outcome": "silent"}, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert b.json()["outcome"] == "silent" and b.json()["operator"] == "Rina Operator"
    assert Call.objects.count() == 2


def test_overlong_idempotency_key_is_400(world, operator):
    before = counts()
    response = operator.post("/api/v1/calls/", {"outcome": "prank"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 129)
    assert_error(response, 400, field="Idempotency-Key")
    assert counts() == before


def test_reopen_is_audited_and_versioned(world, operator, incident_id):
    assert operator.post(f"/api/v1/incidents/{incident_id}/cancel/", {"reason": "Salah sambung"}, format="json").status_code == 200
    version = Incident.objects.get(pk=incident_id).version
    stale = operator.post(f"/api/v1/incidents/{incident_id}/reopen/", {"reason": "Ternyata benar", "version": version - 1}, format="json")
    assert_error(stale, 409, code="stale_version")
    reopened = operator.post(f"/api/v1/incidents/{incident_id}/reopen/", {"reason": "Ternyata benar", "version": version}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "new" and reopened.json()["cancelled_at"] is None
    event = reopened.json()["timeline"][-1]
    assert event["kind"] == "incident.reopened" and event["actor"] == "Budi Operator"
    assert event["payload"]["reason"] == "Ternyata benar"
    assert event["payload"]["previous"]["status"] == "cancelled"
