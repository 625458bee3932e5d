"""An operator opens Command Center 112 in a real browser, logs in, and lands on the console."""

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.browser


def indonesian(text):
    with translation.override("id"):
        return translation.gettext(text)


def test_operator_logs_in_and_lands_on_the_console_in_bahasa_indonesia(demo, live_server, page, screenshot):
    from playwright.sync_api import expect

    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(live_server.url + "/console/")

    # Not logged in: the login page, in Indonesian, for the region this installation serves.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/console/$"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator(".login-card")).to_contain_text("Kota Samarinda")
    expect(page.locator("#id_username")).to_be_focused()
    assert failed == [], "the login page failed to load some of its files"
    screenshot("login-id")

    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-112-demo")
    page.get_by_role("button", name="Masuk").click()

    expect(page).to_have_url(live_server.url + "/console/")
    console = indonesian("Operator console")
    assert console != "Operator console", "the Indonesian catalogue lacks the operator console's name"
    expect(page).to_have_title(re.compile("^" + re.escape(console)))
    navigation = page.get_by_role("navigation", name=indonesian("Main navigation"))
    expect(navigation.get_by_role("link")).to_have_count(1)
    expect(navigation.locator("a.active")).to_have_text(console)
    expect(page.get_by_role("heading", name=indonesian("New call"))).to_be_visible()
    expect(page.locator(".who")).to_contain_text("Budi Operator")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    path = screenshot("operator-console-id")
    assert path.stat().st_size > 10_000


def test_wrong_password_keeps_the_operator_on_the_login_page(demo, live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "bukan-sandinya")
    page.get_by_role("button", name="Masuk").click()

    expect(page.locator(".form-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
