"""Hostile input in every free-text field (the inventory in tests/security/hostile.py): script tags,
HTML, SQL fragments, right-to-left marks and formula starts are stored as the text they are; a text
over the field's limit, and a NUL anywhere in a request, is a 400 that names the field — never a 500
(PostgreSQL cannot store a NUL, so on PostgreSQL that was a 500)."""

import pytest

from tests.security.hostile import FREE, INVENTORY, NUL, PAYLOADS, free_entries, model_text_fields

# What a field names in a 400: any real field, not just a "something was wrong".
UNNAMED = {"non_field_errors", "__all__"}


def _expected(entry, value):
    value = value.replace("\r\n", "\n")
    return value.strip() if entry.strips else value


def _cut(entry, expected, stored):
    return stored in (expected[: entry.limit], expected[: entry.limit - 1] + "…")


def _named(outcome):
    return outcome.status == 400 and any(key not in UNNAMED for key in outcome.fields)


# --- the inventory follows the models --------------------------------------------------------------


def test_every_text_field_of_every_model_has_an_inventory_entry():
    fields = model_text_fields()
    missing = [f.label for f in fields if not f.third_party and not f.has_choices and f.label not in INVENTORY]
    assert not missing, "text fields without an entry in tests/security/hostile.py INVENTORY (say how they are written and shown):\n" + "\n".join(missing)


def test_the_inventory_has_no_entry_for_a_field_that_is_gone():
    labels = {f.label for f in model_text_fields()}
    stale = [label for label in INVENTORY if label.count(".") == 2 and label not in labels]
    assert not stale, f"entries for fields that no model has: {stale}"


def test_every_free_text_entry_has_a_writer_and_says_where_it_is_shown():
    for label, entry in free_entries().items():
        assert entry.writer is not None, f"{label}: a FREE entry needs a writer"
        assert entry.write and entry.shown, f"{label}: say how it is written and where it is shown"
    assert len(free_entries()) >= 40


# --- payloads through the doors they come in by ---------------------------------------------------


FREE_LABELS = sorted(free_entries())
APPS = sorted({label.split(".")[0] for label in FREE_LABELS})


def _problems(world, label):
    """Every payload, a NUL, a text at the limit and one over it, through the field's writer."""
    entry = INVENTORY[label]
    problems = []
    for name, payload in PAYLOADS.items():
        outcome = entry.writer(world, payload)
        expected = _expected(entry, payload)
        too_long = entry.limit is not None and len(expected) > entry.limit
        if too_long and entry.truncates:
            ok = outcome.status < 300 and _cut(entry, expected, outcome.stored)
        elif too_long:
            ok = _named(outcome)
        else:
            ok = outcome.status < 300 and outcome.stored == expected
        if not ok:
            problems.append(f"{label} {name}: {outcome}")
    outcome = entry.writer(world, NUL)
    if not _named(outcome):
        problems.append(f"{label} NUL: {outcome}")
    if entry.limit:
        at_limit = entry.writer(world, "é" * entry.limit)
        if not (at_limit.status < 300 and at_limit.stored == "é" * entry.limit):
            problems.append(f"{label} at the limit ({entry.limit}): {at_limit}")
        over = entry.writer(world, "é" * (entry.limit + 1))
        # An outside system's message is kept, cut to the column: never lost for its length.
        if not ((over.status < 300 and _cut(entry, "é" * (entry.limit + 1), over.stored)) if entry.truncates else _named(over)):
            problems.append(f"{label} over the limit: {over}")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_hostile_text_is_stored_as_text_and_nul_or_too_long_is_a_400_naming_the_field(security_world, app):
    """One world per app (building it is the slow part); every free-text field of the app in it."""
    problems = [problem for label in FREE_LABELS if label.startswith(app + ".") for problem in _problems(security_world, label)]
    assert not problems, "\n".join(problems)


def test_inventory_kinds_are_known():
    from tests.security import hostile

    kinds = {hostile.FREE, hostile.CODE, hostile.SYSTEM, hostile.SECRET}
    assert {entry.kind for entry in INVENTORY.values()} <= kinds
    assert FREE in kinds


