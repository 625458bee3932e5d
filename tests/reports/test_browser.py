"""A supervisor opens the reports in a real browser with map tiles unreachable: the headline, every
chart with its table, and the kecamatan circles on a plain map; a filter narrows all of it."""

import pytest

from dispatch112.roles import Role, ensure_role_groups
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(15_000)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    # Autouse, so before the data set: a transactional test before this one flushed the
    # migration's groups, and the data set's users need them.
    ensure_role_groups()


@pytest.fixture
def supervisor(dataset):
    return UserFactory(username="sari", role=Role.SUPERVISOR)


def test_the_dashboard_shows_its_charts_tables_and_map_and_follows_a_filter(live_server, page, supervisor, dataset):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sari")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.goto(f"{live_server.url}/reports/?period=custom&from=2026-03-10&to=2026-03-10")

    expect(page.locator(".tile").first).to_contain_text("8")  # calls on the day
    expect(page.locator("svg.chart")).to_have_count(12)
    expect(page.locator("#block-calls_heatmap svg rect.hm")).to_have_count(7 * 24)
    expect(page.locator("#block-response_by_agency svg rect.bar")).to_have_count(3)  # All, Damkar, PSC
    expect(page.locator("#block-response_by_agency table tbody tr")).to_have_count(3)
    # The map draws one circle per kecamatan without any tile.
    expect(page.locator("#report-map[data-ready='2']")).to_be_attached()
    expect(page.locator("#report-map path.kecamatan-circle")).to_have_count(2)
    expect(page.locator("#report-map .kecamatan-label").first).to_contain_text("Alpha")
    assert page.locator("#section-volunteers svg.chart").is_visible()
    # The custom dates show for a custom period only.
    assert page.locator("#id_from").is_visible()
    page.select_option("#id_period", "7d")
    assert not page.locator("#id_from").is_visible()
    page.select_option("#id_period", "custom")

    page.select_option("#id_kecamatan", str(dataset.kecamatan["a"].pk))
    page.locator("#report-filters button[type=submit]").click()

    expect(page.locator("#block-incidents_by_kecamatan table tbody tr")).to_have_count(1)
    expect(page.locator(".tile").first).to_contain_text("2")  # the calls about Alpha's incidents
    assert "kecamatan=" in page.locator("#block-calls_per_day a.csv-link").get_attribute("href")
    assert page.errors == []
