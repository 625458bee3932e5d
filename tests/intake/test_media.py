"""The photo of a WhatsApp/SMS message is fetched from the gateway — a real HTTP server on
127.0.0.1 — kept, and served to the consoles only; what is too large, not an image, or on a
private address that is not a configured gateway is refused and said why."""

import json
from http.server import BaseHTTPRequestHandler

import pytest
from django.test import override_settings

from dispatch112.models import Event
from intake import media
from intake.models import InboundMessage, MessageMedia
from intake.services import message_media_fetch, message_media_fetch_due
from tests.intake.test_messages import SECRET, cloud_payload, post_signed
from tests.integrations.peers import _Server

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TOKEN = "wa-access-token-123"


class Gateway(_Server):
    """An SMS/WhatsApp gateway (and a stand-in for the WhatsApp Graph API): serves `files`
    {path: (status, content type, body)}; remembers each request's path and Authorization."""

    def __init__(self):
        self.files = {}
        self.requests = []

    def handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                gateway.requests.append((self.path, self.headers.get("Authorization")))
                status, kind, body = gateway.files.get(self.path, (404, "text/plain", b"not found"))
                if callable(body):
                    status, kind, body = body()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def gateway():
    server = Gateway()
    server.start()
    with override_settings(
        INTAKE_MEDIA_GATEWAY_URLS=[server.url("/")],
        INTAKE_MEDIA_AUTH_HEADER="Authorization: Bearer gateway-key",
        WHATSAPP_GRAPH_URL=server.url("/v21.0"),
        WHATSAPP_ACCESS_TOKEN=TOKEN,
        WHATSAPP_APP_SECRET=SECRET,
        INTAKE_MEDIA_MAX_BYTES=4096,
    ):
        yield server
    server.stop()


