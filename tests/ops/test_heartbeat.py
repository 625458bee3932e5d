"""The heartbeat behind /healthz's worker and beat checks: beat publishing it proves beat alive, a
worker running it proves the worker alive; in the embedded default both happen in-process."""

import socket

import pytest
from django.test import Client

from dispatch112.celery import app
from ops.tasks import heartbeat
from tests.ops.conftest import METRICS_TOKEN


def checks():
    return Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").json()["checks"]


@pytest.fixture
def broker_path():
    """Tasks published to the broker (memory:// embedded, Redis otherwise) instead of run eagerly."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def test_the_heartbeat_is_on_beats_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ops-heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"] == settings.OPS_HEARTBEAT_SECONDS < settings.OPS_HEARTBEAT_STALE_SECONDS


def test_beat_publishing_the_heartbeat_is_beats_proof_of_life(db, settings, metrics_token, broker_path):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert checks()["beat"]["status"] == "warn"

    heartbeat.apply_async(expires=1)  # as beat sends it; no worker is running here

    after = checks()
    assert after["beat"]["status"] == "ok" and after["beat"]["by"] == socket.gethostname()
    assert after["worker"]["status"] == "warn"  # published, not yet run by anyone


def test_a_worker_running_the_heartbeat_is_the_workers_proof_of_life(db, settings, metrics_token):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    heartbeat()  # as the worker calls it: not eager

    worker = checks()["worker"]
    assert worker["status"] == "ok" and worker["age_seconds"] < 5


def test_the_embedded_schedule_runs_it_in_process(db, settings, metrics_token):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    heartbeat.apply()  # what the in-process beat does with an eager task

    now = checks()
    assert now["beat"]["status"] == "ok" and now["beat"]["by"] == "embedded"
    assert now["worker"]["status"] == "embedded"
