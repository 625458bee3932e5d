"""The operator console in a real browser against the running server: a handset's AML position
for the caller on the form appears live, and one key puts it on the map and in the kelurahan."""

import json
import re
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.live.conftest import console_page, server, server_env, test_db_name, world  # noqa: F401 — the live server's fixtures

pytestmark = pytest.mark.browser


def aml_sms(caller, latitude, longitude):
    top = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    body = f'A"ML=1;lt={latitude};lg={longitude};rd=9;top={top};lc=68;pm=G;si=510101234567890;ei=353472104343540;mcc=510;mnc=10'
    body += f";ml={len(body) + 7}"
    return {"from": caller, "body": body}


def post_as_gateway(server, path, payload):
    from rest_framework.authtoken.models import Token

    token = Token.objects.get(user__username="pbx").key
    request = urllib.request.Request(
        server.url + path, data=json.dumps(payload).encode(), method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_aml_location_appears_live_on_the_form_and_alt_l_uses_it(world, server, console_page):
    from playwright.sync_api import expect

    operator = console_page("operator")
    operator.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    expect(operator.locator("#live-status")).to_have_class(re.compile(r"(^|\s)live(\s|$)"))
    operator.fill("#caller_number", "0812-3456-7890")

    assert post_as_gateway(server, "/api/v1/aml/sms/", aml_sms("+6281234567890", "-0.50224", "+117.15361")) == 201

    box = operator.locator("#aml-location")
    expect(box).to_contain_text("Lokasi AML ±9 m", timeout=5_000)
    operator.screenshot(path="/tmp/intake-aml-console.png")
    operator.keyboard.press("Alt+L")
    expect(operator.locator("#coords-text")).to_contain_text("-0.50224, 117.15361")
    expect(operator.locator("#kelurahan_input")).not_to_have_value("")
    assert operator.errors == []
