"""The messaging outbox against a real HTTP provider on 127.0.0.1: delivered once, retried with
exponential backoff while the provider is down, never lost, never sent twice."""

from datetime import timedelta
from unittest import mock

import pytest

from dispatch112.models import Event
from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers import services
from volunteers.models import Message, MessageStatus


@pytest.fixture
def called(world, clock, django_capture_on_commit_callbacks):
    """Activate one volunteer and run the after-commit send (the task runs eagerly, as embedded)."""

    def call(name="Budi", **volunteer):
        operator = world.users["operator"]
        incident = make_incident(operator, place="Bugis")
        with django_capture_on_commit_callbacks(execute=True):
            (activation,) = activate(incident, [make_volunteer(name, "Bugis", **volunteer)], operator)
        return Message.objects.get(activation=activation)

    return call


def test_activation_goes_through_the_outbox_to_the_provider_and_is_delivered(http_gateway, called):
    message = called(phone="0813 7700 4321", channel="whatsapp")

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.provider_id == "prov-1" and message.gateway == "http"
    (request,) = http_gateway.requests
    assert request["headers"]["Authorization"] == "Bearer test-token-112"
    assert request["headers"]["Idempotency-Key"] == f"d112-msg-{message.pk}"
    assert request["body"] == {"to": "+6281377004321", "text": message.body, "type": "whatsapp", "ref": f"d112-msg-{message.pk}"}
    sent = Event.objects.get(kind="volunteer.message_sent")
    assert sent.audience == "console" and sent.payload["message"]["status"] == "sent"
    assert "+62813" not in str(sent.payload) and "/r/" not in str(sent.payload)


