"""A supervisor turns on two-factor login in a real browser, logs out, and logs in again with the
code an authenticator app would show (computed here from the key the page shows)."""

import re
import time

import pytest

from accounts import totp

pytestmark = pytest.mark.browser


def app_code(secret, *, steps_ahead=0):
    return totp.totp(totp.secret_bytes(secret), time.time() + steps_ahead * totp.STEP_SECONDS)


def test_supervisor_enrols_logs_out_and_logs_in_with_a_code(demo, live_server, page, screenshot):
    from playwright.sync_api import expect

    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "supervisor-112-demo")
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + "/supervisor/")

    # From the header's name to the account page, then to the enrolment.
    page.locator(".who a").click()
    expect(page.get_by_role("heading", name="Akun saya")).to_be_visible()
    page.get_by_role("link", name="Aktifkan login dua langkah").click()
    expect(page).to_have_url(live_server.url + "/accounts/two-factor/")
    qr = page.locator(".totp-qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 120
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(totp.secret_bytes(secret)) == 20
    expect(page.locator("#id_code")).to_be_focused()
    assert failed == [], failed
    screenshot("two-factor-enrol-id")

    page.fill("#id_code", "000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Aktifkan login dua langkah").click()
    expect(page.get_by_role("alert")).to_have_text("Kode salah atau kedaluwarsa.")
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret  # the same key

    page.fill("#id_code", app_code(secret))
    page.get_by_role("button", name="Aktifkan login dua langkah").click()
    expect(page.get_by_role("heading", name="Login dua langkah aktif")).to_be_visible()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    screenshot("two-factor-recovery-codes-id")

    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(live_server.url + "/supervisor/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "supervisor-112-demo")
    page.get_by_role("button", name="Masuk").click()

    expect(page).to_have_url(live_server.url + "/accounts/login/code/")
    expect(page.get_by_role("heading", name="Masukkan kode login Anda")).to_be_visible()
    expect(page.locator("#id_code")).to_be_focused()
    page.fill("#id_code", "000000" if app_code(secret, steps_ahead=1) != "000000" else "111111")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Kode salah atau kedaluwarsa.")
    screenshot("two-factor-code-id")
    # The enrolment used this step's code; the next step's is within the window and not yet used.
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + "/supervisor/")
    expect(page.locator(".who")).to_contain_text("Sari Supervisor")
    assert failed == [f"400 {live_server.url}/accounts/two-factor/", f"400 {live_server.url}/accounts/login/code/"], failed
