"""The volunteer's link: no login; accept, arrived, finished; a used, expired, tampered or foreign
link says so and changes nothing."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from dispatch112.models import Event
from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers import links
from volunteers.models import Activation, ActivationStatus


@pytest.fixture
def call(world, clock, django_capture_on_commit_callbacks):
    """An activation of Budi for a fire in Bugis (its message sent), and the path of his link."""
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis", address="Jl. Pahlawan No. 12", description="Rumah terbakar, asap tebal")
    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    return activation, links.link_path(activation)


@pytest.fixture
def phone():
    """The volunteer's phone: no session, English page (the msgids), CSRF checks on."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    return client


def tap(client, path, action):
    """Open the page, then press the button: the form carries the CSRF token, as in a browser."""
    page = client.get(path)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    return client.post(path, {"action": action, "csrfmiddlewaretoken": token})


def volunteer_events():
    """The activation's steps on the incident timeline (the message's own events left out)."""
    return list(Event.objects.filter(kind__startswith="volunteer.").exclude(kind__startswith="volunteer.message_").values_list("kind", flat=True))


def test_the_link_is_short_and_opens_the_incident_without_logging_in(call, phone):
    activation, path = call
    assert len(path) <= 40, path

    page = phone.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assert activation.incident.reference in html and "Fire" in html and "Jl. Pahlawan No. 12" in html
    assert 'value="accept"' in html and 'value="decline"' in html and 'value="arrived"' not in html
    assert "+62" not in html and "081234567890" not in html  # neither the volunteer's nor the caller's number
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"


def test_accept_then_arrived_then_finished(call, phone, clock):
    activation, path = call

    accepted = tap(phone, path, "accept")
    assert accepted.status_code == 302 and accepted["Location"] == f"{path}?done=accept"
    page = phone.get(accepted["Location"]).content.decode()
    assert "on your way" in page and 'value="arrived"' in page and 'value="accept"' not in page

    clock.advance(minutes=7)
    assert tap(phone, path, "arrived").status_code == 302
    clock.advance(minutes=30)
    assert tap(phone, path, "finished").status_code == 302

    activation.refresh_from_db()
    assert activation.status == ActivationStatus.FINISHED
    assert activation.arrived_at - activation.accepted_at == timedelta(minutes=7)
    assert volunteer_events() == ["volunteer.sent", "volunteer.accepted", "volunteer.arrived", "volunteer.finished"]
    final = phone.get(path).content.decode()
    assert "Thank you for your help" in final and "<button type=\"submit\" name=\"action\"" not in final


def test_a_used_link_says_so_and_changes_nothing(call, phone):
    activation, path = call
    tap(phone, path, "accept")
    events_before = volunteer_events()

    again = tap(phone, path, "accept")

    assert again.status_code == 409
    assert "Nothing was changed." in again.content.decode() and "Budi has already accepted." in again.content.decode()
    assert volunteer_events() == events_before
    declined_late = tap(phone, path, "decline")
    assert declined_late.status_code == 409 and Activation.objects.get(pk=activation.pk).status == ActivationStatus.ACCEPTED


def test_a_declined_call_is_final(call, phone):
    activation, path = call
    tap(phone, path, "decline")
    page = phone.get(path).content.decode()
    assert "You declined at" in page and "This link has been used" in page
    assert tap(phone, path, "accept").status_code == 409
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.DECLINED


def test_an_expired_link_says_so_and_changes_nothing(call, phone, clock, settings):
    activation, path = call
    tap(phone, path, "accept")
    clock.advance(hours=settings.VOLUNTEER_LINK_MAX_AGE_HOURS, seconds=1)

    page = phone.get(path)
    assert page.status_code == 410 and "This link has expired" in page.content.decode()
    # The form cannot be shown any more; a stored one posted anyway changes nothing.
    token = phone.cookies["csrftoken"].value
    posted = phone.post(path, {"action": "arrived", "csrfmiddlewaretoken": token})
    assert posted.status_code == 410
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.ACCEPTED
    assert volunteer_events() == ["volunteer.sent", "volunteer.accepted"]


def test_a_call_not_answered_in_time_has_expired_when_the_link_is_opened(call, phone, clock):
    activation, path = call
    page = phone.get(path)  # read it in time…
    clock.advance(minutes=16)  # …but answered too late

    token = page.cookies["csrftoken"].value
    late = phone.post(path, {"action": "accept", "csrfmiddlewaretoken": token})

    assert late.status_code == 409
    assert "This call expired at" in late.content.decode() and "asked someone else" in late.content.decode()
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.EXPIRED
    assert volunteer_events() == ["volunteer.sent", "volunteer.expired"]


@pytest.mark.parametrize("where", ["signature", "timestamp", "activation id"])
def test_a_tampered_link_is_not_valid_and_changes_nothing(call, phone, where):
    activation, path = call
    token = path.rsplit("/", 1)[1]
    value, timestamp, signature = token.rsplit(":", 2)
    if where == "signature":
        signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    elif where == "timestamp":
        timestamp = signing.b62_encode(signing.b62_decode(timestamp) + 3600)
    else:
        value = f"{signing.b62_encode(activation.pk + 1)}.{activation.token_nonce}"
    forged = reverse("volunteer-link", kwargs={"token": f"{value}:{timestamp}:{signature}"})

    page = phone.get(forged)
    assert page.status_code == 404 and "This link is not valid" in page.content.decode()
    posted = phone.post(forged, {"action": "accept", "csrfmiddlewaretoken": phone.cookies["csrftoken"].value})
    assert posted.status_code == 400
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.SENT
    assert volunteer_events() == ["volunteer.sent"]


def test_a_link_signed_for_another_activation_does_not_open_this_one(world, clock, phone):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    mine, theirs = activate(incident, [make_volunteer("Budi", "Bugis"), make_volunteer("Siti", "Bugis")], operator)
    # A correctly signed token naming Siti's activation with Budi's nonce (as an old link would,
    # if an id were ever reused) is refused: the link is bound to its own activation.
    crossed = links._signer().sign(f"{signing.b62_encode(theirs.pk)}.{mine.token_nonce}")
    path = reverse("volunteer-link", kwargs={"token": crossed})

    assert phone.get(path).status_code == 404
    assert tap(phone, links.link_path(mine), "accept").status_code == 302
    assert Activation.objects.get(pk=theirs.pk).status == ActivationStatus.SENT
    assert Activation.objects.get(pk=mine.pk).status == ActivationStatus.ACCEPTED


def test_a_volunteer_stood_down_reads_so(call, phone, world):
    from volunteers.services import activation_cancel

    activation, path = call
    activation_cancel(activation=activation, by=world.users["operator"], reason="enough people")
    page = phone.get(path).content.decode()
    assert "stood you down" in page and 'value="accept"' not in page


def test_an_unknown_action_is_refused(call, phone):
    activation, path = call
    assert tap(phone, path, "delete").status_code == 400
    assert Activation.objects.get(pk=activation.pk).status == ActivationStatus.SENT


def test_the_page_is_in_bahasa_indonesia_by_default(call):
    _activation, path = call
    html = Client().get(path).content.decode()
    assert 'lang="id"' in html
