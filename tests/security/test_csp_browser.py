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


def _tiny_png():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xd0\x30\x20" * 16 for _ in range(16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def integrations_world(world):
    """The world plus what the integrations bring to the pages: a BMKG warning in force (the
    operator's hazard strip, the map's hazard layer), a WhatsApp/SMS message with its stored photo
    (the operator's message queue), a fire truck reporting its position (the map's unit markers)."""
    from datetime import UTC, datetime, timedelta

    from django.test import Client

    from dispatch112 import clock
    from dispatch112.outbox import OutboxStatus
    from incidents.models import Agency
    from intake.models import InboundMessage, MessageMedia
    from integrations.cap import parse_alert
    from integrations.models import Unit, UnitSource
    from integrations.services import received_alert_store, unit_position_record
    from integrations.trackers import from_osmand
    from tests.integrations.test_cap_in import SAMARINDA, cap_file

    expires = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    xml = cap_file("CSP-1", polygon=SAMARINDA, headline="Peringatan dini banjir Samarinda").replace(b"2026-11-27T13:00:00+07:00", expires.encode())
    received_alert_store(parsed=parse_alert(xml), source_url="http://bmkg.test/cap/csp.xml")

    gateway = Client(HTTP_AUTHORIZATION=f"Token {world.telephony_token}")
    answer = gateway.post("/api/v1/messages/inbound/", {"channel": "sms", "id": "csp-photo-1", "from": "081234567005", "text": "Pohon tumbang, lihat foto"},
                          content_type="application/json")
    assert answer.status_code == 201, answer.content
    now = clock.now()
    png = _tiny_png()
    MessageMedia.objects.update_or_create(
        message=InboundMessage.objects.get(provider_id="csp-photo-1"),
        defaults={"status": OutboxStatus.SENT, "content": png, "content_type": "image/png", "size": len(png),
                  "created_at": now, "next_attempt_at": now, "sent_at": now},
    )

    truck = Unit.objects.create(agency=Agency.objects.get(code="damkar"), name="Damkar 01", token="trk-csp-test-0001")
    unit_position_record(unit=truck, fix=from_osmand({"lat": "-0.5000", "lon": "117.1500"}, now=now), source=UnitSource.TRACCAR)
    world.objects["unit"] = truck.pk
    return world


def test_the_pages_the_integrations_and_the_audit_trail_added_keep_the_policy(integrations_world, watched):
    from playwright.sync_api import expect

    world = integrations_world
    session = watched("operator")
    page = session.open(reverse("operator-console"))
    expect(page.locator("#hazard-strip")).to_contain_text("Peringatan dini banjir Samarinda")
    page.locator("#hazard-strip summary").first.click()  # the alert's text unfolds
    queue = page.locator("#message-queue")
    expect(queue).to_contain_text("Pohon tumbang, lihat foto")
    expect(queue.locator("img.message-thumb")).to_be_visible()
    assert queue.locator("img.message-thumb").evaluate("img => img.complete && img.naturalWidth") > 0
    assert_clean(session)

    session = watched("supervisor")
    page = session.open(reverse("supervisor-home"))
    expect(page.locator("#live-map[data-ready]")).to_be_attached()
    expect(page.locator(f'.unit-marker[data-unit="{world.objects["unit"]}"]')).to_be_visible()
    expect(page.locator("#unit-list")).to_contain_text("Damkar 01")
    expect(page.locator("#hazard-list")).to_contain_text("Peringatan dini banjir Samarinda")
    expect(page.locator("path.leaflet-interactive").first).to_be_attached()  # the warning's area
    page.locator("#hazard-list li").first.click()  # fits the map to the warning's area
    page.locator("#unit-list li").first.click()  # pans to the truck
    assert_clean(session)

    session = watched("admin")
    page = session.open(reverse("audit:log"))
    expect(page.locator("table.audit-entries tbody tr").first).to_be_visible()
    page.locator("table.audit-entries details summary").first.click()
    session.open(reverse("audit:log") + "?model=incidents.agency")
    for name in ("admin:integrations_unit_changelist", "admin:integrations_receivedalert_changelist",
                 "admin:integrations_publishedalert_changelist", "admin:integrations_agencywebhook_changelist"):
        session.open(reverse(name))
    page = session.open(reverse("admin:integrations_unit_change", args=[world.objects["unit"]]))
    expect(page.locator("#id_name")).to_have_value("Damkar 01")
    assert_clean(session)
