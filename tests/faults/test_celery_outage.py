"""The Celery worker (and its beat) is down while the control room works. The request never waits
on it: the volunteers' messages wait in their outbox rows, the agencies' webhook documents and the
escalation of an unacknowledged assignment wait for the periodic sweep. When a real worker comes
back (`celery -A dispatch112 worker --beat`, on the same Redis broker), each goes out once."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dispatch112.models import Event, Kelurahan
from incidents.models import Assignment
from integrations.models import AgencyWebhook, WebhookDelivery
from tests.faults.support import CeleryWorker, RecordingPeer, settle
from tests.live.support import wait_for
from volunteers.models import Message, Volunteer


@pytest.fixture(scope="module")
def peer():
    with RecordingPeer() as recording:
        yield recording


@pytest.fixture(scope="module")
def server_env(private_redis, secret_key_env, peer):
    return {
        "REDIS_URL": private_redis.url,
        **secret_key_env,
        # The SMS/WhatsApp provider is the recording peer.
        "MESSAGING_GATEWAY": "http",
        "MESSAGING_HTTP_URL": peer.url + "/sms",
        # Short periods, so the returning beat acts within the test.
        "ESCALATION_INTERVAL_SECONDS": "1",
        "EIDO_WEBHOOK_SCAN_SECONDS": "1",
        "MESSAGING_SWEEP_SECONDS": "5",
    }


@pytest.fixture
def worker(test_db_name, server_env, tmp_path):
    celery = CeleryWorker(db_name=test_db_name, log_dir=tmp_path, env=server_env)
    yield celery
    celery.stop()


def test_notifications_and_escalations_wait_for_the_worker_and_go_out_once(world, server, login, peer, worker):
    kelurahan = Kelurahan.objects.order_by("id").first()
    volunteers = [
        Volunteer.objects.create(name=f"Relawan {n}", phone=f"+62811500000{n}", kelurahan=kelurahan, joined_on=date(2026, 1, 1))
        for n in range(3)
    ]
    AgencyWebhook.objects.update_or_create(agency_id=world.agency("damkar"), defaults={"url": peer.url + "/hook/damkar"})
    operator = login("operator")

    fire = operator.new_incident(world.category("kebakaran"))
    operator.dispatch(fire["id"], world.agency("damkar"))
    status_and_body = operator.api("POST", "/activations/", {"incident": fire["id"], "volunteers": [v.pk for v in volunteers]}, expect=(201,))
    assert len(status_and_body[0]["results"]) == 3
    # Nobody acknowledged in time: the assignment is overdue (backdated rather than waiting the
    # minutes a priority's target gives).
    Assignment.objects.filter(incident_id=fire["id"]).update(notified_at=timezone.now() - timedelta(hours=1))
    assignment = Assignment.objects.get(incident_id=fire["id"])

    # No worker: the requests succeeded, and nothing left the building.
    settle(2)
    assert peer.posts() == []
    assert sorted(Message.objects.filter(activation__incident_id=fire["id"]).values_list("status", flat=True)) == ["queued"] * 3
    assert not Event.objects.filter(kind="assignment.overdue", incident_id=fire["id"]).exists()
    assert not WebhookDelivery.objects.filter(incident_id=fire["id"]).exists()

    worker.start()
    wait_for(lambda: len(peer.posts("/sms")) >= 3, timeout=30, message="the three messages to be sent")
    wait_for(lambda: Event.objects.filter(kind="assignment.overdue", incident_id=fire["id"]).exists(), timeout=30, message="the escalation")
    wait_for(lambda: peer.posts("/hook/damkar"), timeout=30, message="the agency's webhook document")

    # Long enough for further sweeps (messages every 5 s, escalation and webhooks every second)
    # and the delayed tasks from before: none of them may send anything twice.
    settle(7)
    sms = peer.posts("/sms")
    assert len(sms) == 3, [s["body"] for s in sms]
    recipients = sorted(json.loads(s["body"])["to"] for s in sms)
    assert len(set(recipients)) == 3, recipients  # one message to each volunteer
    assert sorted(Message.objects.filter(activation__incident_id=fire["id"]).values_list("status", flat=True)) == ["sent"] * 3
    assert Event.objects.filter(kind="assignment.overdue", incident_id=fire["id"]).count() == 1
    assignment.refresh_from_db()
    assert assignment.escalated_at is not None
    hooks = peer.posts("/hook/damkar")
    keys = [h["headers"].get("Idempotency-Key") for h in hooks]
    assert len(keys) == len(set(keys)), keys  # each incident version delivered once
    assert WebhookDelivery.objects.filter(incident_id=fire["id"]).exclude(status="sent").count() == 0
