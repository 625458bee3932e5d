"""Errors speak the user's language: Bahasa Indonesia by default, English when an API client asks.

The Indonesian wording comes from the catalogue (DRF's, overridden by locale/id where the project
prefers other words), so the expected text is looked up rather than copied here; each test also
checks that it really is a translation and not the English text.
"""

import pytest
from django.utils import translation

from tests.incidents.api.support import assert_error, emergency


def indonesian(english):
    with translation.override("id"):
        text = translation.gettext(english)
    assert text != english, f"no Indonesian translation for {english!r}"
    return text


@pytest.mark.parametrize("language", [None, "id", "id-ID,id;q=0.9", "en", "en-US,en;q=0.9"])
def test_missing_field_message_follows_accept_language(world, operator, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = operator.post("/api/v1/calls/", {"caller_number": "0812-3456-7890"}, format="json", **headers)
    body = assert_error(response, 400, field="outcome")
    english = "This field is required."
    expected = english if (language or "").startswith("en") else indonesian(english)
    assert body["fields"]["outcome"] == [expected]
    assert expected in body["detail"]


def test_unknown_id_message_is_indonesian_by_default(world, operator):
    body = emergency(world.categories["kebakaran"])
    body["incident"]["category"] = 999_999
    default = operator.post("/api/v1/calls/", body, format="json").json()
    message = default["fields"]["incident"]["category"][0]
    assert message == indonesian('Invalid pk "{pk_value}" - object does not exist.').format(pk_value=999_999)
    assert "999999" in message
    english = operator.post("/api/v1/calls/", body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["fields"]["incident"]["category"] == ['Invalid pk "999999" - object does not exist.']


def test_not_found_and_not_logged_in_messages_follow_the_language(world, operator, anonymous):
    assert operator.get("/api/v1/incidents/999999/").json()["detail"] == indonesian("Not found.")
    assert operator.get("/api/v1/incidents/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Not found."
    not_logged_in = "Authentication credentials were not provided."
    assert anonymous.get("/api/v1/incidents/").json()["detail"] == indonesian(not_logged_in)
    assert anonymous.get("/api/v1/incidents/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == not_logged_in


def test_role_refusal_follows_the_language(world, client_for):
    damkar = client_for("damkar")
    english = damkar.get("/api/v1/calls/", HTTP_ACCEPT_LANGUAGE="en")
    assert_error(english, 403, code="permission_denied")
    assert english.json()["detail"] == "Your role does not allow this action."
    assert damkar.get("/api/v1/calls/").json()["detail"] == indonesian("Your role does not allow this action.")


def test_domain_rule_message_is_indonesian_by_default(world, operator):
    # A rule from the services (not DRF): closing an incident that is not resolved.
    from tests.incidents.api.support import log_emergency

    incident_id = log_emergency(operator, world.categories["kebakaran"])
    default = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Selesai"}, format="json").json()
    english = operator.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "Selesai"}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["detail"] == "Cannot close an incident that is new."
    assert default["detail"] != english["detail"]
    with translation.override("id"):
        expected = translation.gettext("Cannot %(action)s an incident that is %(status)s.") % {
            "action": translation.gettext("close"),
            "status": translation.gettext("new"),
        }
    assert default["detail"] == expected
