"""/healthz: what the load balancer gets, what a supervisor gets, and what failing services do to it."""

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from dispatch112.models import Kelurahan
from ops.health import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY, record_heartbeat
from tests.ops.conftest import METRICS_TOKEN, client_of, log_emergency
from volunteers.services import VolunteerInput, activation_create, volunteer_create

CHECKS = {"database", "redis", "channel_layer", "worker", "beat", "outbox"}
VERDICTS = {"ok", "warn", "fail", "embedded", "off"}


def test_the_load_balancer_gets_a_verdict_per_check_and_no_detail(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == CHECKS
    assert set(body["checks"].values()) <= VERDICTS
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"] == "ok"


def test_the_probe_is_answered_whatever_host_it_calls_and_over_plain_http(db, settings):
    # A load balancer calls the container by its address; production redirects plain HTTP.
    settings.ALLOWED_HOSTS = ["112.samarindakota.go.id"]
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/healthz", HTTP_HOST="10.0.3.7:8000")

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_a_supervisor_sees_every_check_in_detail(world):
    body = client_of(world.supervisor).get("/healthz").json()

    assert set(body["checks"]) == CHECKS
    database = body["checks"]["database"]
    assert database["status"] == "ok" and database["critical"] is True and database["ms"] >= 0
    assert body["checks"]["outbox"]["outboxes"]["volunteer_messages"] == {"backlog": 0, "oldest_age_seconds": None}
    assert body["process"]["pid"] > 0


@pytest.mark.parametrize("role", ["operator", "damkar_staff"])
def test_other_roles_get_the_verdicts_only(world, role):
    body = client_of(getattr(world, role)).get("/healthz").json()

    assert set(body) == {"status", "checks"}


def test_the_metrics_token_gives_the_detail_to_a_monitoring_system(db, metrics_token):
    body = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").json()
    assert body["checks"]["database"]["critical"] is True

    wrong = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer not-the-token").json()
    assert set(wrong) == {"status", "checks"}


def test_without_the_database_the_process_answers_503(db, metrics_token):
    """Run in a thread: Django gives it its own connection, which we point at a database that does
    not exist; the test's own connection is untouched."""
    from django.db import connections

    answers = {}

    def probe():
        connection = connections["default"]
        missing = "/nonexistent-dir/none.sqlite3" if connection.vendor == "sqlite" else "test_dispatch112_no_such_database"
        # Without the pool, if there is one: the pool is the process's, and keeps its connections.
        options = {k: v for k, v in connection.settings_dict.get("OPTIONS", {}).items() if k != "pool"}
        connection.settings_dict = {**connection.settings_dict, "NAME": missing, "OPTIONS": options}
        try:
            response = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
            answers["status"], answers["body"] = response.status_code, response.json()
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(30)

    assert answers["status"] == 503
    assert answers["body"]["status"] == "fail"
    assert answers["body"]["checks"]["database"]["status"] == "fail"
    assert "OperationalError" in answers["body"]["checks"]["database"]["error"]
    # Nothing to count without the database: said, not a second error.
    assert answers["body"]["checks"]["outbox"]["status"] == "warn"


def test_redis_down_is_degraded_not_503_every_web_process_shares_it(db, settings, metrics_token):
    # Nothing listens on port 1: the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "fail"
    assert "ConnectionError" in body["checks"]["redis"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_a_late_outbox_makes_the_system_degraded(world, settings, metrics_token, clock_at):
    clock_at(minutes_ago=10)
    incident = log_emergency(world).incident
    home = Kelurahan.objects.filter(kecamatan__region__code=settings.REGION_CODE).first()
    volunteer = volunteer_create(data=VolunteerInput(name="Relawan Uji", phone="+6281377000001", kelurahan=home), by=world.admin)
    # Not committed: the send that would follow the commit never runs, as when the worker is down.
    activation_create(incident=incident, volunteers=[volunteer], by=world.operator)
    clock_at(minutes_ago=0)
    settings.OPS_OUTBOX_WARN_SECONDS = 300

    body = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").json()

    outbox = body["checks"]["outbox"]
    assert outbox["status"] == "warn"
    assert outbox["late"] == ["volunteer_messages"]
    assert outbox["outboxes"]["volunteer_messages"]["backlog"] == 1
    assert outbox["outboxes"]["volunteer_messages"]["oldest_age_seconds"] == pytest.approx(600, abs=5)
    assert body["status"] == "degraded"


def test_worker_and_beat_are_ok_while_their_heartbeat_is_fresh_and_warn_when_it_stops(db, settings, metrics_token):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OPS_HEARTBEAT_STALE_SECONDS = 120

    def checks():
        return Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").json()["checks"]

    assert checks()["worker"]["status"] == "warn"  # never heard of

    record_heartbeat(WORKER_HEARTBEAT_KEY, by="celery@worker-1", now=timezone.now() - timedelta(seconds=20))
    record_heartbeat(BEAT_HEARTBEAT_KEY, by="beat-host", now=timezone.now() - timedelta(seconds=500))
    now = checks()
    assert now["worker"]["status"] == "ok" and now["worker"]["by"] == "celery@worker-1"
    assert now["worker"]["age_seconds"] == pytest.approx(20, abs=3)
    assert now["beat"]["status"] == "warn" and now["beat"]["age_seconds"] == pytest.approx(500, abs=3)


def test_embedded_tasks_say_so(db, settings, metrics_token):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    worker = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").json()["checks"]["worker"]

    assert worker["status"] == "embedded"


def test_only_get_and_head(db):
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200


def test_the_health_command_exits_non_zero_without_the_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/none.sqlite3", "SECRET_KEY": "x" * 50}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "health"], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["checks"]["database"]["status"] == "fail"
