"""The generic HTTP SMS/WhatsApp adapter against a real local server, and the message texts."""

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from volunteers.gateways import ConsoleGateway, HttpGateway, PermanentSendError, TransientSendError, get_gateway
from volunteers.models import Message
from volunteers.texts import fold_gsm, sms_parts, sms_units


def a_message(body="Kebakaran di Bugis \"Jl. Pahlawan\"\nbaris dua", pk=41):
    return Message(pk=pk, recipient="+6281277440001", channel="sms", body=body, purpose="test")


def gateway(server, **options):
    defaults = {"url": server.url("/send"), "payload_template": '{"to": "{to}", "msg": "{body}", "meta": {"ref": "{key}"}}', "timeout": 1, "provider_id_field": "data.id"}
    return HttpGateway(**{**defaults, **options})


def test_the_json_template_is_filled_inside_strings_so_no_message_can_break_it(provider):
    result = gateway(provider).send(a_message())
    assert result.provider_id == "prov-1"
    (request,) = provider.requests
    assert request["body"] == {"to": "+6281277440001", "msg": "Kebakaran di Bugis \"Jl. Pahlawan\"\nbaris dua", "meta": {"ref": "d112-msg-41"}}
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_a_form_encoded_provider_gets_its_fields(provider):
    form = gateway(provider, payload_template="userkey=abc&to={to_local}&message={body}", content_type="application/x-www-form-urlencoded")
    form.send(a_message(body="Tolong & cepat = 112"))
    assert provider.requests[0]["body"] == "userkey=abc&to=081277440001&message=Tolong+%26+cepat+%3D+112"


def test_refusals_are_permanent_and_outages_and_silence_are_transient(provider):
    http = gateway(provider)
    provider.mode = "reject"
    with pytest.raises(PermanentSendError, match="HTTP 400"):
        http.send(a_message())
    provider.mode = "down"
    with pytest.raises(TransientSendError, match="HTTP 503"):
        http.send(a_message())
    provider.mode = "slow"
    with pytest.raises(TransientSendError, match="no answer within 1 s"):
        http.send(a_message())
    provider.stop()
    with pytest.raises(TransientSendError, match="cannot reach the provider"):
        http.send(a_message())


def test_a_redirect_is_a_configuration_error_not_a_silent_loss():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirects(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Redirects)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        http = HttpGateway(url=f"http://127.0.0.1:{httpd.server_address[1]}/send", payload_template='{"to": "{to}", "m": "{body}"}', timeout=1)
        # urllib would repeat a redirected POST as a GET without the message, and report success.
        with pytest.raises(PermanentSendError, match="redirected"):
            http.send(a_message())
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"url": ""}, "MESSAGING_HTTP_URL"),
        ({"payload_template": "{not json"}, "not valid JSON"),
        ({"payload_template": '{"to": "{to}", "m": "{body}", "x": "{secret}"}'}, "unknown placeholder"),
        ({"payload_template": '{"m": "{body}"}'}, "must contain"),
        ({"auth_header": "Bearer abc"}, "MESSAGING_HTTP_AUTH_HEADER"),
    ],
)
def test_a_misconfigured_gateway_is_named_at_start_up(settings, options, named):
    settings.MESSAGING_GATEWAY = "http"
    settings.MESSAGING_HTTP_URL = "https://sms.example.id/send"
    settings.MESSAGING_HTTP_PAYLOAD_TEMPLATE = '{"to": "{to}", "m": "{body}"}'
    settings.MESSAGING_HTTP_AUTH_HEADER = ""
    names = {"url": "MESSAGING_HTTP_URL", "payload_template": "MESSAGING_HTTP_PAYLOAD_TEMPLATE", "auth_header": "MESSAGING_HTTP_AUTH_HEADER"}
    for key, value in options.items():
        setattr(settings, names[key], value)
    with pytest.raises(ImproperlyConfigured, match=named):
        get_gateway()
    errors = [e for e in run_checks() if e.id == "volunteers.E001"]
    assert errors and named in errors[0].msg


def test_the_gateway_is_chosen_by_settings(settings):
    settings.MESSAGING_GATEWAY = "console"
    assert isinstance(get_gateway(), ConsoleGateway)
    settings.MESSAGING_GATEWAY = "tests.volunteers.test_activation.NeverAnswers"
    assert get_gateway().name == "never"
    settings.MESSAGING_GATEWAY = "no.such.Gateway"
    with pytest.raises(ImproperlyConfigured, match="MESSAGING_GATEWAY"):
        get_gateway()


def test_texts_are_folded_to_the_sms_alphabet_and_counted():
    assert fold_gsm("Rumah terbakar — “2 orang” terjebak…  🔥 café, Jalan Ş") == 'Rumah terbakar - "2 orang" terjebak... café, Jalan S'
    assert sms_units("a" * 160) == 160 and sms_parts("a" * 160) == 1 and sms_parts("a" * 161) == 2
    assert sms_units("[x]") == 5  # extension characters count twice
    assert sms_units("🔥") is None and sms_parts("🔥" * 71) == 2


def test_a_long_description_is_cut_at_a_word_and_the_link_is_never_cut():
    from types import SimpleNamespace

    from volunteers.texts import activation_text

    incident = SimpleNamespace(
        reference="112-SMD-20261127-0042",
        category=SimpleNamespace(name_id="Banjir"),
        kelurahan_id=1,
        kelurahan=SimpleNamespace(name="Sempaja Selatan"),
        address="Perumahan Griya Mukti Blok C, Jl. P. M. Noor",
        landmark="",
        description="Air setinggi dada di perumahan, warga lansia dan anak-anak terjebak di lantai dua menunggu perahu karet",
    )
    link = "https://112.samarindakota.go.id/r/2A.Xe1paS:1xX4xR:Ru6pOn6u1ynZXis5"
    text = activation_text(incident=incident, link=link)

    # The description goes first (to whole words), then the place down to the kelurahan.
    assert text == f"112-SMD-20261127-0042 Banjir di Sempaja Selatan.. Air setinggi dada di.. Terima/tolak: {link}"
    assert sms_units(text) <= 160
