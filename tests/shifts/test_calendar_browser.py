"""An admin opens the roster calendar in a real browser (the system Chromium), sees the gaps, fills
a slot with the "+" of a cell, and is told clearly when the roster refuses a slot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data `make run` loads (the live server needs it committed)."""
    from dispatch112.demo import seed_core
    from dispatch112.roles import Role
    from tests.factories import UserFactory

    seed_core()  # also repairs the role groups a transactional test before this one flushed
    return UserFactory(role=Role.OPERATOR, username="dewi", first_name="Dewi", last_name="Relawan")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def log_in(page, live_server, username, password):
    page.goto(live_server.url + "/accounts/login/?next=/shifts/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#id_password").press("Enter")


def test_admin_sees_the_gaps_and_fills_a_slot(demo, live_server, page):
    from playwright.sync_api import expect

    from shifts.models import RosterEntry, ShiftType

    dewi = demo
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, live_server, "admin", "admin-112-demo")
    expect(page).to_have_url(live_server.url + "/shifts/")
    assert failed == [] and errors == []

    today = timezone.localdate()
    last_day = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    pagi = ShiftType.objects.get(code="pagi")
    cell = page.locator(f'td[data-date="{last_day:%Y-%m-%d}"][data-shift="{pagi.pk}"]')
    # The demo roster has one person per shift, below the minimum of 2 operators + 1 supervisor:
    # every cell is marked, and the header says how many.
    expect(page.locator("td.slot-ok")).to_have_count(0)
    expect(cell.locator(".slot-gap")).to_be_visible()
    expect(page.locator(".cal-summary .pill-short")).to_be_visible()
    expect(page.locator("#on-duty .duty-now")).to_be_visible()
    shot(page, "shifts-calendar-light")
    gap_before = cell.locator(".slot-gap").inner_text()

    cell.locator(".slot-add").click()
    expect(page.locator("#id_add-date")).to_have_value(f"{last_day:%Y-%m-%d}")
    expect(page.locator("#id_add-shift_type")).to_have_value(str(pagi.pk))
    expect(page.locator("#id_add-user")).to_be_focused()
    page.select_option("#id_add-user", str(dewi.pk))
    page.check("#id_add-volunteer")
    page.locator("#add-form button[type=submit]").click()

    cell = page.locator(f'td[data-date="{last_day:%Y-%m-%d}"][data-shift="{pagi.pk}"]')
    expect(cell).to_contain_text("Dewi Relawan")
    expect(cell.locator(".tag-rel")).to_be_visible()
    expect(page.locator(".messages .msg-success")).to_contain_text("Dewi Relawan")
    assert cell.locator(".slot-gap").inner_text() != gap_before  # one operator fewer missing
    assert RosterEntry.objects.filter(user=dewi, date=last_day, shift_type=pagi, volunteer=True).exists()

    # The same person on the next shift of that day would have no rest: refused, said next to the field.
    siang = ShiftType.objects.get(code="siang")
    page.locator(f'td[data-date="{last_day:%Y-%m-%d}"][data-shift="{siang.pk}"] .slot-add').click()
    page.select_option("#id_add-user", str(dewi.pk))
    page.locator("#add-form button[type=submit]").click()

    expect(page.locator("#id_add-user-error")).to_contain_text("Dewi Relawan")
    expect(page.locator("#tool-add")).to_have_attribute("open", "")
    assert RosterEntry.objects.filter(user=dewi).count() == 1
    shot(page, "shifts-calendar-error-light")

    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + "/shifts/")
    shot(page, "shifts-calendar-dark")
    assert errors == []
