"""The consoles in a real browser against the running server: what one user does shows on another
user's screen without a reload, and the header says whether the screen is live."""

import re

import pytest

from tests.live.support import HttpSession

pytestmark = pytest.mark.browser

LIVE = re.compile(r"(^|\s)live(\s|$)")  # the class "live", not "live-status"


def labels(page):
    return page.evaluate("JSON.parse(document.getElementById('console-config').textContent).statuses")


def test_operator_console_shows_an_opd_acknowledgement_without_a_reload(world, server, console_page):
    from playwright.sync_api import expect

    operator_api = HttpSession(server.url).login("operator2")
    fire = operator_api.new_incident(world.category("kebakaran"), address="Jl. Juanda 7")
    operator_api.dispatch(fire["id"], world.agency("damkar"))

    operator = console_page("operator")
    expect(operator).to_have_url(server.url + "/console/")
    expect(operator.locator("#live-status")).to_have_class(LIVE)
    expect(operator.locator("#live-status")).to_have_text("● langsung")
    status = labels(operator)
    row = operator.locator(f'#queue-body tr[data-id="{fire["id"]}"]')
    expect(row.locator(".status")).to_have_text(status["dispatched"])
    operator.evaluate("window.__sameDocument = true")  # gone if the page reloads

    damkar = console_page("damkar")
    expect(damkar).to_have_url(server.url + "/opd/")
    card = damkar.locator(f'.opd-card[data-id="{fire["id"]}"]')
    card.get_by_role("button", name="Terima").click()
    expect(damkar.locator("#opd-banner")).to_be_visible()

    # Faster than any fallback poll (20 s) or re-render (15 s) could show it: the push did.
    expect(row.locator(".status")).to_have_text(status["acknowledged"], timeout=5_000)
    expect(row.locator(".chip.a-acknowledged")).to_have_text("damkar")
    # Another operator's intake appears as well.
    flood = operator_api.new_incident(world.category("banjir"))
    expect(operator.locator(f'#queue-body tr[data-id="{flood["id"]}"] .status')).to_have_text(status["new"], timeout=5_000)
    assert operator.evaluate("window.__sameDocument") is True
    expect(operator.locator("#live-status")).to_have_class(LIVE)
    assert operator.errors == [] and damkar.errors == []


def test_operator_console_reconnects_after_a_server_restart_and_catches_up(world, server, console_page):
    from playwright.sync_api import expect

    from dispatch112.models import User
    from incidents.models import IncidentCategory
    from incidents.services import IncidentInput, call_log

    operator = console_page("operator")
    expect(operator.locator("#live-status")).to_have_class(LIVE)
    operator.evaluate("window.__sameDocument = true")

    server.stop()
    expect(operator.locator("#live-status")).to_have_class(re.compile(r"(^|\s)(reconnecting|offline)(\s|$)"))
    # Written while the web server is down (by a worker, say): only the Event table carries it.
    call = call_log(
        by=User.objects.get(username="supervisor"),
        outcome="emergency",
        new_incident=IncidentInput(category=IncidentCategory.objects.get(pk=world.category("orang-tenggelam")), latitude=-0.51, longitude=117.15),
    )
    server.start()

    # live.js backs off (0.5 s doubling, with jitter) while the server is away: allow a few rounds.
    expect(operator.locator("#live-status")).to_have_class(LIVE, timeout=45_000)
    expect(operator.locator(f'#queue-body tr[data-id="{call.incident_id}"]')).to_be_visible(timeout=5_000)
    assert operator.evaluate("window.__sameDocument") is True
    assert operator.errors == []
