"""WhatsApp and SMS reports reach the operators' intake queue and become incidents in one action."""

import hashlib
import hmac
import json

import pytest
from django.test import override_settings

from dispatch112.models import Event
from incidents.models import Call, Incident
from intake.models import InboundMessage
from volunteers.models import Message, MessagePurpose

pytestmark = pytest.mark.django_db

SECRET = "test-app-secret"


def cloud_payload(message, name="Budi"):
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": name}, "wa_id": message["from"]}],
            "messages": [message],
        }}]}],
    }


def text_message(body="Ada kebakaran di Jl. Pahlawan!", wamid="wamid.A1"):
    return {"from": "6281234567890", "id": wamid, "timestamp": "1795744800", "type": "text", "text": {"body": body}}


def post_signed(client, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/api/v1/messages/whatsapp/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


@pytest.fixture(autouse=True)
def _whatsapp_secret():
    with override_settings(WHATSAPP_APP_SECRET=SECRET, WHATSAPP_VERIFY_TOKEN="verify-me"):
        yield


def test_signed_text_message_enters_the_queue_live(client, world):
    response = post_signed(client, cloud_payload(text_message()))
    assert response.status_code == 200, response.json()
    message = InboundMessage.objects.get()
    assert (message.sender, message.sender_name, message.kind, message.status) == ("+6281234567890", "Budi", "text", "new")
    assert Event.objects.get(kind="message.received").payload["message"]["text"] == "Ada kebakaran di Jl. Pahlawan!"


def test_wrong_or_missing_signature_stores_nothing(client, world):
    assert post_signed(client, cloud_payload(text_message()), secret="guessed").status_code == 403
    body = json.dumps(cloud_payload(text_message()))
    assert client.post("/api/v1/messages/whatsapp/", body, content_type="application/json").status_code == 403
    with override_settings(WHATSAPP_APP_SECRET=""):
        assert post_signed(client, cloud_payload(text_message()), secret="").status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_form_body_is_refused_as_the_wrong_media_type_and_stores_nothing(client, pbx_client, world):
    # The NUL check at the door parses a form body, after which it cannot be read as sent: a 415
    # names the media type (it was a 500 when the fuzzer sent one).
    before = InboundMessage.objects.count()
    whatsapp = client.post("/api/v1/messages/whatsapp/", {"entry": "x"}, HTTP_X_HUB_SIGNATURE_256="sha256=00")
    generic = pbx_client.post("/api/v1/messages/inbound/", {"body": "kebakaran"})
    assert (whatsapp.status_code, generic.status_code) == (415, 415)
    assert "multipart/form-data" in whatsapp.json()["detail"]
    assert InboundMessage.objects.count() == before


def test_the_same_delivery_twice_is_stored_once(client, world):
    post_signed(client, cloud_payload(text_message()))
    post_signed(client, cloud_payload(text_message()))
    assert InboundMessage.objects.count() == 1


def test_verification_handshake(client):
    ok = client.get("/api/v1/messages/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get("/api/v1/messages/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert wrong.status_code == 403


def test_location_and_photo_are_kept(client, world):
    location = {"from": "6281234567890", "id": "wamid.L", "type": "location",
                "location": {"latitude": -0.5022, "longitude": 117.1536, "name": "Balaikota", "address": "Jl. Kesuma Bangsa"}}
    photo = {"from": "6281234567890", "id": "wamid.P", "type": "image",
             "image": {"id": "media-778", "mime_type": "image/jpeg", "caption": "asap tebal"}}
    post_signed(client, cloud_payload(location))
    post_signed(client, cloud_payload(photo))
    pin = InboundMessage.objects.get(kind="location")
    assert (str(pin.latitude), str(pin.longitude), pin.location_name) == ("-0.502200", "117.153600", "Balaikota, Jl. Kesuma Bangsa")
    image = InboundMessage.objects.get(kind="image")
    assert (image.media_id, image.text) == ("media-778", "asap tebal")


def test_generic_gateway_format_with_photo_url(pbx_client):
    body = {"channel": "sms", "id": "sms-9", "from": "0812 3456 7890", "text": "Banjir setinggi lutut",
            "media": {"url": "https://gateway.example/m/9.jpg", "mime_type": "image/jpeg"}}
    response = pbx_client.post("/api/v1/messages/inbound/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    message = InboundMessage.objects.get()
    assert (message.channel, message.kind, message.media_url) == ("sms", "image", "https://gateway.example/m/9.jpg")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "x", "text": "hi"}, "from"),
        ({"from": "0812", "text": "hi"}, "id"),
        ({"id": "x", "from": "0812", "channel": "telegram", "text": "hi"}, "channel"),
        ({"id": "x", "from": "0812", "location": {"latitude": 95, "longitude": 117}}, "location.latitude"),
        ({"id": "x", "from": "0812", "media": {"url": "javascript:alert(1)"}}, "media.url"),
        ({"id": "x", "from": "0812", "text": "  "}, "text"),
    ],
)
def test_generic_format_names_the_bad_field(pbx_client, body, field):
    response = pbx_client.post("/api/v1/messages/inbound/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not InboundMessage.objects.exists()


def test_only_the_gateway_posts_the_generic_format_and_only_consoles_read_the_queue(operator_client, opd_client, world):
    body = {"id": "x", "from": "081234567890", "text": "hi"}
    assert operator_client.post("/api/v1/messages/inbound/", body, content_type="application/json").status_code == 403
    assert opd_client.get("/api/v1/messages/").status_code == 403
    assert operator_client.get("/api/v1/messages/").status_code == 200


def shared_pin(client):
    post_signed(client, cloud_payload({"from": "6281234567890", "id": "wamid.L", "type": "location",
                                       "location": {"latitude": -0.5022, "longitude": 117.1536, "name": "Pasar Pagi"}}))
    message = InboundMessage.objects.get()
    message.text = "Rumah terbakar dekat pasar"  # as if the text had come with the pin
    message.save(update_fields=["text"])
    return message


def test_message_becomes_call_and_incident_in_one_action(client, operator_client, world):
    message = shared_pin(client)
    response = operator_client.post(f"/api/v1/messages/{message.pk}/incident/", {"category": world.category("kebakaran").pk},
                                    content_type="application/json")
    assert response.status_code == 200, response.json()
    incident = Incident.objects.get()
    assert (str(incident.latitude), str(incident.longitude)) == ("-0.502200", "117.153600")
    assert incident.kelurahan is not None
    assert incident.description == "Rumah terbakar dekat pasar"
    call = Call.objects.get()
    assert (call.caller_number, call.line, call.incident, call.notes) == ("+6281234567890", "WhatsApp", incident, "Rumah terbakar dekat pasar")
    assert response.json()["status"] == "incident"
    assert Event.objects.filter(kind="message.handled").count() == 1
    # A second operator a moment too late is told, and nothing is created twice.
    again = operator_client.post(f"/api/v1/messages/{message.pk}/prank/", content_type="application/json")
    assert again.status_code == 409
    assert Call.objects.count() == 1


def test_message_linked_to_an_open_incident(client, operator_client, world, new_incident):
    incident = new_incident("kebakaran")
    message = shared_pin(client)
    response = operator_client.post(f"/api/v1/messages/{message.pk}/link/", {"incident": incident.pk}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Incident.objects.get(pk=incident.pk).call_count == 2
    assert InboundMessage.objects.get().status == "linked"


def test_prank_message_counts_as_a_prank_call(client, operator_client, world):
    post_signed(client, cloud_payload(text_message("haha")))
    message = InboundMessage.objects.get()
    assert operator_client.post(f"/api/v1/messages/{message.pk}/prank/").status_code == 200
    assert Call.objects.get().outcome == "prank"
    assert not Incident.objects.exists()
    assert operator_client.get("/api/v1/messages/").json() == []


def test_reply_goes_out_through_the_outbox(client, operator_client, world):
    post_signed(client, cloud_payload(text_message()))
    message = InboundMessage.objects.get()
    response = operator_client.post(f"/api/v1/messages/{message.pk}/reply/", {"text": "Petugas damkar menuju lokasi."},
                                    content_type="application/json")
    assert response.status_code == 201, response.json()
    queued = Message.objects.get()
    assert (queued.recipient, queued.channel, queued.body) == ("+6281234567890", "whatsapp", "Petugas damkar menuju lokasi.")
    # Told apart from the relawan notifications in the same outbox.
    assert (queued.purpose, queued.activation) == (MessagePurpose.REPLY, None)
    assert Event.objects.filter(kind="message.replied").exists()
