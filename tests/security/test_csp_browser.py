"""Every console page in a real browser under its Content Security Policy (dispatch112/csp.py),
as the role that uses it: no violation is reported, no script fails, and each page does its job
(the queue fills, the map draws its markers, the wall its tiles, Swagger UI its operations).

The map tiles are unreachable here (no network): the policy allows their host, so that is no
violation, and the pages show their no-tiles state.
"""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.browser

WATCH_SCRIPT = Path(__file__).with_name("csp_watch.js")


@pytest.fixture
def world(transactional_db):
    from tests.security.conftest import _build_world

    cache.clear()
    return _build_world()


class Watched:
    """A browser context logged in as one user, with every CSP violation and page error kept."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="id-ID", timezone_id="Asia/Makassar")
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(path=str(WATCH_SCRIPT))
        self.context.route(re.compile(r"^https?://[^/]*tile\.openstreetmap\.org/"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.violations = []
        self.errors = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def _console(self, message):
        text = message.text
        # Ours (csp_watch.js), and Chromium's own "Refused to …" lines, which name the policy.
        if text.startswith("csp-violation") or "Content Security Policy" in text:
            self.violations.append(f"{self.page.url}: {text}")

    def log_in(self, username):
        self.page.goto(self.base_url + reverse("login"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", f"{username}-112-demo")
        self.page.locator("form:has(#id_password) button[type=submit]").click()
        self.page.wait_for_load_state()

    def open(self, url):
        response = self.page.goto(self.base_url + url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        assert "default-src 'self'" in response.headers.get("content-security-policy", ""), url
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, live_server):
    opened = []

    def make(username=None):
        session = Watched(browser, live_server.url)
        opened.append(session)
        if username:
            session.log_in(username)
        return session

    yield make
    for session in opened:
        session.close()


def assert_clean(session):
    assert session.violations == [], "\n".join(session.violations)
    assert session.errors == [], "\n".join(session.errors)


def test_the_login_page_and_the_volunteer_link_keep_the_policy(world, watched):
    from playwright.sync_api import expect

    session = watched()
    page = session.open(reverse("login"))
    expect(page.locator("#id_username")).to_be_visible()
    page = session.open(reverse("volunteer-link", kwargs={"token": world.volunteer_token}))
    expect(page.locator("body")).to_contain_text(world.incident.reference)
    assert_clean(session)


def test_the_operator_console_and_its_pages_keep_the_policy(world, watched):
    from playwright.sync_api import expect

    session = watched("operator")
    page = session.open(reverse("operator-console"))
    expect(page.locator("#caller_number")).to_be_focused()
    expect(page.locator(f'#queue-body tr[data-id="{world.incident.pk}"]')).to_be_visible()
    page.locator(f'#queue-body tr[data-id="{world.incident.pk}"]').click()
    expect(page.locator("#detail-body")).to_contain_text(world.incident.reference)
    # The intake map: a click sets a point (Leaflet draws it; its styles are set from script).
    box = page.locator("#intake-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#coords-text")).to_contain_text(",")

    page = session.open(reverse("cctv-camera", kwargs={"pk": world.camera.pk}))
    expect(page.locator("#large-tile img, #large-tile .tile-panel").first).to_be_attached()
    session.open(reverse("shifts-mine"))
    session.open(reverse("accounts:account"))
    assert_clean(session)


def test_the_api_docs_page_keeps_the_policy_with_its_files_served_here(world, watched):
    from playwright.sync_api import expect

    session = watched("operator")
    requested = []
    session.page.on("request", lambda request: requested.append(request.url))
    page = session.open(reverse("api-docs"))
    # The schema is generated on the first request: seconds on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Dispatch112 API", timeout=60_000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert [url for url in requested if not url.startswith(session.base_url)] == []
    assert_clean(session)


def test_the_supervisor_pages_keep_the_policy(world, watched):
    from playwright.sync_api import expect

    session = watched("supervisor")
    page = session.open(reverse("supervisor-home"))
    expect(page.locator("#live-map[data-ready]")).to_be_attached()
    expect(page.locator(f'.inc-marker[data-incident="{world.incident.pk}"]')).to_be_visible()
    expect(page.locator("#live-map .cam-marker").first).to_be_visible()
    # The cameras' view direction: a class per bearing, no inline style.
    expect(page.locator("#live-map .cam-wedge").first).to_be_attached()

    page = session.open(reverse("cctv-wall"))
    expect(page.locator(f'.tile[data-camera="{world.camera.pk}"]')).to_be_visible()
    page = session.open(reverse("reports:dashboard"))
    expect(page.locator("svg.chart").first).to_be_visible()
    session.open(reverse("reports:print"))
    session.open(reverse("shifts-calendar"))
    session.open(reverse("shifts-handovers"))
    page = session.open(reverse("shifts-handover", kwargs={"pk": world.handover.pk}))
    expect(page.locator("[data-print]")).to_be_visible()
    session.open(reverse("volunteers-roster"))
    session.open(reverse("volunteers-coverage"))
    session.open(reverse("integrations:cap"))
    session.open(reverse("accounts:totp-enrol"))
    assert_clean(session)


def test_the_admin_pages_keep_the_policy(world, watched):
    from playwright.sync_api import expect

    session = watched("admin")
    for name in ("manage-home", "volunteers-create", "volunteers-import", "volunteers-outbox", "admin:index",
                 "admin:dispatch112_user_changelist", "admin:incidents_agency_changelist"):
        session.open(reverse(name))
    page = session.open(reverse("admin:dispatch112_user_change", args=[world.users["operator"].pk]))
    expect(page.locator("#id_username")).to_have_value("operator")
    assert_clean(session)


def test_the_opd_console_keeps_the_policy(world, watched):
    from playwright.sync_api import expect

    session = watched("damkar")
    page = session.open(reverse("opd-console"))
    expect(page.locator("#opd-list")).to_contain_text(world.incident.reference)
    assert_clean(session)
