"""An idle console in a real browser (dispatch112/idle.py, static/js/session.js): the operator's
half-logged call survives the end of the session and the login, and is gone once submitted; the
console warns before the end, "stay" keeps the session, and at the end it goes to the login page.

The session's age is set in the session store (the server's clock is real); the page's clock is
Playwright's, moved forward so that the console's minute-long timers run in a moment.
"""

import re
import time
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dispatch112 import idle
from incidents.models import Incident
from tests.e2e.test_operator_console import Keyboard, login, log_fire_call, open_console

pytestmark = pytest.mark.browser
DRAFT_KEY = "d112-intake-draft"


def session_store(page):
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def leave_session(page, seconds):
    """Make the browser's session have `seconds` left before it is idle (negative: past it)."""
    # A request of the page still in flight would save the session after us with its own
    # "active now" (seen on a loaded machine): let the page's requests finish first.
    page.wait_for_load_state("networkidle")
    store = session_store(page)
    store[idle.ACTIVITY_KEY] = time.time() - idle.timeout_seconds() + seconds
    store.save()


def test_the_operators_call_survives_an_ended_session_and_is_cleared_once_logged(demo, live_server, page):
    open_console(page, live_server)
    keys = Keyboard(page)
    log_fire_call(page, keys, "081234567890")
    page.fill("#description", "Asap tebal dari dapur rumah")
    expect(page.locator("#coords-text")).to_contain_text(",")

    leave_session(page, -1)
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/console/$"))
    expect(page.locator(".messages")).to_contain_text("Sesi Anda berakhir setelah 60 menit tanpa aktivitas")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-112-demo")
    page.click("button.primary")

    expect(page).to_have_url(f"{live_server.url}/console/")
    expect(page.locator("#caller_number")).to_have_value("081234567890")
    expect(page.locator("#caller_name")).to_have_value("Pak Andi")
    expect(page.locator("#category_input")).to_have_value(re.compile("Kebakaran"))
    expect(page.locator("#kelurahan_input")).to_have_value(re.compile("Sidodadi"))
    expect(page.locator("#address")).to_have_value("Jl. Pahlawan No. 12")
    expect(page.locator("#description")).to_have_value("Asap tebal dari dapur rumah")
    expect(page.locator("#coords-text")).to_contain_text(",")
    expect(page.locator("#intake-banner")).to_contain_text("Panggilan yang sedang Anda catat sudah kembali")
    assert Incident.objects.count() == 0

    page.click("#intake-submit")
    expect(page.locator(".detail-ref")).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.category.code, incident.kelurahan.name, incident.address) == ("kebakaran", "Sidodadi", "Jl. Pahlawan No. 12")
    assert incident.latitude is not None
    assert page.evaluate(f"sessionStorage.getItem('{DRAFT_KEY}')") is None
    page.reload()
    expect(page.locator("#caller_number")).to_have_value("")
    expect(page.locator("#intake-banner")).to_be_hidden()


def test_what_the_console_loads_by_itself_does_not_count_as_the_operators_activity(demo, live_server, page):
    """The queue and the hazard alerts load at start and again after every reconnect: asked in the
    background, so that a console left alone still times out (a reconnecting one used to stay in)."""
    asked = {}
    page.on("request", lambda request: asked.setdefault(request.url.split("?")[0].removeprefix(live_server.url), request.headers))
    open_console(page, live_server)
    page.wait_for_load_state("networkidle")
    for path in ("/api/v1/cap/received/", "/api/v1/incidents/"):
        assert asked[path].get("x-dispatch112-background") == "1", (path, asked[path])


def test_logging_out_on_purpose_leaves_no_draft_for_the_next_operator(demo, live_server, page):
    open_console(page, live_server)
    page.fill("#caller_number", "081234567890")
    page.fill("#address", "Jl. Pahlawan No. 12")
    assert page.evaluate(f"sessionStorage.getItem('{DRAFT_KEY}')") is not None
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    login(page, live_server, "operator2")
    page.goto(f"{live_server.url}/console/")
    expect(page.locator("#caller_number")).to_be_focused()
    expect(page.locator("#caller_number")).to_have_value("")
    expect(page.locator("#address")).to_have_value("")


def test_the_console_warns_before_the_end_stays_when_asked_and_goes_to_the_login_at_the_end(demo, live_server, page):
    page.clock.install()
    open_console(page, live_server)
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    # Another tab was busy until a minute ago: asked before warning, the server says so.
    leave_session(page, 30 * 60)
    page.clock.fast_forward("59:00")
    expect(warning).to_have_attribute("data-remaining", re.compile(r"^1[78]\d\d$"))
    expect(warning).to_be_hidden()

    leave_session(page, 90)
    page.clock.fast_forward("29:00")
    expect(warning).to_have_attribute("data-remaining", re.compile(r"^[5-9]\d$"))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Sesi akan berakhir dalam")
    expect(warning.locator("[data-countdown]")).to_have_text(re.compile(r"^1:[0-3]\d$"))

    warning.get_by_role("button", name="Tetap masuk").click()
    expect(warning).to_have_attribute("data-remaining", re.compile(r"^3[56]\d\d$"))
    expect(warning).to_be_hidden()
    assert idle.remaining_seconds(session_store(page)) > idle.timeout_seconds() - 60

    leave_session(page, -1)
    page.clock.fast_forward("01:00:00")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fconsole%2F$"))
    # (Which request found the session idle — a poll or session.js's question — is a race here, and
    # with it whether the "why" message reaches this page; the test above covers the message.)
    expect(page.locator("#id_username")).to_be_visible()
