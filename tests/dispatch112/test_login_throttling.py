"""Login throttling (django-axes): 5 wrong passwords for one username from one address lock it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F

from dispatch112.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "budi-112-benar"


@pytest.fixture
def client(client):
    # English, so the assertions read the template's own words whatever the Indonesian catalog says.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def operator():
    return UserFactory(username="budi", password=PASSWORD, role=Role.OPERATOR)


def attempt(client, username, password, address="127.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def is_locked_out(response):
    return response.status_code == 429 and "Too many failed logins" in response.content.decode()


def test_failure_limit_is_five():
    assert settings.AXES_FAILURE_LIMIT == 5


def test_wrong_passwords_below_the_limit_show_the_login_form_again(client, operator):
    for _ in range(4):
        response = attempt(client, "budi", "salah")
        assert response.status_code == 200
        assert 'class="form-error"' in response.content.decode()
        assert 'name="password"' in response.content.decode()

    # A fifth try with the right password still gets in, and clears the count.
    response = attempt(client, "budi", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(operator.pk)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, operator):
    for _ in range(5):
        attempt(client, "budi", "salah")

    response = attempt(client, "budi", PASSWORD)

    assert is_locked_out(response), (response.status_code, response.content[:500])
    assert "_auth_user_id" not in client.session
    assert client.get("/console/").status_code == 302  # still sent to the login page


def test_lockout_is_per_username_another_user_from_the_same_address_logs_in(client, operator):
    UserFactory(username="sari", password="sari-112-benar", role=Role.SUPERVISOR)
    for _ in range(5):
        attempt(client, "budi", "salah")

    response = attempt(client, "sari", "sari-112-benar")

    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/supervisor/"


def test_lockout_is_per_address_the_same_user_elsewhere_logs_in(client, operator):
    for _ in range(5):
        attempt(client, "budi", "salah", address="10.1.1.7")

    assert is_locked_out(attempt(client, "budi", PASSWORD, address="10.1.1.7"))
    assert attempt(client, "budi", PASSWORD, address="10.1.1.8").status_code == 302


@pytest.mark.parametrize(("minutes_later", "locked"), [(14, True), (16, False)])
def test_lock_lasts_fifteen_minutes(client, operator, minutes_later, locked):
    for _ in range(5):
        attempt(client, "budi", "salah")
    # Let time pass by moving the recorded failures into the past.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes_later))

    response = attempt(client, "budi", PASSWORD)

    assert is_locked_out(response) is locked
    assert ("_auth_user_id" in client.session) is not locked
