"""AML: the handset's own position, sent when it dials 112, reaches the call it belongs to."""

from datetime import timedelta

import pytest

from dispatch112.models import Event
from incidents.models import Call
from incidents.services import call_log
from intake import aml
from intake.models import AmlLocation
from intake.services import aml_attach_due
from tests.incidents.helpers import START

pytestmark = pytest.mark.django_db

CALLER = "+6281234567890"
TOP = START.strftime("%Y%m%d%H%M%S")
# Near Balaikota Samarinda.
GOOD = {"lt": "-0.50224", "lg": "+117.15361", "rd": "12", "top": TOP, "lc": "68", "pm": "G",
        "si": "510101234567890", "ei": "353472104343540", "mcc": "510", "mnc": "10"}


def sms(*, drop=(), ml=None, **fields):
    """An AML SMS body with the right length in `ml` (unless given)."""
    pairs = {**GOOD, **fields}
    body = 'A"ML=1;' + ";".join(f"{k}={v}" for k, v in pairs.items() if k not in drop)
    if ml is not None:
        return f"{body};ml={ml}"
    digits = len(str(len(body) + len(";ml=") + 2))
    return f"{body};ml={len(body) + len(';ml=') + digits}"


def https_form(**fields):
    form = {
        "v": "3", "device_number": "+6281234567890", "location_latitude": "-0.50224", "location_longitude": "117.15361",
        "location_time": str(int(START.timestamp() * 1000)), "location_accuracy": "8.6", "location_source": "GPS",
        "location_certainty": "83", "device_imei": "354773072099116", "device_imsi": "510103858655102",
        "cell_network_mcc": "510", "cell_network_mnc": "10",
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def test_sms_parses_every_field():
    fix = aml.parse_sms(sms(), caller_number=CALLER, now=START)
    assert (str(fix.latitude), str(fix.longitude), fix.radius_m) == ("-0.502240", "117.153610", 12)
    assert (fix.positioned_at, fix.confidence, fix.method) == (START, 68, "G")
    assert (fix.imsi, fix.imei, fix.mcc, fix.mnc) == ("510101234567890", "353472104343540", "510", "10")


def test_published_example_parses_with_its_own_length():
    # The example message of the EENA/ETSI format, position in France, as handsets send it.
    text = 'A"ML=1;lt=+48.902963;lg=+2.516582;rd=1964;top=20220210134654;lc=95;pm=G;si=234302543446355;ei=357365093474415;mcc=208;mnc=01;ml=131'
    fix = aml.parse_sms(text, caller_number=CALLER, now=START)
    assert fix.radius_m == 1964 and fix.mnc == "01"


def test_no_position_message_is_understood():
    fix = aml.parse_sms(sms(lt="", lg="", rd="", top="", lc="", pm="N"), caller_number=CALLER, now=START)
    assert not fix.has_position


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("", "body", "Empty"),
        ("hello there", 'A"ML', "start with"),
        ('A"ML=1;lt;ml=15', "body", "key=value"),
        ('AML=1;lt=1.0', 'A"ML', "start with"),
        (sms().replace('A"ML=1', 'A"ML=2'), 'A"ML', "Version 2"),
        (sms(drop=("lg",)), "lg", "Missing"),
        (sms(drop=("mnc",)), "mnc", "Missing"),
        (sms(lt="-0,50224"), "lt", "decimal degrees"),
        (sms(lt="-91.00000"), "lt", "Out of range"),
        (sms(lg="217.15361"), "lg", "Out of range"),
        (sms(lg="east"), "lg", "decimal degrees"),
        (sms(rd="-12"), "rd", "radius"),
        (sms(rd="12.5"), "rd", "radius"),
        (sms(top="2026112702"), "top", "YYYYMMDDhhmmss"),
        (sms(top="20261340250000"), "top", "real date"),
        (sms(top=(START + timedelta(hours=2)).strftime("%Y%m%d%H%M%S")), "top", "future"),
        (sms(lc="101"), "lc", "percentage"),
        (sms(lc="high"), "lc", "percentage"),
        (sms(pm="X"), "pm", "positioning method"),
        (sms(pm="N"), "pm", "no position"),
        (sms(si="51010ABC"), "si", "IMSI"),
        (sms(ei="3534721"), "ei", "IMEI"),
        (sms(mcc="51"), "mcc", "country code"),
        (sms(mnc="1"), "mnc", "network code"),
        (sms(ml="99"), "ml", "cut or altered"),
        (sms()[:60], "ml", "cut short"),
        (sms(ml="x"), "ml", "length"),
        (sms() + ";lt=1.0", "lt", "twice"),
    ],
)
def test_malformed_sms_names_the_field(text, field, words):
    with pytest.raises(aml.AmlInvalid) as problem:
        aml.parse_sms(text, caller_number=CALLER, now=START)
    assert problem.value.field == field
    assert words in problem.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"device_number": None}, "device_number"),
        ({"location_latitude": "north"}, "location_latitude"),
        ({"location_longitude": "190.0"}, "location_longitude"),
        ({"location_time": "yesterday"}, "location_time"),
        ({"location_accuracy": "NaN"}, "location_accuracy"),
        ({"location_accuracy": "-3"}, "location_accuracy"),
        ({"location_source": "magic"}, "location_source"),
        ({"location_certainty": "300"}, "location_certainty"),
        ({"device_imei": "12"}, "device_imei"),
        ({"v": None}, "v"),
    ],
)
def test_malformed_https_names_the_field(fields, field):
    with pytest.raises(aml.AmlInvalid) as problem:
        aml.parse_https(https_form(**fields), now=START)
    assert problem.value.field == field


