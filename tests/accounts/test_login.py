"""Logging in with two-factor login on: the password, then a code; until the code, the session is
nobody's — to pages, the API and the console socket alike."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from dispatch112 import clock
from tests.accounts.conftest import PASSWORD, T0, code_at, log_in, socket_answer

WRONG = "Kode salah atau kedaluwarsa."


def wrong_code(secret):
    # Not the code of any step within the window.
    near = {code_at(secret, T0, s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def test_after_the_password_the_code_is_asked_and_nothing_else_opens(client, enrolled, at_t0):
    response = log_in(client, next_url="/reports/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/login/code/")
    assert "Masukkan kode login Anda" in page.content.decode()
    # Half logged in: every door still closed.
    assert client.get("/supervisor/")["Location"].startswith("/accounts/login/")
    api = client.get("/api/v1/incidents/")
    assert api.status_code == 403 and api.json()["code"] == "not_authenticated"
    assert socket_answer(client) == 4401


def test_the_right_code_logs_in_and_goes_where_the_login_was_headed(client, supervisor, enrolled, at_t0):
    secret, _codes = enrolled
    log_in(client, next_url="/reports/")

    response = client.post("/accounts/login/code/", {"code": code_at(secret, T0)})

    assert response.status_code == 302 and response["Location"] == "/reports/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)
    assert client.get("/supervisor/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200
    assert socket_answer(client) == "accepted"
    # The code step is over: opening it again leads to the login page.
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_one_step_early_or_late_is_accepted(client, enrolled, at_t0, steps):
    secret, _codes = enrolled
    log_in(client)
    assert client.post("/accounts/login/code/", {"code": code_at(secret, T0, steps)})["Location"] == "/"


def test_a_code_two_steps_old_is_refused(client, enrolled, at_t0):
    secret, _codes = enrolled
    log_in(client)
    response = client.post("/accounts/login/code/", {"code": code_at(secret, T0, -2)})
    assert response.status_code == 400 and WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_code_cannot_log_in_twice(client, enrolled, at_t0):
    from django.test import Client

    secret, _codes = enrolled
    code = code_at(secret, T0)
    log_in(client)
    assert client.post("/accounts/login/code/", {"code": code})["Location"] == "/"

    thief = Client()
    log_in(thief)
    replay = thief.post("/accounts/login/code/", {"code": code})
    assert replay.status_code == 400 and WRONG in replay.content.decode()
    assert "_auth_user_id" not in thief.session


def test_without_two_factor_the_password_alone_logs_in(client, supervisor):
    response = log_in(client)
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)
    assert socket_answer(client) == "accepted"


def test_a_recovery_code_logs_in_once(client, supervisor, enrolled, at_t0):
    from django.test import Client

    _secret, codes = enrolled
    log_in(client)
    assert client.post("/accounts/login/code/", {"code": codes[3].upper()})["Location"] == "/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)
    assert supervisor.recovery_codes.filter(used_at=T0).count() == 1

    again = Client()
    log_in(again)
    response = again.post("/accounts/login/code/", {"code": codes[3]})
    assert response.status_code == 400 and WRONG in response.content.decode()
    account = client.get("/accounts/").content.decode()
    assert "Sisa 9 kode pemulihan." in account


def test_wrong_codes_count_as_failed_logins_and_lock_the_code_step(client, enrolled, at_t0):
    secret, _codes = enrolled
    log_in(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/code/", {"code": wrong_code(secret)})
        assert response.status_code == 400 and WRONG in response.content.decode()
    assert AccessAttempt.objects.get(username="sari").failures_since_start == settings.AXES_FAILURE_LIMIT - 1

    locked = client.post("/accounts/login/code/", {"code": wrong_code(secret)})
    assert locked.status_code == 429
    # Locked: the right code is refused, and so is the password step.
    assert client.post("/accounts/login/code/", {"code": code_at(secret, T0)}).status_code == 429
    assert "_auth_user_id" not in client.session
    assert log_in(client).status_code == 429


def test_an_empty_code_is_asked_for_again_without_counting(client, enrolled, at_t0):
    log_in(client)
    response = client.post("/accounts/login/code/", {"code": "  "})
    assert response.status_code == 400
    assert "Masukkan 6 digit kode dari aplikasi autentikator." in response.content.decode()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("junk", ["١٢٣٤٥٦", "12345\n", "<script>", "x" * 500])
def test_a_malformed_code_is_a_wrong_code(client, enrolled, at_t0, junk):
    log_in(client)
    response = client.post("/accounts/login/code/", {"code": junk})
    assert response.status_code == 400 and WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires_and_the_password_is_asked_again(client, enrolled):
    secret, _codes = enrolled
    with clock.travel_to(T0):
        log_in(client)
    later = T0 + timedelta(seconds=settings.TOTP_LOGIN_STEP_SECONDS + 1)
    with clock.travel_to(later):
        response = client.post("/accounts/login/code/", {"code": code_at(secret, later)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_django_admin_login_does_not_skip_the_code(client, enrolled, at_t0):
    from dispatch112.models import User

    User.objects.filter(username="sari").update(is_staff=True)
    client.post("/admin/login/", {"username": "sari", "password": PASSWORD})
    assert "_auth_user_id" in client.session

    # Logged in by that door, but without the second step: nobody, everywhere.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/supervisor/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/incidents/").status_code == 403
    assert socket_answer(client) == 4401
