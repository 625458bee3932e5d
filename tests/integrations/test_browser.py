"""A supervisor in a real browser (map tiles unreachable): the live map shows a fire truck
reporting through Traccar, with its distance to the incident, and a BMKG warning's area and entry."""


import pytest

from incidents.models import Agency
from integrations.cap import parse_alert
from integrations.models import Unit, UnitSource
from integrations.services import received_alert_store, unit_position_record
from integrations.trackers import from_osmand
from tests.integrations.test_cap_in import SAMARINDA, cap_file

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_map_shows_a_moving_unit_and_a_hazard_alert(transactional_db, live_server, page, clock):
    from playwright.sync_api import expect

    from dispatch112.demo import seed_core

    seed_core()
    truck = Unit.objects.create(agency=Agency.objects.get(code="damkar"), name="Damkar 01", token="trk-browser-test-0001")
    unit_position_record(unit=truck, fix=from_osmand({"lat": "-0.5000", "lon": "117.1500"}, now=clock.now), source=UnitSource.TRACCAR)
    received_alert_store(parsed=parse_alert(cap_file("CBT1", polygon=SAMARINDA, headline="Hujan lebat di Samarinda")), source_url="http://bmkg.test/cap/1.xml")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "supervisor-112-demo")
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page.locator("#live-map[data-ready]")).to_be_attached()

    marker = page.locator(f'.unit-marker[data-unit="{truck.pk}"]')
    expect(marker).to_be_visible()
    expect(marker).to_have_text("DAM")
    expect(page.locator("#unit-list")).to_contain_text("Damkar 01")
    expect(page.locator("#hazard-list")).to_contain_text("Hujan lebat di Samarinda")
    expect(page.locator("path.leaflet-interactive").first).to_be_attached()  # the warning's polygon

    # The truck moves: the next reload (what the map does every 20 s without the live stream) moves it.
    # Leaflet places a marker with a transform in its style: a moved marker has another one.
    icon = page.locator(".leaflet-marker-icon").filter(has=marker)
    before = icon.get_attribute("style")
    clock.advance(seconds=30)
    unit_position_record(unit=truck, fix=from_osmand({"lat": "-0.4800", "lon": "117.1700"}, now=clock.now), source=UnitSource.TRACCAR)
    page.evaluate("window.dispatch112map.integrations.reload()")
    expect(icon).not_to_have_attribute("style", before)
    page.screenshot(path="/tmp/integrations-map.png")
