"""The operator console in a real browser against the running server: a handset's AML position
for the caller on the form appears live, and one key puts it on the map and in the kelurahan; a
photo sent by SMS is fetched from the gateway (a real HTTP server here) and shown in the message
queue; the hazard alerts received by CAP stand in a strip above the console."""

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from tests.intake.test_media import Gateway
from tests.live.conftest import console_page, server, test_db_name, world  # noqa: F401 — the live server's fixtures

pytestmark = pytest.mark.browser


def tiny_png():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xd0\x30\x20" * 16 for _ in range(16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def gateway():
    server = Gateway()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server_env(gateway):
    # The server fetches photos from the local gateway: configured, so its loopback address is allowed.
    return {"INTAKE_MEDIA_GATEWAY_URLS": gateway.url("/")}


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


def test_an_sms_photo_shows_in_the_queue_and_hazard_alerts_stand_above_the_console(world, server, console_page, gateway):
    from playwright.sync_api import expect

    from integrations.cap import parse_alert
    from integrations.services import received_alert_store
    from tests.integrations.test_cap_in import SAMARINDA, cap_file

    # The server's clock is the real one: the warning must still be in force.
    expires = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    xml = cap_file("CBT9", polygon=SAMARINDA, headline="Peringatan dini banjir Samarinda").replace(b"2026-11-27T13:00:00+07:00", expires.encode())
    received_alert_store(parsed=parse_alert(xml), source_url="http://bmkg.test/cap/9.xml")
    gateway.files["/m/1.png"] = (200, "image/png", tiny_png())
    operator = console_page("operator")
    operator.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    expect(operator.locator("#live-status")).to_have_class(re.compile(r"(^|\s)live(\s|$)"))
    expect(operator.locator("#hazard-strip")).to_contain_text("Peringatan dini banjir Samarinda")

    message = {"channel": "sms", "id": "sms-photo-1", "from": "0812 3456 7890", "text": "Pohon tumbang, lihat foto",
               "media": {"url": gateway.url("/m/1.png"), "mime_type": "image/png"}}
    assert post_as_gateway(server, "/api/v1/messages/inbound/", message) == 201

    queue = operator.locator("#message-queue")
    expect(queue).to_contain_text("Pohon tumbang, lihat foto", timeout=5_000)
    from django.test import override_settings

    from intake.models import MessageMedia
    from intake.services import message_media_fetch_due

    # Embedded, the server fetched the photo before it answered (Celery runs eagerly); with a
    # broker (PostgreSQL + Redis run) there is no worker here, so the sweep runs in this process.
    # This process's clock may be the tests' frozen one; the server's rows carry the real time.
    from unittest import mock

    with override_settings(INTAKE_MEDIA_GATEWAY_URLS=[gateway.url("/")]), mock.patch("django.utils.timezone.now", new=lambda: datetime.now(UTC)):
        message_media_fetch_due()

    photo = MessageMedia.objects.get(message__provider_id="sms-photo-1")
    assert (photo.state, photo.last_error, gateway.requests) == ("stored", "", [("/m/1.png", None)])
    thumb = queue.locator("img.message-thumb")
    expect(thumb).to_be_visible(timeout=5_000)
    served = operator.request.get(server.url + thumb.get_attribute("src"))
    assert served.status == 200 and served.headers["content-type"] == "image/png" and served.body() == tiny_png()
    operator.screenshot(path="/tmp/intake-photo-hazard-console.png")
    assert operator.errors == []
