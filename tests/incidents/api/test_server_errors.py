"""What the API answers when the server, not the request, is at fault: always the one JSON error
format, never Django's HTML page. A lost database connection is a 503 the console can retry;
a bug is a 500 that says so. (The real connection cut is in tests/faults/.)"""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from incidents.models import Call, Incident
from tests.incidents.api.support import assert_error, emergency


@pytest.mark.parametrize("error", [OperationalError("terminating connection due to administrator command"), InterfaceError("connection already closed")])
def test_database_gone_during_a_call_is_503_json_with_retry_after(world, operator, error):
    with mock.patch("incidents.services.incident_create", side_effect=error):
        response = operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"]), format="json")
    body = assert_error(response, 503, code="database_unavailable")
    # Says that nothing was saved (Indonesian once the catalogue is compiled, English before).
    assert "nothing was saved" in body["detail"] or "tidak ada yang tersimpan" in body["detail"]
    assert int(response["Retry-After"]) > 0
    assert Call.objects.count() == Incident.objects.count() == 0


def test_unexpected_error_in_the_api_is_a_json_500(world, client_for):
    client = client_for("operator")
    client.raise_request_exception = False
    with mock.patch("incidents.services.call_log", side_effect=RuntimeError("a bug")):
        response = client.post("/api/v1/calls/", emergency(world.categories["kebakaran"]), format="json")
    assert response["Content-Type"].startswith("application/json")
    body = assert_error(response, 500, code="server_error")
    assert "a bug" not in body["detail"]  # the log has the trace; the client gets no internals


def test_idempotency_key_reused_with_another_body_is_422_and_changes_nothing(world, operator):
    first = operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"], address="Jl. A"), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert first.status_code == 201
    other = operator.post("/api/v1/calls/", emergency(world.categories["banjir"], address="Jl. B"), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert_error(other, 422, code="idempotency_key_mismatch", field="Idempotency-Key")
    assert Incident.objects.count() == 1
    # What the key did is said: the console shows that call instead of an error.
    assert other.json()["original"] == {"status": 201, "body": first.json()}
    # The same body, keys in another order: the same request, replayed.
    body = emergency(world.categories["kebakaran"], address="Jl. A")
    again = operator.post("/api/v1/calls/", dict(reversed(list(body.items()))), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert (again.status_code, again["Idempotent-Replayed"], again.json()) == (201, "true", first.json())
