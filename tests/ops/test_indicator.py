"""The supervisor's header shows the system's health; other roles' headers do not."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ops.health import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY, record_heartbeat
from tests.ops.conftest import client_of, seed_world


def test_supervisors_and_admins_have_the_indicator_operators_do_not(world):
    for user in (world.supervisor, world.admin):
        page = client_of(user).get("/shifts/mine/").content.decode()
        assert 'id="health-indicator"' in page and 'data-url="/healthz"' in page
        assert "js/ops/health.js" in page
        # Bahasa Indonesia by default, from the app's own catalogue.
        assert "Sistem normal" in page and "Basis data" in page and "Penjadwal (beat)" in page

    operator_page = client_of(world.operator).get("/console/").content.decode()
    assert "health-indicator" not in operator_page


@pytest.mark.browser
def test_the_supervisor_sees_what_is_wrong_at_a_glance_and_when_the_server_stops_answering(transactional_db, live_server, browser):
    from playwright.sync_api import expect

    seed_world()
    # The worker answers (or tasks are eager), beat has been silent for ten minutes.
    record_heartbeat(WORKER_HEARTBEAT_KEY, by="celery@worker-1")
    record_heartbeat(BEAT_HEARTBEAT_KEY, by="beat", now=timezone.now() - timedelta(minutes=10))
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/login/?next=/shifts/mine/")
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "supervisor-112-demo")
        page.locator("button[type=submit]").last.click()
        page.wait_for_url("**/shifts/mine/")

        indicator = page.locator("#health-indicator")
        # The scheduler is named as the trouble, in Indonesian.
        expect(indicator).to_have_attribute("data-state", "degraded")
        with translation.override("id"):
            degraded, beat = translation.gettext("System degraded"), translation.gettext("Scheduler (beat)")
        expect(indicator.locator(".health-text")).to_have_text(f"{degraded} (1)")
        expect(indicator.locator(".health-button")).to_have_attribute("title", f"{degraded}: {beat}")
        indicator.locator(".health-button").click()
        expect(indicator.locator('[data-check="database"] strong')).to_have_text("normal")
        expect(indicator.locator('[data-check="beat"]')).to_have_attribute("data-status", "warn")
        page.screenshot(path="/tmp/ops-indicator-degraded.png")

        page.route("**/healthz", lambda route: route.abort())
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        expect(indicator).to_have_attribute("data-state", "unreachable")
        expect(indicator.locator(".health-text")).to_have_text("Server tidak menjawab")
        page.screenshot(path="/tmp/ops-indicator-unreachable.png")
    finally:
        context.close()
