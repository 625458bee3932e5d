"""In a real browser: the volunteer's page on a phone (390×844), light and dark, from the link in
the message to "finished"; and the coordinators' pages at 1366×768. Screenshots go to
test-artifacts/ for a person to look at."""

import re

import pytest

from tests.conftest import REPO_ROOT
from tests.volunteers.conftest import build_world
from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers import links
from volunteers.models import Activation, ActivationStatus

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture
def committed_world(transactional_db):
    """The world, committed: the live server answers from another thread."""
    from django.core.cache import cache

    cache.clear()
    return build_world()


def open_page(browser, *, viewport, dark=False, mobile=False):
    context = browser.new_context(
        viewport=viewport, locale="id-ID", timezone_id="Asia/Makassar", color_scheme="dark" if dark else "light", is_mobile=mobile, has_touch=mobile
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_a_volunteer_answers_from_the_phone_page_to_finished(committed_world, live_server, browser, dark):
    from playwright.sync_api import expect

    operator = committed_world.users["operator"]
    incident = make_incident(
        operator, place="Bugis", address="Jl. Pahlawan No. 12, Gg. Mawar", description="Rumah dua lantai terbakar, dua orang terjebak di lantai atas"
    )
    (activation,) = activate(incident, [make_volunteer("Rahmat Hidayat", "Bugis")], operator, link_base=live_server.url)
    theme = "dark" if dark else "light"
    page = open_page(browser, viewport=PHONE, dark=dark, mobile=True)

    page.goto(live_server.url + links.link_path(activation))
    # Bahasa Indonesia: the volunteer's page speaks it by default.
    expect(page.locator("h1")).to_have_text("Kebakaran")
    expect(page.locator(".vlink-status")).to_have_text("Menunggu jawaban Anda")
    expect(page.locator("button[value=accept]")).to_have_text("Ya, saya berangkat")
    expect(page.locator(".vlink-ref")).to_have_text(incident.reference)
    expect(page.locator(".vlink-facts")).to_contain_text("Jl. Pahlawan No. 12")
    accept, decline = page.locator("button[value=accept]"), page.locator("button[value=decline]")
    expect(accept).to_be_visible()
    expect(decline).to_be_visible()
    # Big enough for a thumb, and all of it within the phone's width.
    assert accept.bounding_box()["height"] >= 48 and accept.bounding_box()["width"] >= 300
    assert fits_the_screen(page)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == ("rgb(13, 17, 23)" if dark else "rgb(244, 246, 248)")
    shoot(page, f"volunteer-phone-1-call-{theme}")

    accept.tap()
    expect(page).to_have_url(re.compile(r"\?done=accept$"))
    expect(page.locator(".vlink-ok")).to_be_visible()
    expect(page.locator("button[value=accept]")).to_have_count(0)
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.ACCEPTED
    shoot(page, f"volunteer-phone-2-accepted-{theme}")

    page.locator("button[value=arrived]").tap()
    expect(page).to_have_url(re.compile(r"\?done=arrived$"))
    page.locator("button[value=finished]").tap()
    expect(page).to_have_url(re.compile(r"\?done=finished$"))
    expect(page.locator(".vlink-answer button")).to_have_count(0)
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.FINISHED
    assert list(incident.events.filter(kind__in=["volunteer.accepted", "volunteer.arrived", "volunteer.finished"]).values_list("kind", flat=True)) == [
        "volunteer.accepted",
        "volunteer.arrived",
        "volunteer.finished",
    ]
    shoot(page, f"volunteer-phone-3-finished-{theme}")

    # The link again, later: used, says so, offers nothing.
    page.goto(live_server.url + links.link_path(activation))
    expect(page.locator(".vlink-answer")).to_contain_text("Tautan ini sudah digunakan")
    # A changed link is refused plainly.
    page.goto(live_server.url + links.link_path(activation)[:-3] + "xyz")
    expect(page.locator(".vlink-problem h1")).to_be_visible()
    assert fits_the_screen(page)
    shoot(page, f"volunteer-phone-4-invalid-{theme}")
    assert page.errors == []
    page.context.close()


def log_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_load_state()


def test_the_coordinators_pages_at_a_desktop(committed_world, live_server, browser, tmp_path, django_capture_on_commit_callbacks):
    from playwright.sync_api import expect

    from volunteers.demo import seed_demo_volunteers

    seed_demo_volunteers()
    operator = committed_world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    from volunteers.models import Volunteer

    called = list(Volunteer.objects.filter(kelurahan__name="Bugis", active=True)[:2])
    activate(incident, called, operator, link_base=live_server.url)
    from volunteers.services import messages_send_due

    messages_send_due()

    for dark in (False, True):
        theme = "dark" if dark else "light"
        page = open_page(browser, viewport=DESKTOP, dark=dark)
        log_in(page, live_server.url, "admin", "admin-pw-112")

        page.goto(live_server.url + "/relawan/")
        expect(page.locator(".vol-table tbody tr")).to_have_count(50)
        expect(page.locator(".area-list")).to_contain_text("Samarinda Kota")
        shoot(page, f"coordinator-roster-{theme}")
        page.locator(".area-list a", has_text="Samarinda Kota").click()
        page.locator(".area-sublist a", has_text="Bugis").click()
        expect(page.locator("h1")).to_contain_text("Bugis")
        shoot(page, f"coordinator-roster-bugis-{theme}")

        page.goto(live_server.url + "/relawan/coverage/")
        expect(page.locator(".cov-group")).to_have_count(10)
        shoot(page, f"coordinator-coverage-{theme}")
        page.locator("[data-autosubmit]").check()
        expect(page).to_have_url(re.compile(r"gaps=1"))

        if not dark:
            page.goto(live_server.url + "/relawan/new/")
            page.fill("#id_name", "Rahmat Hidayat")
            page.fill("#id_phone", "0541 741112")
            page.fill("#id_availability", "Senen malam")
            page.locator(".vol-form button[type=submit]").click()
            expect(page.locator(".vf-invalid")).to_have_count(3)  # phone, home kelurahan, availability
            shoot(page, "coordinator-form-errors-light")

            bad = tmp_path / "relawan.csv"
            bad.write_text("name,phone,kelurahan\nGood,081277660001,Bugis\nNowhere,081277660002,Atlantis\nLandline,0541741112,Bugis\nGood Twice,081277660001,Jawa\n")
            page.goto(live_server.url + "/relawan/import/")
            page.set_input_files("#id_file", str(bad))
            page.locator(".vol-form button[type=submit]").click()
            expect(page.locator(".problems tbody tr")).to_have_count(3)
            shoot(page, "coordinator-import-errors-light")

        page.goto(live_server.url + "/relawan/outbox/")
        expect(page.locator(".outbox tbody tr")).to_have_count(2)
        shoot(page, f"coordinator-outbox-{theme}")
        assert page.errors == []
        page.context.close()