def test_while_the_provider_is_down_the_message_waits_with_growing_pauses_and_goes_when_it_is_back(http_gateway, called, clock):
    http_gateway.mode = "down"
    message = called()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.last_error.startswith("HTTP 503")
    assert message.next_attempt_at == clock.now + timedelta(seconds=10)

    assert services.messages_send_due() == {}  # not due yet: nothing is tried
    pauses = []
    for _ in range(3):
        clock.set(message.next_attempt_at)
        services.messages_send_due()
        previous = message.next_attempt_at
        message.refresh_from_db()
        pauses.append((message.next_attempt_at - previous).total_seconds())
    assert pauses == [20, 40, 80] and message.attempts == 4 and message.status == MessageStatus.QUEUED

    http_gateway.mode = "accept"
    clock.set(message.next_attempt_at)
    assert services.messages_send_due() == {"sent": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 5 and message.last_error == ""
    # Delivered exactly once, and the sweep never sends it again.
    clock.advance(minutes=5)
    services.messages_send_due()
    services.message_send(message_id=message.pk)
    assert len(http_gateway.delivered) == 1 and len(http_gateway.requests) == 5


def test_a_provider_that_cannot_be_reached_at_all_gets_the_message_when_it_is_back(http_gateway, called, clock):
    http_gateway.stop()
    message = called()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "cannot reach the provider" in message.last_error

    http_gateway.restart()
    clock.set(message.next_attempt_at)
    services.messages_send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(http_gateway.delivered) == 1


def test_a_provider_that_does_not_answer_in_time_is_tried_again(http_gateway, called, clock):
    http_gateway.mode = "slow"
    message = called()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "no answer within 1 s" in message.last_error

    http_gateway.mode = "accept"
    clock.set(message.next_attempt_at)
    services.messages_send_due()
    message.refresh_from_db()
    # The timed-out attempt and the retry carried the same idempotency key: a provider that got
    # the first after all can drop the second.
    keys = {r["headers"]["Idempotency-Key"] for r in http_gateway.requests}
    assert message.status == MessageStatus.SENT and keys == {f"d112-msg-{message.pk}"}


def test_a_refused_message_fails_at_once_is_on_the_timeline_and_can_be_sent_again(http_gateway, called, clock, world, django_capture_on_commit_callbacks):
    http_gateway.mode = "reject"
    message = called()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert message.last_error == 'HTTP 400 Bad Request: {"error": "invalid destination"}'
    failed = Event.objects.get(kind="volunteer.message_failed")
    assert failed.audience == "console" and failed.payload["message"]["last_error"].startswith("HTTP 400")
    clock.advance(minutes=1)
    services.messages_send_due()
    assert len(http_gateway.requests) == 1  # not retried

    http_gateway.mode = "accept"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_requeue(message=message, by=world.users["admin"])
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(http_gateway.delivered) == 1


def test_the_providers_retry_after_is_honoured(http_gateway, called, clock):
    http_gateway.mode = "down"
    http_gateway.retry_after = 120
    message = called()
    message.refresh_from_db()
    assert message.next_attempt_at == clock.now + timedelta(seconds=120)


def test_a_message_the_worker_never_got_is_sent_by_the_sweep(http_gateway, world, clock, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with mock.patch("volunteers.tasks.send_message.delay", side_effect=OperationalError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    message = Message.objects.get(activation=activation)
    assert message.status == MessageStatus.QUEUED and message.attempts == 0 and not http_gateway.requests

    from volunteers.tasks import send_queued_messages

    send_queued_messages.apply()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(http_gateway.delivered) == 1


def test_with_a_broker_and_no_worker_the_message_waits_queued_and_the_sweep_sends_it(http_gateway, world, clock, eager_tasks, django_capture_on_commit_callbacks):
    # As in production: the task goes to the broker (Redis on PostgreSQL + Redis, the in-memory
    # transport embedded); the worker is down, nobody takes it.
    eager_tasks.conf.task_always_eager = False
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    message = Message.objects.get(activation=activation)
    assert message.status == MessageStatus.QUEUED and message.attempts == 0 and not http_gateway.requests

    clock.advance(seconds=20)  # the next beat
    services.messages_send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(http_gateway.delivered) == 1


def test_a_message_being_sent_by_another_worker_is_left_alone_until_that_worker_is_presumed_dead(http_gateway, world, clock, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=False):
        (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    message = Message.objects.get(activation=activation)
    # Another worker claimed it and is talking to the provider.
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, attempts=1, claimed_until=clock.now + timedelta(seconds=31))

    assert services.messages_send_due() == {}
    assert services.message_send(message_id=message.pk).status == MessageStatus.SENDING
    assert not http_gateway.requests

    clock.advance(seconds=31)  # that worker died mid-send: its claim ran out
    services.messages_send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2 and len(http_gateway.delivered) == 1


def test_an_invitation_is_given_up_when_it_could_no_longer_be_answered(http_gateway, called, clock, settings):
    settings.MESSAGING_RETRY_MAX_SECONDS = 300
    http_gateway.mode = "down"
    message = called()
    while True:
        message.refresh_from_db()
        if message.status != MessageStatus.QUEUED:
            break
        clock.set(message.next_attempt_at)
        services.messages_send_due()
    assert message.status == MessageStatus.FAILED and message.last_error.startswith("Not sent in time: HTTP 503")
    assert clock.now < message.expires_at  # given up before a retry would land after the deadline


def test_demo_volunteers_are_never_sent_to_the_real_provider(http_gateway, world, clock, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    volunteer = make_volunteer("Demo Person", "Bugis")
    volunteer.is_demo = True
    volunteer.save()
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [volunteer], operator)
    message = Message.objects.get(activation=activation)
    assert message.status == MessageStatus.SENT and message.gateway == "console" and not http_gateway.requests


def test_the_task_retries_itself_when_the_message_is_due_again(http_gateway, world, clock, django_capture_on_commit_callbacks):
    from celery.exceptions import Retry

    from volunteers.tasks import send_message

    http_gateway.mode = "down"
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    with django_capture_on_commit_callbacks(execute=False):
        (activation,) = activate(incident, [make_volunteer("Budi", "Bugis")], operator)
    message = Message.objects.get(activation=activation)

    # As a worker runs it (not eagerly): the retry is scheduled for the row's next attempt.
    send_message.push_request(is_eager=False, retries=0)
    try:
        with mock.patch.object(send_message, "retry", side_effect=Retry("again")) as retry:
            with pytest.raises(Retry):
                send_message.run(message.pk)
    finally:
        send_message.pop_request()
    assert retry.call_args.kwargs == {"countdown": 11, "max_retries": None}
