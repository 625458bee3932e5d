"""TOTP_REQUIRED_ROLES: users of those roles are sent to enrol after logging in, and use nothing
else — pages, API, console socket — until they have."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dispatch112.roles import Role
from tests.accounts.conftest import T0, code_at, log_in, secret_of, socket_answer
from tests.factories import UserFactory


@pytest.fixture
def supervisors_must(settings):
    settings.TOTP_REQUIRED_ROLES = ["supervisor"]


def test_a_supervisor_who_must_is_sent_to_enrol_and_kept_there(client, supervisor, supervisors_must, at_t0):
    assert log_in(client)["Location"] == "/"
    assert client.get("/")["Location"] == "/accounts/two-factor/"
    assert client.get("/supervisor/")["Location"] == "/accounts/two-factor/"
    api = client.get("/api/v1/incidents/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_enrolment_required"
    assert socket_answer(client) == 4401
    # The enrolment itself, the account page and logging out stay open.
    enrol = client.get("/accounts/two-factor/")
    assert enrol.status_code == 200 and "Login dua langkah" in client.get("/accounts/").content.decode()

    client.post("/accounts/two-factor/", {"code": code_at(secret_of(supervisor), T0)})

    assert client.get("/supervisor/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200
    assert socket_answer(client) == "accepted"
    # And it cannot be turned off while the role requires it.
    refused = client.post("/accounts/two-factor/off/", {"code": code_at(secret_of(supervisor), T0, 1)})
    assert refused.status_code == 400
    assert "wajib memakai login dua langkah" in refused.content.decode()
    assert supervisor.totp_device.confirmed_at == T0


def test_other_roles_are_not_held(client, db, supervisors_must):
    operator = UserFactory(username="budi", password="budi-112-benar", role=Role.OPERATOR)
    log_in(client, "budi", "budi-112-benar")
    assert client.get("/console/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 403
    assert socket_answer(client) == "accepted"
    assert client.session["_auth_user_id"] == str(operator.pk)


def test_an_operator_role_that_must_may_enrol(client, db, settings, at_t0):
    settings.TOTP_REQUIRED_ROLES = ["operator"]
    UserFactory(username="budi", password="budi-112-benar", role=Role.OPERATOR)
    log_in(client, "budi", "budi-112-benar")
    assert client.get("/console/")["Location"] == "/accounts/two-factor/"
    assert client.get("/accounts/two-factor/").status_code == 200


def test_an_unknown_role_name_stops_the_start(settings):
    from django.apps import apps

    settings.TOTP_REQUIRED_ROLES = ["supervisr"]
    with pytest.raises(ImproperlyConfigured, match="TOTP_REQUIRED_ROLES: unknown role"):
        apps.get_app_config("accounts").ready()
