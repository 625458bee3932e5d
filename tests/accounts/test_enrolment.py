"""A supervisor turns on two-factor login from their account page, and turns it off again."""

import hashlib

import pytest
from django.utils import translation

from accounts.models import RecoveryCode, TOTPDevice
from dispatch112 import clock
from dispatch112.roles import Role
from tests.accounts.conftest import PASSWORD, T0, code_at, secret_of
from tests.factories import UserFactory

WRONG = "Kode salah atau kedaluwarsa."


def indonesian(text):
    with translation.override("id"):
        return translation.gettext(text)


@pytest.fixture
def sari(client, supervisor):
    client.force_login(supervisor)
    return client


def test_the_account_page_offers_two_factor_login_to_a_supervisor(sari):
    page = sari.get("/accounts/").content.decode()
    assert indonesian("Off: logging in takes your password only.") in page
    assert 'href="/accounts/two-factor/"' in page


def test_an_operator_has_no_two_factor_login_to_set_up(client, db):
    client.force_login(UserFactory(role=Role.OPERATOR))
    assert 'href="/accounts/two-factor/"' not in client.get("/accounts/").content.decode()
    assert client.get("/accounts/two-factor/").status_code == 403
    assert not TOTPDevice.objects.exists()


def test_enrolment_shows_a_qr_code_and_the_key_and_keeps_them_across_a_reload(sari, supervisor):
    first = sari.get("/accounts/two-factor/").content.decode()
    secret = secret_of(supervisor)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert '<svg width="' in first and 'class="qrline"' in first  # rendered here, no image service
    assert grouped in first
    assert secret not in TOTPDevice.objects.get().sealed_secret  # sealed at rest
    assert grouped in sari.get("/accounts/two-factor/").content.decode()
    assert TOTPDevice.objects.get().confirmed_at is None  # not on until a code is entered


def test_a_wrong_code_does_not_finish_the_enrolment(sari, supervisor, at_t0):
    sari.get("/accounts/two-factor/")
    wrong = str((int(code_at(secret_of(supervisor), T0)) + 1) % 1_000_000).zfill(6)

    response = sari.post("/accounts/two-factor/", {"code": wrong})

    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert TOTPDevice.objects.get().confirmed_at is None
    assert not RecoveryCode.objects.exists()
    letters = sari.post("/accounts/two-factor/", {"code": "12ab56"})
    assert letters.status_code == 400
    assert indonesian("Enter the 6-digit code from the authenticator app.") in letters.content.decode()


def test_the_right_code_turns_it_on_and_shows_ten_recovery_codes_once(sari, supervisor, at_t0):
    sari.get("/accounts/two-factor/")
    secret = secret_of(supervisor)

    response = sari.post("/accounts/two-factor/", {"code": code_at(secret, T0)})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    codes = page.split('id="recovery-codes">')[1].split("</ol>")[0].replace("<li>", " ").replace("</li>", " ").split()
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert TOTPDevice.objects.get().confirmed_at == T0
    # Never shown again: the enrolment page now leads back to the account page.
    again = sari.get("/accounts/two-factor/")
    assert again.status_code == 302 and again["Location"] == "/accounts/"
    account = sari.get("/accounts/").content.decode()
    assert indonesian("On: logging in takes your password and a code from your authenticator app.") in account
    assert secret not in account and codes[0] not in account
    # The session that enrolled stays in.
    assert sari.get("/supervisor/").status_code == 200


def test_turning_it_off_takes_a_current_code(sari, supervisor, enrolled, at_t0):
    secret, _codes = enrolled

    refused = sari.post("/accounts/two-factor/off/", {"code": "000000" if code_at(secret, T0) != "000000" else "111111"})
    assert refused.status_code == 400 and WRONG in refused.content.decode()
    assert TOTPDevice.objects.filter(user=supervisor).exists()
    empty = sari.post("/accounts/two-factor/off/", {"code": ""})
    assert empty.status_code == 400

    response = sari.post("/accounts/two-factor/off/", {"code": code_at(secret, T0)})

    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert not TOTPDevice.objects.exists() and not RecoveryCode.objects.exists()
    assert sari.get("/supervisor/").status_code == 200
    # Logging in again takes the password only.
    sari.post("/accounts/logout/")
    login = sari.post("/accounts/login/", {"username": "sari", "password": PASSWORD})
    assert login["Location"] == "/"


def test_a_code_cannot_be_used_twice_in_its_step(supervisor):
    from accounts import services

    with clock.travel_to(T0):
        _device, secret = services.totp_enrolment_begin(user=supervisor)
        code = code_at(secret, T0)
        services.totp_enrolment_confirm(user=supervisor, code=code)
        assert services.totp_check(user=supervisor, code=code) is False
        # The previous step's code is older than the one used: refused too; the next one passes.
        assert services.totp_check(user=supervisor, code=code_at(secret, T0, -1)) is False
        assert services.totp_check(user=supervisor, code=code_at(secret, T0, +1)) is True
