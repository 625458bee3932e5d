"""Machine clients (a telephony bridge, a CAD gateway) authenticate with a token, not a session."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Call
from tests.incidents.api.support import CALLER_E164, assert_error, counts, emergency


def token_client(user):
    # CSRF enforced as a browser would have it: a token client must not need a CSRF cookie.
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_operator_token_can_log_a_call(world):
    client = token_client(world.users["operator"])
    response = client.post("/api/v1/calls/", emergency(world.categories["kebakaran"]), format="json")
    assert response.status_code == 201, response.json()
    call = Call.objects.get(pk=response.json()["id"])
    assert call.operator == world.users["operator"]
    assert call.caller_number == CALLER_E164
    assert response.json()["incident_reference"] == "112-SMD-20261127-0001"
    assert client.get(f"/api/v1/incidents/{call.incident_id}/").status_code == 200


def test_opd_token_is_held_to_the_opd_role(world):
    client = token_client(world.users["damkar"])
    before = counts()
    assert_error(client.post("/api/v1/calls/", {"outcome": "prank"}, format="json"), 403, code="permission_denied")
    assert client.get("/api/v1/incidents/").status_code == 200
    assert counts() == before


def test_session_post_without_csrf_token_is_refused(world):
    # The other side of the coin: a browser session must carry the CSRF token.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["operator"])
    before = counts()
    response = client.post("/api/v1/calls/", {"outcome": "prank"}, format="json")
    assert_error(response, 403)
    assert "CSRF" in response.json()["detail"]
    assert counts() == before


def test_token_of_a_deactivated_user_is_refused(world):
    user = world.users["operator2"]
    client = token_client(user)
    user.is_active = False
    user.save()
    before = counts()
    response = client.post("/api/v1/calls/", {"outcome": "prank"}, format="json")
    assert response.status_code in (401, 403)
    assert counts() == before
