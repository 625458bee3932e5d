"""The agencies' EIDO webhooks against a real local server playing an agency's system: signed
(HMAC-SHA256 over timestamp and body), once per change, retried with backoff after a 500,
given up after N attempts; the operator's dispatch itself never calls the agency."""

from datetime import timedelta

import pytest

from incidents.services import assignment_acknowledge, incident_dispatch
from integrations.models import AgencyWebhook, DeliveryStatus, WebhookDelivery
from integrations.services import webhook_deliveries_queue, webhook_deliveries_send_due


@pytest.fixture
def damkar_hook(world, agency_server):
    return AgencyWebhook.objects.create(agency=world.agency("damkar"), url=agency_server.url("/eido"), secret=agency_server.secret)


def run_outbox(capture):
    """What the beat task does: queue what changed, then send what is due (on commit, as in production)."""
    with capture(execute=True):
        webhook_deliveries_queue()
    return webhook_deliveries_send_due()


def test_dispatch_is_delivered_once_signed_and_each_change_again(world, new_incident, damkar_hook, agency_server, django_capture_on_commit_callbacks):
    incident = new_incident("kebakaran")
    (assignment,) = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    assert agency_server.requests == []  # the operator's request did not wait on the agency

    run_outbox(django_capture_on_commit_callbacks)
    run_outbox(django_capture_on_commit_callbacks)  # a second scan of the same change sends nothing
    (first,) = agency_server.requests
    assert first["signature_ok"] and first["body"]["incidentComponent"]["incidentTrackingIdentifier"] == incident.reference
    assert first["headers"]["Idempotency-Key"].startswith(f"eido-{damkar_hook.pk}-{incident.pk}-v")

    assignment_acknowledge(assignment=assignment, by=world.damkar_staff)
    run_outbox(django_capture_on_commit_callbacks)
    assert len(agency_server.requests) == 2
    assert agency_server.requests[1]["body"]["agencyComponent"][0]["assignmentStatus"] == "acknowledged"
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_an_agency_not_assigned_gets_nothing(world, to_damkar, agency_server, django_capture_on_commit_callbacks):
    AgencyWebhook.objects.create(agency=world.agency("bpbd"), url=agency_server.url("/eido"), secret=agency_server.secret)
    to_damkar()
    run_outbox(django_capture_on_commit_callbacks)
    assert agency_server.requests == []


def test_a_500_is_retried_with_backoff_until_it_is_accepted(world, to_damkar, damkar_hook, agency_server, clock, settings, django_capture_on_commit_callbacks):
    settings.EIDO_WEBHOOK_RETRY_BASE_SECONDS = 10
    agency_server.answers = [500, 500, 200]
    to_damkar()

    run_outbox(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=10)

    webhook_deliveries_send_due()  # not due yet
    assert len(agency_server.requests) == 1
    clock.advance(seconds=10)
    webhook_deliveries_send_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == clock.now + timedelta(seconds=20)
    clock.advance(seconds=20)
    webhook_deliveries_send_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.response_status == 200
    keys = {r["headers"]["Idempotency-Key"] for r in agency_server.requests}
    assert len(agency_server.requests) == 3 and len(keys) == 1  # the same change, the same key


def test_it_gives_up_after_the_last_attempt(world, to_damkar, damkar_hook, agency_server, clock, settings, django_capture_on_commit_callbacks):
    settings.EIDO_WEBHOOK_MAX_ATTEMPTS = 3
    settings.EIDO_WEBHOOK_RETRY_MAX_SECONDS = 60
    agency_server.answers = [503]
    to_damkar()
    run_outbox(django_capture_on_commit_callbacks)
    for _ in range(5):
        clock.advance(seconds=61)
        webhook_deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3 and "gave up after 3 attempts" in delivery.last_error
    assert len(agency_server.requests) == 3


def test_a_wrong_secret_is_refused_by_the_agency_and_not_retried(world, to_damkar, damkar_hook, agency_server, django_capture_on_commit_callbacks):
    damkar_hook.secret = "not-the-agencys-secret"
    damkar_hook.save()
    to_damkar()
    run_outbox(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert agency_server.requests[0]["signature_ok"] is False
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status == 401
