"""Activating volunteers: one transaction writes the activation, its outbox message and the timeline
event; each later step is an event for the consoles only; unanswered calls expire."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event
from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers import services
from volunteers.models import Activation, ActivationStatus, Message, MessageStatus
from volunteers.texts import sms_units


def test_activating_writes_the_activation_its_message_and_a_console_event_together(world, clock, pushed, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    budi = make_volunteer("Budi Santoso", "Bugis", phone="0813 7700 1234")
    incident = make_incident(operator, place="Bugis", description="Rumah dua lantai terbakar, dua orang terjebak di lantai atas")

    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [budi], operator)

    activation.refresh_from_db()
    assert activation.status == ActivationStatus.SENT and activation.sent_by == operator
    assert activation.respond_by == clock.now + timedelta(minutes=15)
    message = Message.objects.get(activation=activation)
    # Sent by the console gateway (the embedded default) right after the commit.
    assert message.status == MessageStatus.SENT and message.gateway == "console" and message.recipient == "+6281377001234"
    assert message.key == f"activation-{activation.pk}"
    event = Event.objects.get(kind="volunteer.sent")
    assert event.incident == incident and event.audience == "console" and event.actor == operator
    assert event.payload["activation"]["volunteer"] == {"id": budi.pk, "name": "Budi Santoso", "kelurahan": event.payload["activation"]["volunteer"]["kelurahan"]}
    assert event.payload["incident"]["reference"] == incident.reference
    # Pushed to the consoles only, and no phone number in anything pushed or stored as an event.
    assert {tuple(groups) for groups, message in pushed if message["kind"].startswith("volunteer.")} == {("console",)}
    assert "+62813" not in str(list(Event.objects.filter(kind__startswith="volunteer.").values_list("payload", flat=True)))
    assert "+62813" not in str([m for _g, m in pushed])


def test_the_message_fits_one_sms_with_reference_category_place_description_and_link(world, clock, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    budi = make_volunteer("Budi", "Bugis")
    incident = make_incident(operator, place="Bugis", address="Jl. Pahlawan No. 12", description="Rumah dua lantai terbakar — dua orang terjebak di lantai atas, asap tebal ke arah pasar")

    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [budi], operator, link_base="https://112.samarindakota.go.id")
    body = Message.objects.get(activation=activation).body

    assert sms_units(body) is not None and sms_units(body) <= 160, (len(body), body)
    assert body.startswith(f"{incident.reference} Kebakaran ")
    assert "Bugis" in body and "Rumah dua lantai" in body
    link = body.rsplit(" ", 1)[1]
    assert link.startswith("https://112.samarindakota.go.id/r/")
    # In Bahasa Indonesia, whatever the operator's language.
    assert "Terima/tolak:" in body


def test_a_bad_choice_activates_nobody(world, clock):
    operator = world.users["operator"]
    good = make_volunteer("Good", "Bugis")
    retired = make_volunteer("Retired", "Bugis", active=False)
    incident = make_incident(operator, place="Bugis")

    with pytest.raises(ValidationError) as error:
        activate(incident, [good, retired], operator)
    assert error.value.message_dict["volunteers"] == ["Retired is not active."]
    assert not Activation.objects.exists() and not Message.objects.exists()
    assert not Event.objects.filter(kind__startswith="volunteer.").exists()

    with pytest.raises(ValidationError):
        activate(incident, [good, good], operator)


def test_a_volunteer_cannot_be_called_twice_to_one_incident_while_the_first_call_is_open(world, clock):
    operator = world.users["operator"]
    budi = make_volunteer("Budi", "Bugis")
    incident = make_incident(operator, place="Bugis")
    (first,) = activate(incident, [budi], operator)

    with pytest.raises(ValidationError) as error:
        activate(incident, [budi], world.users["operator2"])
    assert "already called to this incident (sent)" in error.value.message_dict["volunteers"][0]

    services.activation_respond(activation=first, action="decline")
    (second,) = activate(incident, [budi], operator)  # declined: may be asked again later
    assert second.pk != first.pk and second.token_nonce != first.token_nonce


def test_a_closed_incident_takes_no_more_volunteers(world, clock):
    from incidents.services import incident_cancel

    operator = world.users["operator"]
    budi = make_volunteer("Budi", "Bugis")
    incident = make_incident(operator, place="Bugis")
    incident_cancel(incident=incident, by=operator, reason="prank after all")

    with pytest.raises(TransitionNotAllowed):
        activate(incident, [budi], operator)


def test_accepted_arrived_finished_each_an_event_on_the_incident_timeline(world, clock, pushed):
    operator = world.users["operator"]
    budi = make_volunteer("Budi", "Bugis")
    incident = make_incident(operator, place="Bugis")
    (activation,) = activate(incident, [budi], operator)

    for action, minutes in (("accept", 1), ("arrived", 6), ("finished", 40)):
        clock.advance(minutes=minutes)
        services.activation_respond(activation=activation, action=action)

    activation.refresh_from_db()
    assert activation.status == ActivationStatus.FINISHED
    assert (activation.accepted_at - activation.sent_at, activation.arrived_at - activation.accepted_at) == (timedelta(minutes=1), timedelta(minutes=6))
    kinds = list(incident.events.filter(kind__startswith="volunteer.").values_list("kind", "audience", "actor", "payload__via"))
    assert kinds == [
        ("volunteer.sent", "console", operator.pk, "console"),
        ("volunteer.accepted", "console", None, "link"),
        ("volunteer.arrived", "console", None, "link"),
        ("volunteer.finished", "console", None, "link"),
    ]
    last = incident.events.get(kind="volunteer.finished")
    assert last.payload["actor_name"] == "Budi" and last.payload["previous_status"] == "arrived"


@pytest.mark.parametrize(
    ("path", "action"),
    [([], "arrived"), (["accept", "finished"], "accept"), (["decline"], "accept"), (["accept"], "decline")],
    ids=["arrive-before-accepting", "accept-after-finishing", "accept-after-declining", "decline-after-accepting"],
)
def test_impossible_steps_are_refused_and_change_nothing(world, clock, path, action):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    for step in path:
        services.activation_respond(activation=activation, action=step)
    before = (Activation.objects.get(pk=activation.pk).status, Event.objects.count())

    with pytest.raises(TransitionNotAllowed):
        services.activation_respond(activation=activation, action=action)
    assert (Activation.objects.get(pk=activation.pk).status, Event.objects.count()) == before


def test_an_unanswered_call_expires_and_its_unsent_message_is_dropped(world, clock, settings):
    settings.MESSAGING_GATEWAY = "tests.volunteers.test_activation.NeverAnswers"
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    message = Message.objects.get(activation=activation)

    assert services.activations_expire_due() == 0
    clock.advance(minutes=15)
    assert services.activations_expire_due() == 1

    activation.refresh_from_db()
    message.refresh_from_db()
    assert activation.status == ActivationStatus.EXPIRED and activation.expire_reason == "no_answer"
    assert message.status == MessageStatus.FAILED and "expired" in message.last_error
    assert incident.events.filter(kind="volunteer.expired").count() == 1
    assert services.activations_expire_due() == 0
    with pytest.raises(TransitionNotAllowed):
        services.activation_respond(activation=activation, action="accept")


def test_the_time_to_answer_starts_when_the_message_actually_leaves(world, clock, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=False):
        (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    clock.advance(minutes=5)  # the worker was slow
    services.messages_send_due()
    activation.refresh_from_db()
    assert activation.respond_by == clock.now + timedelta(minutes=15)


def test_open_calls_on_a_closed_incident_expire(world, clock):
    from incidents.services import incident_cancel

    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    waiting, going = activate(incident, [make_volunteer("Waiting", "Bugis"), make_volunteer("Going", "Bugis")], operator)
    services.activation_respond(activation=going, action="accept")
    incident_cancel(incident=incident, by=operator, reason="false alarm")

    assert services.activations_expire_due() == 1
    assert Activation.objects.get(pk=waiting.pk).expire_reason == "incident_closed"
    # The one on the way can still say when they are done.
    services.activation_respond(activation=going, action="finished")


def test_standing_down_tells_a_volunteer_who_had_the_message_and_drops_one_not_sent(world, clock, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=True):
        informed, = activate(incident, [make_volunteer("Informed", "Bugis")], operator)
    with django_capture_on_commit_callbacks(execute=False):
        not_yet, = activate(incident, [make_volunteer("Not Yet", "Bugis")], operator)

    with django_capture_on_commit_callbacks(execute=True):
        services.activation_cancel(activation=informed, by=operator, reason="enough people on scene")
        services.activation_cancel(activation=not_yet, by=operator)

    stand_down = Message.objects.get(activation=informed, purpose="stand_down")
    assert stand_down.status == MessageStatus.SENT and "tidak perlu datang" in stand_down.body
    assert Message.objects.get(activation=not_yet, purpose="activation").status == MessageStatus.FAILED
    assert not Message.objects.filter(activation=not_yet, purpose="stand_down").exists()
    event = incident.events.filter(kind="volunteer.cancelled").first()
    assert event.actor == operator and event.payload["reason"] == "enough people on scene"


def test_the_handover_lists_volunteers_still_out(world, clock):
    from shifts.snapshot import take_snapshot

    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    out, home = activate(incident, [make_volunteer("Still Out", "Bugis"), make_volunteer("Gone Home", "Bugis")], operator)
    for activation, steps in ((out, ["accept", "arrived"]), (home, ["accept", "finished"])):
        for step in steps:
            services.activation_respond(activation=activation, action=step)

    section = next(s for s in take_snapshot(now=clock.now)["sections"] if s["key"] == "volunteers_out")
    assert section["available"] and section["count"] == 1
    assert section["items"][0]["title"] == "Still Out" and section["items"][0]["ref"] == incident.reference


class NeverAnswers:
    """A gateway whose provider never takes anything: every try is 'later'."""

    name = "never"
    timeout = 1

    def send(self, message):
        from volunteers.gateways import TransientSendError

        raise TransientSendError("provider down")