def post_sms(client, body, sender="0812-3456-7890"):
    return client.post("/api/v1/aml/sms/", {"from": sender, "body": body}, content_type="application/json")


def test_sms_for_a_call_not_yet_logged_waits_then_attaches_when_it_is_logged(pbx_client, operator_client, world, clock):
    response = post_sms(pbx_client, sms())
    assert response.status_code == 201, response.json()
    assert response.json()["radius_m"] == 12
    assert response.json()["call"] is None
    received = Event.objects.get(kind="aml.received")
    assert received.payload["aml"]["caller_number"] == CALLER
    assert received.payload["aml"]["in_region"] is True

    clock.advance(minutes=3)
    logged = operator_client.post("/api/v1/calls/", {"outcome": "info", "caller_number": "081234567890"}, content_type="application/json")
    link = operator_client.post("/api/v1/telephony/calls/link/", {"call": logged.json()["id"]}, content_type="application/json")
    assert link.status_code == 200
    assert [p["radius_m"] for p in link.json()["aml"]] == [12]
    location = AmlLocation.objects.get()
    assert location.call_id == logged.json()["id"]
    assert Event.objects.get(kind="aml.attached").payload["aml"]["call"] == location.call_id


def test_sms_after_the_call_is_logged_attaches_at_once(pbx_client, world, clock):
    call = call_log(by=world.operator, outcome="info", caller_number="081234567890")
    clock.advance(minutes=1)
    response = post_sms(pbx_client, sms())
    assert response.json()["call"] == call.pk
    assert Call.objects.get(pk=call.pk).aml_locations.count() == 1


def test_a_call_outside_the_window_keeps_its_own_positions(pbx_client, world, clock):
    call_log(by=world.operator, outcome="info", caller_number="081234567890")
    clock.advance(minutes=40)
    assert post_sms(pbx_client, sms(top=clock.now.strftime("%Y%m%d%H%M%S"))).json()["call"] is None


def test_the_sweep_attaches_positions_of_calls_logged_without_the_console(pbx_client, world, clock):
    post_sms(pbx_client, sms())
    clock.advance(minutes=2)
    call = call_log(by=world.operator, outcome="info", caller_number="081234567890")
    assert aml_attach_due() == 1
    assert AmlLocation.objects.get().call == call
    assert aml_attach_due() == 0


def test_malformed_sms_is_refused_with_the_field_and_kept_as_rejected(pbx_client):
    response = post_sms(pbx_client, sms(lt="-91.00000"))
    assert response.status_code == 400
    assert response.json()["code"] == "aml_rejected"
    assert "lt" in response.json()["fields"]
    stored = AmlLocation.objects.get(pk=response.json()["id"])
    assert (stored.rejected, stored.reject_field, stored.caller_number) == (True, "lt", CALLER)
    assert stored.raw.startswith('A"ML=1;lt=-91.00000')
    assert not Event.objects.filter(kind__startswith="aml.").exists()


