"""The operator console and the OPD console in a real browser: log and dispatch a call with the
keyboard, link a duplicate, close a prank in one keystroke, acknowledge on a phone."""

import re
import time

import pytest
from playwright.sync_api import expect

from incidents.models import Assignment, AssignmentStatus, Call, CallOutcome, Incident

pytestmark = pytest.mark.browser
MAX_KEYSTROKES = 30
TILES = "**/tile.openstreetmap.org/**"


class Keyboard:
    """Presses keys and counts every keystroke that is not typed text."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def type(self, text):
        self.page.keyboard.type(text)

    def press(self, key):
        self.count += 1
        self.page.keyboard.press(key)


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-112-demo")
    page.click("button.primary")


def open_console(page, live_server):
    page.route(TILES, lambda route: route.abort())
    login(page, live_server, "operator")
    page.goto(f"{live_server.url}/console/")
    page.wait_for_selector("#queue-body", state="attached")
    expect(page.locator("#caller_number")).to_be_focused()


def click_map_near_centre(page, dx=0, dy=0):
    box = page.locator("#intake-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def log_fire_call(page, keys, number, kelurahan="sidodadi"):
    keys.type(number)
    keys.press("Tab")
    keys.type("Pak Andi")
    keys.press("Tab")
    keys.type("k")  # kebakaran's quick key
    keys.press("Enter")
    keys.press("Tab")  # priority stays at the category's default
    keys.press("Tab")
    keys.type(kelurahan)
    keys.press("Enter")
    keys.press("Tab")
    keys.type("Jl. Pahlawan No. 12")
    click_map_near_centre(page)


def test_operator_logs_and_dispatches_a_fire_call_with_the_keyboard(demo, live_server, page, screenshot):
    open_console(page, live_server)
    keys = Keyboard(page)
    started = time.monotonic()

    log_fire_call(page, keys, "081234567890")
    assert page.evaluate("document.activeElement.id") == "address", "the map click must give the keyboard back"
    keys.press("Enter")
    page.wait_for_selector(".detail-ref")
    keys.press("Alt+D")
    expect(page.locator("#detail-body .assignments")).to_be_attached()
    elapsed = time.monotonic() - started

    incident = Incident.objects.get()
    assert incident.category.code == "kebakaran"
    assert incident.kelurahan.name == "Sidodadi"
    assert incident.latitude is not None
    assert Assignment.objects.filter(incident=incident, agency__code="damkar").exists()
    assert incident.calls.get().caller_number == "+6281234567890"
    assert keys.count <= MAX_KEYSTROKES, f"{keys.count} keystrokes beyond the typed text"
    print(f"\nfire call logged and dispatched with {keys.count} keystrokes in {elapsed:.2f} s")
    screenshot("operator-console-light")
    page.emulate_media(color_scheme="dark")
    screenshot("operator-console-dark")


def test_a_second_call_about_the_same_fire_is_linked_with_one_key(demo, live_server, page):
    open_console(page, live_server)
    keys = Keyboard(page)
    log_fire_call(page, keys, "081234567890")
    keys.press("Enter")
    page.wait_for_selector(".detail-ref")

    log_fire_call(page, keys, "081298765432")
    page.wait_for_selector("#duplicates button.dup")
    keys.count = 0
    keys.press("Alt+1")
    expect(page.locator("#intake-banner")).to_contain_text("ditautkan")

    incident = Incident.objects.get()
    assert incident.call_count == 2
    assert Call.objects.filter(incident=incident, outcome=CallOutcome.DUPLICATE, caller_number="+6281298765432").exists()
    assert keys.count == 1


def test_a_prank_call_is_closed_in_one_keystroke_after_the_number(demo, live_server, page):
    open_console(page, live_server)
    keys = Keyboard(page)
    keys.type("081355550000")
    keys.press("Alt+P")
    expect(page.locator("#intake-banner")).to_have_class(re.compile(r"\bok\b"))

    call = Call.objects.get()
    assert (call.outcome, call.caller_number, call.incident) == (CallOutcome.PRANK, "+6281355550000", None)
    assert keys.count == 1
    assert page.input_value("#caller_number") == "", "the form is ready for the next call"


def test_a_malformed_submission_shows_the_field_errors_and_creates_nothing(demo, live_server, page):
    open_console(page, live_server)
    page.keyboard.type("08-12ab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("k")
    page.keyboard.press("Enter")
    page.fill("#address", "Jl. Juanda")
    page.keyboard.press("Enter")
    error = page.locator('[data-error-for="caller_number"]')
    error.wait_for(state="visible")
    assert "nomor telepon" in error.text_content()
    assert Call.objects.count() == 0 and Incident.objects.count() == 0
    # The banner names the field as the form labels it (not the API's "caller_number"), and the
    # cursor goes to it.
    banner = page.locator("#intake-banner")
    expect(banner).to_contain_text("Periksa kolom yang ditandai: Nomor penelepon.")
    assert "caller_number" not in banner.text_content()
    expect(page.locator("#caller_number")).to_be_focused()

    page.fill("#caller_number", "")
    page.locator("#category_input").fill("")
    page.focus("#address")
    page.keyboard.press("Enter")
    assert page.locator('[data-error-for="category"]').text_content().strip() != ""
    assert Incident.objects.count() == 0


def test_an_incident_without_any_location_takes_a_second_enter(demo, live_server, page):
    open_console(page, live_server)
    keys = Keyboard(page)
    keys.type("081234567892")
    keys.press("Tab")
    keys.press("Tab")
    keys.type("k")
    keys.press("Enter")  # the category
    keys.press("Enter")  # too early: no kelurahan, address, landmark or point yet
    banner = page.locator("#intake-banner")
    expect(banner).to_contain_text("Belum ada lokasi")
    expect(banner).to_have_class(re.compile(r"\bwarn\b"))
    assert Incident.objects.count() == 0
    keys.press("Enter")  # the operator means it: a caller who cannot say where
    page.wait_for_selector(".detail-ref")
    incident = Incident.objects.get()
    assert (incident.kelurahan, incident.address, incident.latitude) == (None, "", None)

    # The next call asks again.
    keys.type("081234567893")
    page.focus("#category_input")
    keys.type("k")
    keys.press("Enter")
    keys.press("Enter")
    expect(banner).to_contain_text("Belum ada lokasi")
    assert Incident.objects.count() == 1


def test_enter_in_what_happened_starts_a_new_line_and_ctrl_enter_submits(demo, live_server, page):
    open_console(page, live_server)
    keys = Keyboard(page)
    log_fire_call(page, keys, "081234567891")
    page.focus("#description")
    keys.type("Api di dapur")
    keys.press("Enter")
    keys.type("dua lantai")
    assert Incident.objects.count() == 0, "Enter in the description is a new line"
    keys.press("Control+Enter")
    page.wait_for_selector(".detail-ref")
    assert Incident.objects.get().description == "Api di dapur\ndua lantai"


def test_a_call_whose_answer_was_lost_is_shown_as_logged_after_the_operator_edits_it(demo, live_server, page, screenshot):
    """The network drops the answer of a submitted call; the operator changes the address and
    submits again with the same key: the console shows the call that was logged (once), not an
    error, and the incident to change."""
    open_console(page, live_server)
    keys = Keyboard(page)
    log_fire_call(page, keys, "081234567890")
    expect(page.locator("#caller-history")).to_contain_text("Panggilan pertama")
    expect(page.locator("#caller-history")).not_to_contain_text("null")  # an absent part is left out, not shown as "null"
    lost = []

    def lose_first_answer(route):
        if lost:
            route.continue_()
            return
        route.fetch()  # the server logs the call…
        lost.append(True)
        route.abort("connectionreset")  # …and its answer never reaches the console

    page.route("**/api/v1/calls/", lose_first_answer)
    keys.press("Enter")
    expect(page.locator("#intake-banner")).to_have_class(re.compile(r"\berror\b"))
    assert Incident.objects.count() == 1

    page.fill("#address", "Jl. Pahlawan No. 14")
    page.focus("#address")
    keys.press("Enter")
    banner = page.locator("#intake-banner")
    expect(banner).to_have_class(re.compile(r"\bwarn\b"))
    expect(banner).to_contain_text("sudah tercatat sebelum perubahan terakhir Anda")
    incident = Incident.objects.get()
    assert incident.address == "Jl. Pahlawan No. 12"  # the first submission, once
    expect(page.locator(".detail-ref")).to_have_text(incident.reference)
    expect(page.locator("#detail-body")).not_to_contain_text("null")
    expect(page.locator("#caller_number")).to_have_value("")  # the form is free for the next call
    screenshot("intake-answer-lost")


def test_damkar_acknowledges_on_a_phone_and_bpbd_never_sees_it(demo, live_server, browser):
    from dispatch112.models import User
    from incidents import services
    from incidents.models import Agency, IncidentCategory

    operator = User.objects.get(username="operator")
    call = services.call_log(
        by=operator,
        outcome="emergency",
        caller_number="081234567890",
        new_incident=services.IncidentInput(category=IncidentCategory.objects.get(code="kebakaran"), address="Jl. Juanda"),
    )
    services.incident_dispatch(incident=call.incident, agencies=[Agency.objects.get(code="damkar")], by=operator)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True, has_touch=True)
    page = phone.new_page()
    login(page, live_server, "damkar")
    page.goto(f"{live_server.url}/opd/")
    card = page.locator(f'.opd-card[data-id="{call.incident_id}"]')
    card.wait_for()
    assert "•" in page.content() or "0812" not in card.text_content()
    button = card.locator("button.go")
    box = button.bounding_box()
    assert box["height"] >= 44, "touch targets must be large enough for a thumb"
    button.tap()
    expect(page.locator("#opd-banner")).to_have_class(re.compile(r"\bok\b"))
    assert Assignment.objects.get(incident=call.incident).status == AssignmentStatus.ACKNOWLEDGED
    page.screenshot(path="test-artifacts/opd-console-phone.png")
    phone.close()

    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    page = other.new_page()
    login(page, live_server, "bpbd")
    page.goto(f"{live_server.url}/opd/")
    page.wait_for_selector("#opd-empty", state="visible")
    assert page.locator(".opd-card").count() == 0
    assert call.incident.reference not in page.content()
    other.close()


def test_the_opd_console_puts_what_waits_for_acknowledgement_above_higher_priorities_already_handled(demo, live_server, page):
    from dispatch112.models import User
    from incidents import services
    from incidents.models import Agency, IncidentCategory

    operator, damkar_staff = User.objects.get(username="operator"), User.objects.get(username="damkar")
    damkar = Agency.objects.get(code="damkar")
    fire = IncidentCategory.objects.get(code="kebakaran")

    def dispatched(priority, address):
        call = services.call_log(by=operator, outcome="emergency", new_incident=services.IncidentInput(category=fire, priority=priority, address=address))
        return services.incident_dispatch(incident=call.incident, agencies=[damkar], by=operator)[0]

    on_scene = [dispatched(1, f"Jl. Juanda {n}") for n in (1, 2)]
    for assignment in on_scene:
        for status in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE):
            services.assignment_transition(assignment=assignment, to=status, by=damkar_staff)
    waiting = dispatched(2, "Jl. Pahlawan 3")

    page.route(TILES, lambda route: route.abort())
    login(page, live_server, "damkar")
    page.goto(f"{live_server.url}/opd/")
    page.wait_for_selector(".opd-card")
    order = [int(i) for i in page.eval_on_selector_all(".opd-card", "cards => cards.map((c) => c.dataset.id)")]
    assert order == [waiting.incident_id, *sorted((a.incident_id for a in on_scene), reverse=True)]
    first = page.locator(".opd-card").first
    expect(first.locator("button.go")).to_be_in_viewport()
