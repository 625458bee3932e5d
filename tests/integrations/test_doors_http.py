"""Every door of issue 10, over real HTTP against the running server (pytest-django's live
server), the way a PBX, an SMS/AML gateway, Meta, a tracker, an agency or a CAP reader calls it:
each good request is taken, each bad one is a 400 that names the field and changes nothing."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import override_settings

from dispatch112 import clock

# The test clock (dispatch112.clock) is the server's too: times are taken from it.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "http-door-app-secret"


@pytest.fixture
def door(live_server):
    from dispatch112.demo import seed_core

    seed_core()

    def call(path, *, data=None, form=None, token=None, headers=None, method=None):
        body, sent = None, dict(headers or {})
        if data is not None:
            body = data if isinstance(data, bytes) else json.dumps(data).encode()
            sent.setdefault("Content-Type", "application/json")
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            sent["Authorization"] = f"Token {token}"
        request = urllib.request.Request(live_server.url + path, data=body, headers=sent, method=method or ("POST" if body is not None else "GET"))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=20) as response:
                status, raw, kind = response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
        return status, (json.loads(raw) if "json" in kind and raw else raw)

    return call


def token_of(username):
    from rest_framework.authtoken.models import Token

    from dispatch112.models import User

    return Token.objects.get_or_create(user=User.objects.get(username=username))[0].key


def fields_of(answer):
    return set((answer or {}).get("fields", {}))


def test_telephony_events_ringing_answered_abandoned_ended(door):
    from intake.models import PbxCall

    pbx = token_of("pbx")
    now = int(clock.now().timestamp())
    assert door("/api/v1/telephony/events/", form={"pbx_call_id": "c1", "event": "ringing", "at": now - 30, "caller_number": "081234567890"}, token=pbx)[0] == 201
    status, answer = door("/api/v1/telephony/events/", form={"pbx_call_id": "c1", "event": "answered", "at": now - 20, "operator": "operator"}, token=pbx)
    assert status == 201, answer
    assert door("/api/v1/telephony/events/", data={"pbx_call_id": "c1", "event": "ended", "at": now - 5}, token=pbx)[0] == 201
    assert door("/api/v1/telephony/events/", data={"pbx_call_id": "c2", "event": "abandoned", "at": now - 3, "stage": "queue"}, token=pbx)[0] == 201
    answered, abandoned = PbxCall.objects.get(pbx_call_id="c1"), PbxCall.objects.get(pbx_call_id="c2")
    assert answered.answered_by.username == "operator" and answered.ended_at and answered.caller_number == "+6281234567890"
    assert abandoned.abandoned_stage == "queue"

    status, answer = door("/api/v1/telephony/events/", form={"pbx_call_id": "c3", "event": "picked-up"}, token=pbx)
    assert status == 400 and fields_of(answer) == {"event"}
    status, answer = door("/api/v1/telephony/events/", data=b"{not json", token=pbx)
    assert status == 400
    assert door("/api/v1/telephony/events/", form={"pbx_call_id": "c4", "event": "queued"})[0] in (401, 403)
    assert not PbxCall.objects.filter(pbx_call_id__in=["c3", "c4"]).exists()


def test_aml_by_sms_and_by_https_form(door):
    from intake.models import AmlLocation

    pbx = token_of("pbx")
    top = clock.now().strftime("%Y%m%d%H%M%S")
    body = f'A"ML=1;lt=-0.50224;lg=+117.15361;rd=12;top={top};lc=68;pm=G;si=510101234567890;ei=353472104343540;mcc=510;mnc=10'
    body += f";ml={len(body) + 7}"
    status, answer = door("/api/v1/aml/sms/", data={"from": "+6281234567890", "body": body}, token=pbx)
    assert status == 201 and answer["radius_m"] == 12, answer
    form = {"v": "3", "device_number": "+6281234567891", "location_latitude": "-0.5", "location_longitude": "117.15",
            "location_time": str(int(clock.now().timestamp() * 1000)), "location_accuracy": "8", "location_source": "GPS"}
    status, answer = door("/api/v1/aml/https/", form=form, token=pbx)
    assert status == 201 and answer["method"] == "G", answer

    out_of_range = body.replace("lt=-0.50224", "lt=-95.5022")  # the same length: ml still fits
    status, answer = door("/api/v1/aml/sms/", data={"from": "+6281234567890", "body": out_of_range}, token=pbx)
    assert status == 400 and fields_of(answer) == {"lt"}
    status, answer = door("/api/v1/aml/https/", form={**form, "location_source": "magic"}, token=pbx)
    assert status == 400 and fields_of(answer) == {"location_source"}
    assert AmlLocation.objects.accepted().count() == 2


def test_whatsapp_webhook_and_the_generic_gateway(door):
    from intake.models import InboundMessage

    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "contacts": [{"profile": {"name": "Budi"}, "wa_id": "6281234567890"}],
        "messages": [{"from": "6281234567890", "id": "wamid.H1", "timestamp": "1795744800", "type": "text", "text": {"body": "Kebakaran!"}}]}}]}]}
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    with override_settings(WHATSAPP_APP_SECRET=SECRET, WHATSAPP_VERIFY_TOKEN="verify-me"):
        assert door("/api/v1/messages/whatsapp/?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")[1] == b"42"
        assert door("/api/v1/messages/whatsapp/", data=raw, headers={"X-Hub-Signature-256": signature})[0] == 200
        assert door("/api/v1/messages/whatsapp/", data=raw.replace(b"Kebakaran", b"Kebanjiran"), headers={"X-Hub-Signature-256": signature})[0] in (401, 403)
        bad = json.dumps({"object": "page"}).encode()
        status, answer = door("/api/v1/messages/whatsapp/", data=bad, headers={"X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), bad, hashlib.sha256).hexdigest()})
        assert status == 400 and fields_of(answer) == {"object"}

    pbx = token_of("pbx")
    status, answer = door("/api/v1/messages/inbound/", data={"channel": "sms", "id": "sms-1", "from": "0812 3456 7890", "text": "Banjir",
                                                             "location": {"latitude": -0.4951, "longitude": 117.149}}, token=pbx)
    assert status == 201, answer
    status, answer = door("/api/v1/messages/inbound/", data={"id": "x", "from": "0812", "location": {"latitude": 95, "longitude": 117}}, token=pbx)
    assert status == 400 and fields_of(answer) == {"location.latitude"}
    assert sorted(InboundMessage.objects.values_list("provider_id", flat=True)) == ["sms-1", "wamid.H1"]


def test_trackers_owntracks_and_traccar(door):
    from incidents.models import Agency
    from integrations.models import Unit, UnitPosition

    Unit.objects.create(agency=Agency.objects.get(code="damkar"), name="Damkar 01", token="trk-http-0001")
    basic = "Basic " + base64.b64encode(b"d01:trk-http-0001").decode()
    owntracks = {"_type": "location", "lat": -0.4951, "lon": 117.149, "tst": int(clock.now().timestamp()), "acc": 12}
    assert door("/api/v1/units/owntracks/", data=owntracks, headers={"Authorization": basic}) == (200, [])
    assert door("/api/v1/units/traccar/?id=trk-http-0001&lat=-0.51&lon=117.1536&speed=10")[0] == 200

    status, answer = door("/api/v1/units/owntracks/", data={**owntracks, "lat": 123}, headers={"Authorization": basic})
    assert status == 400 and fields_of(answer) == {"lat"}
    status, answer = door("/api/v1/units/traccar/?id=trk-http-0001&lat=-0.51&lon=east")
    assert status == 400 and fields_of(answer) == {"lon"}
    assert door("/api/v1/units/traccar/?id=guess&lat=-0.51&lon=117.15")[0] == 401
    assert UnitPosition.objects.count() == 2


def test_eido_and_cap_out_are_read_over_http(door):
    from dispatch112.models import User
    from incidents.models import IncidentCategory
    from incidents.services import IncidentInput, call_log
    from integrations.models import CapCategory, CapCertainty, CapSeverity, CapUrgency
    from integrations.services import WarningInput, cap_alert_publish

    operator = User.objects.get(username="operator")
    call = call_log(by=operator, outcome="emergency", caller_number="081234567890",
                    new_incident=IncidentInput(category=IncidentCategory.objects.get(code="kebakaran"), latitude=-0.5022, longitude=117.1536))
    status, document = door(f"/api/v1/eido/incidents/{call.incident_id}/", token=token_of("supervisor"))
    assert status == 200 and document["incidentComponent"]["incidentTrackingIdentifier"] == call.incident.reference
    assert door(f"/api/v1/eido/incidents/{call.incident_id}/")[0] in (401, 403)

    alert = cap_alert_publish(by=User.objects.get(username="supervisor"), data=WarningInput(
        category=CapCategory.MET, event="Banjir", urgency=CapUrgency.IMMEDIATE, severity=CapSeverity.SEVERE,
        certainty=CapCertainty.OBSERVED, headline="Banjir di Sempaja", area_desc="Kel. Sempaja", latitude=-0.45, longitude=117.15, radius_km=1))
    status, atom = door("/integrations/cap/feed.atom")
    assert status == 200 and alert.identifier.encode() in atom
    status, xml = door(f"/integrations/cap/alerts/{alert.identifier}.xml")
    assert status == 200 and b"<headline>Banjir di Sempaja</headline>" in xml