@pytest.mark.parametrize("body", ["\x00\x01", 'A"ML=1;' + "x" * 1990, ";;;;", "=", 'A"ML=1;lt=' + "9" * 500])
def test_garbage_is_a_400_never_a_500(pbx_client, body):
    assert post_sms(pbx_client, body).status_code == 400


def test_a_sender_that_is_no_phone_number_is_refused(pbx_client):
    response = post_sms(pbx_client, sms(), sender="Telkomsel")
    assert response.status_code == 400
    assert "from" in response.json()["fields"]


def test_https_form_is_accepted_as_the_handset_sends_it(pbx_client):
    response = pbx_client.post("/api/v1/aml/https/", https_form())
    assert response.status_code == 201, response.json()
    assert (response.json()["radius_m"], response.json()["method"]) == (9, "G")
    assert AmlLocation.objects.get().caller_number == CALLER


def test_https_form_with_a_bad_field_is_refused_and_kept(pbx_client):
    response = pbx_client.post("/api/v1/aml/https/", https_form(location_source="magic"))
    assert response.status_code == 400
    assert "location_source" in response.json()["fields"]
    assert AmlLocation.objects.get().rejected


def test_only_the_gateway_account_may_post_aml(operator_client, opd_client, client, world):
    for other in (operator_client, opd_client, client):
        assert post_sms(other, sms()).status_code in (401, 403)
    assert not AmlLocation.objects.exists()


def test_opd_staff_cannot_link_calls(opd_client, world):
    call = call_log(by=world.operator, outcome="info", caller_number="081234567890")
    assert opd_client.post("/api/v1/telephony/calls/link/", {"call": call.pk}, content_type="application/json").status_code == 403


def test_the_incident_detail_its_timeline_and_eido_carry_the_callers_aml_position(pbx_client, operator_client, opd_client, world, new_incident, clock):
    from incidents.services import incident_dispatch

    incident = new_incident("kebakaran", caller_number="0812 3456 7890")
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    clock.advance(minutes=1)
    assert post_sms(pbx_client, sms()).json()["call"] == incident.calls.get().pk

    (position,) = operator_client.get(f"/api/v1/aml/?incident={incident.pk}").json()["results"]
    assert (position["radius_m"], position["latitude"], position["method"]) == (12, "-0.502240", "G")
    timeline = operator_client.get(f"/api/v1/incidents/{incident.pk}/").json()["timeline"]
    (entry,) = [e for e in timeline if e["kind"].startswith("aml.")]
    assert entry["payload"]["aml"]["radius_m"] == 12

    for reader in (operator_client, opd_client):
        document = reader.get(f"/api/v1/eido/incidents/{incident.pk}/").json()
        handset = document["locationComponent"][1]
        assert handset["$id"] == f"loc-aml-{position['id']}" and handset["uncertaintyRadiusMeters"] == 12
        assert handset["locationByValue"]["coordinates"] == [117.15361, -0.50224]
        assert handset["locationMethod"] == "GNSS" and handset["callReference"].startswith("call-")
        assert "510101234567890" not in str(document) and "353472104343540" not in str(document)  # no IMSI, no IMEI
    console_timeline = operator_client.get(f"/api/v1/eido/incidents/{incident.pk}/").json()["timeline"]
    assert any(row.get("locationReference") == f"loc-aml-{position['id']}" for row in console_timeline)

    assert opd_client.get(f"/api/v1/aml/?incident={incident.pk}").status_code == 403
    refused = operator_client.get("/api/v1/aml/?incident=abc")
    assert refused.status_code == 400 and "incident" in refused.json()["fields"]


def test_the_reason_is_given_in_bahasa_indonesia_first(pbx_user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    gateway = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=pbx_user).key}", HTTP_ACCEPT_LANGUAGE="id")
    response = post_sms(gateway, sms(lt="-91.00000"))
    assert response.status_code == 400
    assert response.json()["fields"]["lt"][0].startswith("Di luar rentang (±90)")