def sms_with_photo(pbx_client, url, provider_id="sms-77"):
    body = {"channel": "sms", "id": provider_id, "from": "0812 3456 7890", "text": "Pohon tumbang menutup jalan",
            "media": {"url": url, "mime_type": "image/jpeg"}}
    response = pbx_client.post("/api/v1/messages/inbound/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    return InboundMessage.objects.get(provider_id=provider_id)


def fetch(message):
    return message_media_fetch(media_id=message.media.pk)


def test_a_gateway_photo_is_fetched_kept_and_shown_to_operators_only(gateway, pbx_client, operator_client, opd_client, client, django_capture_on_commit_callbacks):
    gateway.files["/m/77.jpg"] = (200, "image/jpeg", JPEG)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_with_photo(pbx_client, gateway.url("/m/77.jpg"))
    # Fetched right after the webhook's commit (embedded: Celery runs eagerly); with a broker and no
    # worker here, the sweep fetches it. Either way once, with the gateway's key (a configured gateway).
    message_media_fetch_due()
    assert gateway.requests == [("/m/77.jpg", "Bearer gateway-key")]
    photo = MessageMedia.objects.get(message=message)
    assert (photo.state, photo.content_type, photo.size, bytes(photo.content)) == ("stored", "image/jpeg", len(JPEG), JPEG)
    pushed = Event.objects.filter(kind="message.media").get()
    assert pushed.payload["message"]["media"]["url"] == f"/api/v1/messages/{message.pk}/media/"

    served = operator_client.get(f"/api/v1/messages/{message.pk}/media/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg" and served.content == JPEG
    assert served["X-Content-Type-Options"] == "nosniff" and "private" in served["Cache-Control"]
    queue = operator_client.get("/api/v1/messages/").json()
    assert queue[0]["media"]["state"] == "stored"
    assert opd_client.get(f"/api/v1/messages/{message.pk}/media/").status_code == 403
    assert client.get(f"/api/v1/messages/{message.pk}/media/").status_code in (401, 403)


def test_a_whatsapp_photo_is_looked_up_then_downloaded_with_the_access_token(gateway, client, operator_client):
    gateway.files["/v21.0/media-778"] = (200, "application/json", json.dumps({"url": gateway.url("/lookaside/778"), "mime_type": "image/png"}).encode())
    gateway.files["/lookaside/778"] = (200, "image/png", PNG)
    photo = {"from": "6281234567890", "id": "wamid.P", "type": "image", "image": {"id": "media-778", "mime_type": "image/png", "caption": "asap tebal"}}
    post_signed(client, cloud_payload(photo))
    message = InboundMessage.objects.get()

    assert fetch(message).state == "stored"
    assert gateway.requests == [("/v21.0/media-778", f"Bearer {TOKEN}"), ("/lookaside/778", f"Bearer {TOKEN}")]
    assert operator_client.get(f"/api/v1/messages/{message.pk}/media/")["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("served", "words"),
    [
        ((200, "image/jpeg", JPEG * 3), "KiB allowed"),  # over INTAKE_MEDIA_MAX_BYTES (4 KiB here)
        ((200, "text/html", b"<script>alert(1)</script>"), "not an allowed photo type"),
        ((200, "image/jpeg", b"<svg onload=alert(1)>"), "not a image/jpeg image"),
        ((404, "text/plain", b"gone"), "HTTP 404"),
    ],
)
def test_what_is_no_acceptable_photo_is_refused_and_said_why(gateway, pbx_client, operator_client, served, words):
    gateway.files["/m/bad"] = served
    message = sms_with_photo(pbx_client, gateway.url("/m/bad"))
    photo = fetch(message)
    assert photo.state == "failed" and words in photo.last_error
    assert bytes(photo.content) == b""
    refused = operator_client.get(f"/api/v1/messages/{message.pk}/media/")
    assert refused.status_code == 404 and words in refused.json()["detail"]
    assert operator_client.get("/api/v1/messages/").json()[0]["media"]["error"] == photo.last_error


def test_a_private_address_that_is_no_configured_gateway_is_never_contacted(gateway, pbx_client, settings):
    gateway.files["/m/77.jpg"] = (200, "image/jpeg", JPEG)
    settings.INTAKE_MEDIA_GATEWAY_URLS = ["https://gateway.example/"]
    settings.WHATSAPP_GRAPH_URL = "https://graph.facebook.com/v21.0"
    for url in (gateway.url("/m/77.jpg"), "http://localhost:9/x.jpg", "http://10.1.2.3/x.jpg", "http://[::1]:80/x.jpg", "http://169.254.169.254/latest/"):
        message = sms_with_photo(pbx_client, url, provider_id=url)
        photo = fetch(message)
        assert photo.state == "failed" and "private or local address" in photo.last_error, (url, photo.last_error)
    assert gateway.requests == []


def test_a_gateway_that_is_down_is_tried_again_by_the_sweep(gateway, pbx_client, clock):
    answers = iter([(503, "text/plain", b"busy"), (200, "image/jpeg", JPEG)])
    gateway.files["/m/flaky.jpg"] = (200, "image/jpeg", lambda: next(answers))
    message = sms_with_photo(pbx_client, gateway.url("/m/flaky.jpg"))
    first = fetch(message)
    assert (first.state, first.attempts) == ("pending", 1) and "HTTP 503" in first.last_error
    assert message_media_fetch_due() == {}  # not due yet: backoff
    clock.advance(seconds=60)
    assert message_media_fetch_due() == {"stored": 1}
    assert MessageMedia.objects.get().state == "stored"


def test_an_id_without_an_address_is_kept_as_a_photo_that_cannot_be_fetched(pbx_client, operator_client):
    body = {"channel": "sms", "id": "sms-5", "from": "0812 3456 7890", "media": {"id": "gw-5", "mime_type": "image/jpeg"}}
    assert pbx_client.post("/api/v1/messages/inbound/", body, content_type="application/json").status_code == 201
    (row,) = operator_client.get("/api/v1/messages/").json()
    assert row["media"]["state"] == "failed" and "gw-5" in row["media"]["error"]


def test_sniffing_knows_the_allowed_types():
    assert (media.sniff(JPEG), media.sniff(PNG), media.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 "), media.sniff(b"<html>")) == (
        "image/jpeg", "image/png", "image/webp", "")
