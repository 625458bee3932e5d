"""Structured logs: one JSON object a line with the request id and the user, and no caller's
number or name in any of it."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from ops import logs
from tests.ops.conftest import client_of, log_emergency

CALLER_NUMBER = "0812 3456 7890"
CALLER_DIGITS = "81234567890"
CALLER_NAME = "Siti Rahmawati"


@pytest.fixture
def captured_log():
    """What the configured console handler writes (settings.LOGGING: its filters and formatter)."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def json_lines(captured_log):
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    previous = handler.formatter
    handler.setFormatter(logs.JsonFormatter())

    def read():
        return [json.loads(line) for line in captured_log.getvalue().splitlines() if line.strip()]

    yield read
    handler.setFormatter(previous)


def test_a_request_gets_an_id_echoed_in_the_response_and_keeps_a_proxys_id(db):
    generated = Client().get("/accounts/login/")
    assert len(generated["X-Request-ID"]) == 32

    given = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="caddy-7f3a.01")
    assert given["X-Request-ID"] == "caddy-7f3a.01"

    # A header that would forge a log line or flood it is replaced, not echoed.
    forged = Client().get("/accounts/login/", HTTP_X_REQUEST_ID='x" injected\nline')
    assert forged["X-Request-ID"] != 'x" injected\nline' and len(forged["X-Request-ID"]) == 32


def test_each_line_is_json_with_the_request_id_and_the_user(world, json_lines):
    operator = client_of(world.operator)

    response = operator.get("/api/v1/categories/", HTTP_X_REQUEST_ID="req-123")

    access = [line for line in json_lines() if line["logger"] == "ops.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-123" == response["X-Request-ID"]
    assert line["user_id"] == world.operator.pk
    assert line["level"] == "INFO"
    assert line["status"] == 200 and line["method"] == "GET" and line["path"] == "/api/v1/categories/"
    assert line["view"] == "api:category-list"
    assert line["time"].endswith("Z")


def test_an_api_client_with_a_token_is_named_too(world, json_lines):
    token = Token.objects.create(user=world.operator)

    Client().get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Token {token.key}")

    access = [line for line in json_lines() if line["logger"] == "ops.access"]
    assert access[0]["user_id"] == world.operator.pk


def test_an_anonymous_request_has_no_user(db, json_lines):
    Client().get("/accounts/login/")

    access = [line for line in json_lines() if line["logger"] == "ops.access"]
    assert access[0]["user_id"] is None and access[0]["request_id"]


def test_a_logged_call_leaves_no_caller_number_or_name_in_the_log(world, captured_log):
    """Log a call through the API with the SQL log on (every value written is in it), look the
    number up, log the call object and an error about it: then grep the whole log."""
    root = logging.getLogger()
    sql = logging.getLogger("django.db.backends")
    previous_levels = root.level, sql.level
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        operator = client_of(world.operator)
        created = operator.post(
            "/api/v1/calls/",
            {
                "outcome": "emergency",
                "caller_number": CALLER_NUMBER,
                "caller_name": CALLER_NAME,
                "incident": {"category": world.category("kebakaran").pk, "latitude": "-0.4950", "longitude": "117.1500"},
            },
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
        operator.get("/api/v1/calls/history/", {"number": CALLER_NUMBER})
        call = log_emergency(world, caller_number="+6281234567890", caller_name=CALLER_NAME)
        logger = logging.getLogger("incidents")
        logger.info("logged %s", call)
        logger.warning("call from %s (%s) could not be linked", call.caller_number, call.caller_name, extra={"caller_name": call.caller_name})
        logger.info("payload %s", {"caller_name": CALLER_NAME, "caller_number": call.caller_number, "outcome": "emergency"})
        try:
            raise ValueError(f"duplicate caller {call.caller_number}")
        except ValueError:
            logger.exception("linking failed")
    finally:
        connection.force_debug_cursor = False
        root.setLevel(previous_levels[0])
        sql.setLevel(previous_levels[1])

    written = captured_log.getvalue()
    assert "INSERT INTO" in written  # the SQL log was on: the test looked where a leak would be
    assert "POST /api/v1/calls/ 201" in written
    assert "duplicate caller" in written and "Traceback" in written
    assert CALLER_DIGITS not in written.replace(" ", "").replace("-", "")
    assert CALLER_NAME not in written and "Rahmawati" not in written
    assert "6281*******90" in written  # masked, yet a Telkomsel number still reads as one


def test_the_demo_console_reads_as_one_line_with_the_request(world, captured_log):
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    previous = handler.formatter
    handler.setFormatter(logs.ReadableFormatter("%(levelname)s %(name)s %(message)s"))
    try:
        client_of(world.supervisor).get("/accounts/login/", HTTP_X_REQUEST_ID="abc")
    finally:
        handler.setFormatter(previous)

    assert "INFO ops.access GET /accounts/login/ 302" in captured_log.getvalue()
    assert f"[req=abc user={world.supervisor.pk}]" in captured_log.getvalue()


def settings_in_a_fresh_interpreter(expression, **variables):
    """Imports the settings module alone (no Django setup), as daphne does first, and prints one value."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "DEBUG", "METRICS_ALLOWED_NETWORKS")}
    code = f"import dispatch112.settings as s; print({expression})"
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env={**clean, **variables}, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout.strip(), done.stderr


def test_the_embedded_default_logs_readable_lines_and_production_json():
    formatter = "s.LOGGING['handlers']['console']['formatter']"
    production = {"REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": "s" * 50}

    assert settings_in_a_fresh_interpreter(formatter)[1] == "readable"
    assert settings_in_a_fresh_interpreter(formatter, **production)[1] == "json"
    code, _, error = settings_in_a_fresh_interpreter(formatter, LOG_FORMAT="xml")
    assert code != 0 and "LOG_FORMAT='xml'" in error
    code, _, error = settings_in_a_fresh_interpreter(formatter, METRICS_ALLOWED_NETWORKS="10.0.0.0/8,intranet")
    assert code != 0 and "METRICS_ALLOWED_NETWORKS" in error


def test_a_celery_task_line_keeps_its_task_name_while_personal_fields_are_masked(json_lines):
    # As celery.app.trace logs: the context both as the format's mapping and as extra "data".
    context = {"name": "volunteers.tasks.send_message", "caller_name": CALLER_NAME, "phone": "+6281234567890"}
    logging.getLogger("celery.app.trace").info("Task %(name)s succeeded", context, extra={"data": context})

    [line] = json_lines()
    assert line["message"] == "Task volunteers.tasks.send_message succeeded"
    assert line["data"] == {"name": "volunteers.tasks.send_message", "caller_name": "***", "phone": "***"}
