"""Every URL pattern (pages, API endpoints and their actions, the admin) and the websocket routes ×
every role → the expected answer, from the rules in tests/security/rules.py.

The patterns come from walking the URL resolver, so a new endpoint without a rule fails
`test_every_url_pattern_has_a_rule` with the pattern named, and the matrix then proves the rule.
On top of the status, no answer to a role outside the console roles may carry the caller's
number or name, and none to OPD staff of another agency the incident's reference.
"""

import json

from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from tests.security import rules
from tests.security.rules import (
    ADMIN_LOGIN,
    ADMIN_MODEL_PAGES,
    CONSOLE,
    LOGIN,
    OPD_OTHER,
    REDIRECT,
    ROLES,
    RULES,
)
from tests.security.urlwalk import url_patterns, websocket_routes

WHERE = (
    "Add a rule in tests/security/rules.py (RULES, in your app's section; the module's docstring "
    "shows how) for each of these, saying what every role gets:"
)
FORM_METHODS = ("GET", "POST")  # Django pages serve forms; DRF views declare exactly what they serve


def _admin_model_prefixes():
    return {f"admin:{m._meta.app_label}_{m._meta.model_name}_": m for m in admin.site._registry}


def _admin_model_page(pattern):
    """(the standard admin page of a registered model this pattern is, that model) or (None, None)."""
    for prefix, model in _admin_model_prefixes().items():
        if pattern.name.startswith(prefix) and pattern.name[len(prefix):] in ADMIN_MODEL_PAGES:
            return pattern.name[len(prefix):], model
        legacy = f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"
        if not pattern.name and pattern.route == legacy:
            return "<path:object_id>/", model
    return None, None


def _admin_model_rule(pattern):
    page, model = _admin_model_page(pattern)
    return (rules.Rule(GET=ADMIN_MODEL_PAGES[page]), model) if page else (None, None)


def _key(pattern):
    return pattern.name or pattern.route


def _served_methods(pattern):
    if pattern.name.startswith("api:") or pattern.name.startswith("api-"):
        return set(pattern.methods)
    return set(pattern.methods) & set(FORM_METHODS)


def _rule_for(pattern):
    rule, _model = _admin_model_rule(pattern)
    return rule or RULES.get(_key(pattern))


def test_every_url_pattern_has_a_rule():
    missing = []
    for pattern in url_patterns():
        rule = _rule_for(pattern)
        if rule is None:
            missing.append(f"  {pattern}  methods: {', '.join(pattern.methods) or 'GET (function view: say which)'}")
            continue
        if pattern.name.startswith("admin:") or (not pattern.name and pattern.route.startswith("admin/")):
            continue  # admin pages: GET proves the staff check every admin view shares
        uncovered = _served_methods(pattern) - set(rule.methods())
        if uncovered:
            missing.append(f"  {pattern}  methods without a rule: {', '.join(sorted(uncovered))}")
    assert not missing, WHERE + "\n" + "\n".join(missing)


def test_every_websocket_route_has_a_rule():
    missing = sorted(set(websocket_routes()) - set(WEBSOCKET_RULES))
    assert not missing, f"Add the websocket route(s) {missing} to WEBSOCKET_RULES in {__name__.replace('.', '/')}.py"


# --- the matrix ---------------------------------------------------------------------------------


def _outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse(settings.LOGIN_URL)):
            return LOGIN
        return REDIRECT
    return response.status_code


def _personal_data(world):
    return {
        "the caller's number": world.call.caller_number.lstrip("+")[2:],  # national digits, any format
        "the caller's name": world.call.caller_name,
        "the ringing caller's number": "81298765432",
    }


def _leaks(world, role, response):
    if response.streaming or response.status_code != 200:
        return []
    body = response.content.decode("utf-8", "replace")
    found = []
    if role not in CONSOLE:
        found += [what for what, text in _personal_data(world).items() if text and text in body]
    if role == OPD_OTHER and world.incident.reference in body:
        found.append("the incident of another agency")
    return found


def _request(client, pattern, method, url, rule):
    data = rule.body.get(method, {})
    if pattern.name.startswith("api:"):
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    if method == "GET":
        return client.get(url)
    return client.post(url, data) if method == "POST" else client.generic(method, url)


def _object_ids(world):
    # The instance's pk, not the column: an admin proxy may key its pages on another field
    # (DRF's TokenProxy is addressed by its user's id).
    return {model: getattr(model._default_manager.order_by("pk").first(), "pk", None) for model in admin.site._registry}