# --- NUL where no form field looks: headers, query strings, paths, webhooks --------------------------


def _fields(response):
    return response.json()["fields"]


def test_nul_in_the_idempotency_key_is_a_400_naming_the_header(role_clients, security_world):
    response = role_clients["operator"].post(
        "/api/v1/calls/", {"outcome": "info"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc\x00def"
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in _fields(response)


def test_an_oversized_idempotency_key_is_a_400_naming_the_header(role_clients, security_world):
    response = role_clients["operator"].post(
        "/api/v1/calls/", {"outcome": "info"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 129
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in _fields(response)


def test_nul_in_a_header_of_a_login_is_a_400_not_a_500(security_world):
    from django.test import Client

    response = Client(HTTP_USER_AGENT="Mozilla\x00").post("/accounts/login/", {"username": "operator", "password": "x"})
    assert response.status_code == 400
    assert b"User-Agent" in response.content


QUERY_URLS = [
    "/api/v1/incidents/?q=%00", "/api/v1/incidents/?status=%00", "/api/v1/calls/history/?number=%00",
    "/api/v1/cameras/?search=%00", "/api/v1/volunteers/?q=%00", "/reports/?kecamatan=%00",
    "/admin/incidents/agency/?q=%00", "/admin/dispatch112/user/?q=%00", "/shifts/handovers/?page=%00",
]
PATH_URLS = ["/integrations/cap/alerts/x%00y.xml", "/r/abc%00def", "/admin/incidents/agency/1%00/change/"]


def test_nul_in_a_query_string_or_a_url_path_is_a_400(role_clients, security_world):
    answers = {url: role_clients["admin"].get(url).status_code for url in QUERY_URLS + PATH_URLS}
    assert answers == dict.fromkeys(answers, 400)


def test_nul_in_the_whatsapp_webhook_is_a_400_naming_the_field(security_world, settings):
    import hashlib
    import hmac
    import json

    from django.test import Client

    settings.WHATSAPP_APP_SECRET = "hostile-test-secret"
    message = {"from": "6281234567004", "id": "wamid.HOSTILE", "timestamp": "1764300000", "type": "text", "text": {"body": "tolong\x00"}}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": [message]}}]}]}).encode()
    signature = "sha256=" + hmac.new(b"hostile-test-secret", body, hashlib.sha256).hexdigest()
    response = Client().post("/api/v1/messages/whatsapp/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 400
    assert "entry[0].changes[0].value.messages[0].text.body" in _fields(response)


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/telephony/events/", {"pbx_call_id": "N\x00", "event": "offered"}, "pbx_call_id"),
        ("/api/v1/aml/https/", {"raw": "A\"ML=1;lt=\x00"}, "raw"),
        ("/api/v1/messages/inbound/", [{"channel": "sms", "id": "n1", "from": "081234567005", "text": "a\x00"}], "[0].text"),
    ],
)
def test_nul_in_an_intake_webhook_is_a_400_naming_the_field(role_clients, security_world, url, body, field):
    response = role_clients["telephony_machine_token"].post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert field in _fields(response)


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/units/owntracks/", {"_type": "location", "lat": -0.5, "lon": 117.15, "tid": "a\x00"}, "tid"),
        ("/api/v1/units/traccar/?id=trk%00&lat=-0.5&lon=117.15", {}, "id"),
    ],
)
def test_nul_in_a_tracker_webhook_is_a_400_naming_the_field(security_world, url, body, field):
    from django.test import Client

    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert field in _fields(response)


def test_nul_in_a_raw_text_body_is_a_400(role_clients, security_world):
    response = role_clients["admin"].post("/api/v1/cameras/import/", "code,name\r\nCAM\x00,x\r\n", content_type="text/csv")
    assert response.status_code == 400
    assert "body" in _fields(response)


def test_a_form_post_with_nul_is_a_400_naming_the_field(role_clients, security_world):
    response = role_clients["supervisor"].post("/shifts/handovers/write/", {"notes": "aman\x00"})
    assert response.status_code == 400
    assert b"notes" in response.content
