"""Hostile text is shown as text everywhere: the sentinel `<img src=x onerror=window.__pwned=1>` is put
in every free-text field of the inventory (tests/security/hostile.py) through the door each comes in
by, then

- every page the URL conf serves (pages, the admin, feeds) is fetched as a role that may see it, and
  the sentinel never appears unescaped in an HTML or XML answer;
- in a real browser the consoles that build HTML in JavaScript (operator console with its queue and
  detail pane, live map with its Leaflet tooltips, OPD console, CCTV wall, reports map, admin pages)
  render with all the payloads at once: no element the payload would create exists, the sentinel
  never ran, and no inline handler was even attempted (a Content-Security-Policy refusal).
"""

import pytest
from django.db import IntegrityError, transaction

from tests.security import rules
from tests.security.hostile import INVENTORY, PAYLOADS, SENTINEL, free_entries

# The elements and attributes the payloads would create if they were parsed as HTML.
INJECTED = "[onerror], [onload], [onmouseover], img[src='x'], svg[onload]"
RAW = (SENTINEL, PAYLOADS["script tag"], "<svg onload=window.__pwned=1>")
ROLE_ORDER = (rules.ADMIN, rules.SUPERVISOR, rules.OPERATOR, rules.OPD_OWN, rules.VOLUNTEER, rules.TELEPHONY, rules.ANONYMOUS)


def seed_hostile(world):
    """The sentinel in every free-text field: once through each field's writer (the API, the form's
    service, the webhook), then in every row of the model columns, so that every list shows it."""
    from django.apps import apps

    for label, entry in free_entries().items():
        entry.writer(world, SENTINEL)
    for label, entry in free_entries().items():
        if label.count(".") != 2 or (entry.limit is not None and entry.limit < len(SENTINEL)):
            continue
        app_label, model_name, field = label.split(".")
        model = apps.get_model(app_label, model_name)
        try:
            with transaction.atomic():
                model.objects.update(**{field: SENTINEL})
        except IntegrityError:  # a unique name: the first row only
            first = model.objects.order_by("pk").first()
            if first is not None:
                model.objects.filter(pk=first.pk).update(**{field: SENTINEL})


# --- server-rendered pages ------------------------------------------------------------------------


def _page_urls(world):
    """(role, url) for every GET pattern, as the first role (admin first) that gets a 200."""
    from tests.security.test_authz_matrix import _admin_model_rule, _object_ids, _rule_for, _url
    from tests.security.urlwalk import url_patterns

    object_ids = _object_ids(world)
    found = []
    for pattern in url_patterns():
        rule = _rule_for(pattern)
        if rule is None or rule.GET is None:
            continue
        _rule, model = _admin_model_rule(pattern)
        role = next((r for r in ROLE_ORDER if rule.GET.get(r) == 200), None)
        if role is None:
            continue
        if model is not None and "object_id" in pattern.route and object_ids.get(model) is None:
            continue
        found.append((role, _url(pattern, rule, world, role, model, object_ids)))
    return found


def test_every_page_shows_hostile_text_escaped(security_world, role_clients):
    seed_hostile(security_world)
    role_clients[rules.VOLUNTEER].get(f"/r/{security_world.volunteer_token}")
    checked, unescaped, errors = 0, [], []
    for role, url in _page_urls(security_world):
        response = role_clients[role].get(url)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
            continue
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not any(t in kind for t in ("html", "xml", "svg")) or response.streaming:
            continue
        checked += 1
        body = response.content.decode("utf-8", "replace")
        if any(raw in body for raw in RAW):
            unescaped.append(url)
    assert not errors, errors
    assert not unescaped, f"hostile text unescaped on: {unescaped}"
    assert checked >= 40, checked


def test_the_payload_is_there_escaped_on_the_pages_that_show_it(security_world, role_clients):
    seed_hostile(security_world)
    escaped = "&lt;img src=x onerror=window.__pwned=1&gt;"
    for role, url in [
        (rules.SUPERVISOR, "/relawan/"),
        (rules.SUPERVISOR, "/shifts/handovers/"),
        (rules.ADMIN, "/admin/incidents/agency/"),
        (rules.ADMIN, "/admin/cctv/camera/"),
        (rules.SUPERVISOR, "/integrations/cap/"),
    ]:
        body = role_clients[role].get(url).content.decode()
        assert escaped in body, url


# --- the consoles in a real browser ---------------------------------------------------------------


@pytest.fixture
def hostile_site(transactional_db, live_server, django_capture_on_commit_callbacks):
    from tests.security.conftest import _build_world

    with django_capture_on_commit_callbacks(execute=True):
        world = _build_world()
        seed_hostile(world)
    return world, live_server.url


def _log_in(context, base, username):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-112-demo")
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_load_state()
    return page


def _open_every_tooltip(page):
    # Leaflet fills a tooltip or popup only when it opens: open them all (the kelurahan layer too).
    page.evaluate(
        """() => {
        const holder = window.dispatch112map;
        if (!holder) return;
        holder.map.eachLayer((layer) => { if (layer.getTooltip && layer.getTooltip()) layer.openTooltip(); });
    }"""
    )


@pytest.mark.browser
def test_no_injected_script_runs_in_any_console(browser, hostile_site):
    from playwright.sync_api import expect

    world, base = hostile_site
    refused = []
    pages = [
        ("operator", "/console/", "#queue-body tr.queue-row"),
        ("supervisor", "/supervisor/", "#live-map[data-ready]"),
        ("damkar", "/opd/", ".opd-card"),
        ("supervisor", "/cctv/wall/", "body"),
        ("supervisor", f"/cctv/cameras/{world.camera.pk}/", "body"),
        ("supervisor", "/reports/?period=today", "body"),
        ("supervisor", "/relawan/", "body"),
        ("supervisor", "/relawan/coverage/", "body"),
        ("supervisor", "/shifts/", "body"),
        ("supervisor", "/shifts/handovers/", "body"),
        ("admin", "/admin/cctv/camera/", "body"),
        ("admin", "/admin/incidents/incidentcategory/", "body"),
    ]
    contexts = {}
    try:
        for username, path, ready in pages:
            if username not in contexts:
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Makassar")
                context.set_default_timeout(15_000)
                contexts[username] = (context, _log_in(context, base, username))
            context, page = contexts[username]
            # Under a Content-Security-Policy the handler is refused rather than run: still a payload parsed as HTML.
            page.on("console", lambda message, path=path: refused.append((path, message.text)) if "inline event handler" in message.text else None)
            page.goto(f"{base}{path}")
            expect(page.locator(ready).first).to_be_attached()
            if path == "/console/":
                page.locator("#queue-body tr.queue-row").first.click()  # the detail pane, with the timeline
                page.wait_for_timeout(500)
            if path == "/supervisor/":
                page.locator("#layer-kelurahan").check()
                page.wait_for_timeout(300)
                _open_every_tooltip(page)
                expect(page.locator(".leaflet-tooltip").first).to_be_attached()
                assert "&lt;img src=x onerror" in page.content(), "the sentinel should be shown as text in the tooltips"
            page.wait_for_timeout(300)
            assert page.locator(INJECTED).count() == 0, f"{path}: an element from a payload was created"
            assert page.evaluate("() => window.__pwned") is None, f"{path}: the sentinel ran"
    finally:
        for context, _page in contexts.values():
            context.close()
    assert not refused, refused


def test_every_free_text_entry_is_seeded():
    # seed_hostile goes through INVENTORY's writers: a FREE entry without one would be silently unseeded.
    assert all(entry.writer for entry in free_entries().values())
    assert set(free_entries()) <= set(INVENTORY)