def _admin_role_gets(model, page, admin_user, object_id):
    """What the admin role gets on a model's admin page: 200, or 403 where its ModelAdmin turns
    that page off (read-only registries such as the login log, or rows managed on their own pages)."""
    from django.test import RequestFactory

    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    obj = model_admin.get_object(request, str(object_id)) if object_id is not None else None
    if obj is None and page in ("change", "history", "delete"):
        return REDIRECT  # no row of this model in the world: the admin is sent back to its index
    allowed = {
        "add": model_admin.has_add_permission(request),
        "delete": model_admin.has_delete_permission(request, obj),
    }.get(page, model_admin.has_view_or_change_permission(request, obj))
    return 200 if allowed else 403


def _url(pattern, rule, world, role, model, object_ids):
    kwargs = rule.args(world)
    if rule.args_for is not None:
        kwargs = rule.args_for(world).get(role, kwargs)
    if model is not None:
        if "object_id" in pattern.route:
            kwargs = {"object_id": object_ids[model] or 0}
        if not pattern.name:  # the legacy redirect has no name to reverse
            return "/" + pattern.route.replace("<path:object_id>", str(object_ids[model] or 0))
    if not pattern.name:
        return "/" + pattern.route.split("(?P")[0] + kwargs.get("url", "")
    url = reverse(pattern.name, kwargs=kwargs)
    return f"{url}?{rule.query}" if rule.query else url


def test_authorization_matrix(security_world, role_clients):
    from django.contrib.contenttypes.models import ContentType

    security_world.objects["contenttype:user"] = ContentType.objects.get_for_model(security_world.users["operator"]).pk
    object_ids = _object_ids(security_world)
    # A relawan has opened their link before trying anything else with that browser.
    role_clients[rules.VOLUNTEER].get(reverse("volunteer-link", kwargs={"token": security_world.volunteer_token}))

    wrong, leaks, checked = [], [], 0
    for pattern in url_patterns():
        admin_rule, model = _admin_model_rule(pattern)
        rule = admin_rule or RULES.get(_key(pattern))
        if rule is None:
            continue  # test_every_url_pattern_has_a_rule names it
        for method in rule.methods():
            expected = dict(rule.expected(method))
            page, _model = _admin_model_page(pattern)
            if page in ("changelist", "add", "change", "history", "delete"):
                expected[rules.ADMIN] = _admin_role_gets(model, page, security_world.users["admin"], object_ids[model])
            for role in ROLES:
                client = role_clients[role]
                url = _url(pattern, rule, security_world, role, model, object_ids)
                cookies = client.cookies
                client.cookies = cookies.__class__(cookies)  # a logout must not log this client out for the next rows
                with transaction.atomic():
                    response = _request(client, pattern, method, url, rule)
                    transaction.set_rollback(True)
                client.cookies = cookies
                got = _outcome(response)
                checked += 1
                if got != expected[role]:
                    wrong.append(f"  {method} {url}  {role}: expected {expected[role]}, got {got}  ({_key(pattern)})")
                leaks += [f"  {method} {url}  {role}: shows {what}" for what in _leaks(security_world, role, response)]
    assert checked > 8 * 150
    assert not wrong, "Answers that differ from tests/security/rules.py:\n" + "\n".join(wrong)
    assert not leaks, "Personal data or another agency's incident shown to a role that may not see it:\n" + "\n".join(leaks)


# --- websocket routes ---------------------------------------------------------------------------

ACCEPTED = "accepted"
# The console stream: console roles and OPD staff are accepted (each joins only its own groups,
# tests/live); a socket with no session is closed with 4401. The telephony token is no session.
WEBSOCKET_RULES = {
    "ws/events/": {
        **{role: 4401 for role in rules.SESSIONLESS},
        **{role: ACCEPTED for role in (*CONSOLE, *rules.OPD)},
    }
}


def _socket_answer(session_key):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from dispatch112.asgi import application

    async def scenario(route):
        headers = [(b"origin", b"http://127.0.0.1")]
        if session_key:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
        communicator = WebsocketCommunicator(application, "/" + route, headers=headers)
        accepted, code = await communicator.connect()
        await communicator.disconnect()
        return ACCEPTED if accepted else code

    return lambda route: async_to_sync(scenario)(route)


def test_websocket_matrix(security_world, role_clients):
    from unittest import mock

    wrong = []
    # The consumer's database calls run in this thread, inside the test's transaction; channels
    # would close that connection between calls (it is "in a transaction" to its eyes).
    with mock.patch("channels.db.close_old_connections"):
        for route, expected in WEBSOCKET_RULES.items():
            for role in ROLES:
                cookie = role_clients[role].cookies.get(settings.SESSION_COOKIE_NAME)
                got = _socket_answer(cookie.value if cookie else None)(route)
                if got != expected[role]:
                    wrong.append(f"  {route}  {role}: expected {expected[role]}, got {got}")
    assert not wrong, "Websocket answers that differ from WEBSOCKET_RULES:\n" + "\n".join(wrong)
