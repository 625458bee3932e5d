"""Is this process able to serve, and are the services around it alive?

One function per check, each answering a `Check`. Only a critical check decides the load
balancer's 503: the database, without which this process can serve nothing. Redis, the channel
layer, the Celery worker and beat are shared by every web process; taking all of them out of the
balancer because Redis is down would turn a degraded service (intake keeps working, consoles
resume from the Event table) into no service. Those report "fail" or "warn" and the whole is
"degraded", still 200.
"""

import asyncio
import functools
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ops import outboxes

OK, WARN, FAIL, EMBEDDED, OFF = "ok", "warn", "fail", "embedded", "off"
HEALTHY = frozenset({OK, EMBEDDED, OFF})

WORKER_HEARTBEAT_KEY = "ops:heartbeat:worker"
BEAT_HEARTBEAT_KEY = "ops:heartbeat:beat"
LAYER_TIMEOUT_SECONDS = 2
REDIS_TIMEOUT_SECONDS = 1


@dataclass
class Check:
    status: str
    critical: bool = False
    detail: dict = field(default_factory=dict)


@dataclass
class Report:
    status: str
    checks: dict
    at: datetime

    @property
    def http_status(self):
        return 503 if self.status == FAIL else 200

    def summary(self):
        """For anyone, the load balancer included: the verdicts, no addresses, errors or numbers."""
        return {"status": self.status, "checks": {name: check.status for name, check in self.checks.items()}}

    def detailed(self):
        return {
            "status": self.status,
            "at": self.at.isoformat(),
            "process": {"pid": os.getpid(), "embedded": settings.EMBEDDED},
            "checks": {name: {"status": c.status, "critical": c.critical, **c.detail} for name, c in self.checks.items()},
        }


def _elapsed_ms(started):
    return round((time.perf_counter() - started) * 1000, 1)


def _error(exc):
    return f"{type(exc).__name__}: {exc}"[:300]


def check_database():
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 — any failure is the answer
        return Check(FAIL, critical=True, detail={"error": _error(exc)})
    return Check(OK, critical=True, detail={"vendor": connection.vendor, "ms": _elapsed_ms(started)})


@functools.lru_cache(maxsize=4)
def _redis_client(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


def check_redis():
    if not settings.REDIS_URL:
        return Check(OFF, detail={"note": "not configured: local-memory cache, in-memory channel layer"})
    started = time.perf_counter()
    try:
        _redis_client(settings.REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001
        return Check(FAIL, detail={"error": _error(exc)})
    return Check(OK, detail={"ms": _elapsed_ms(started)})


async def _layer_round_trip():
    layer = get_channel_layer()
    # A plain (not process-specific "!") channel: channels_redis reads it with one BRPOP on
    # whatever event loop asks, where a "!" channel needs this process's receive loop.
    channel = f"ops.health.{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "ops.health", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), LAYER_TIMEOUT_SECONDS)
    return message.get("token") == token, type(layer).__name__


def check_channel_layer():
    started = time.perf_counter()
    try:
        came_back, backend = async_to_sync(_layer_round_trip)()
    except TimeoutError:
        return Check(FAIL, detail={"error": f"no answer within {LAYER_TIMEOUT_SECONDS} s"})
    except Exception as exc:  # noqa: BLE001
        return Check(FAIL, detail={"error": _error(exc)})
    if not came_back:
        return Check(FAIL, detail={"error": "a different message came back"})
    return Check(OK, detail={"backend": backend, "ms": _elapsed_ms(started)})


def _heartbeat_age(key, now):
    beat = cache.get(key)
    if not beat:
        return None, None
    return round((now - datetime.fromisoformat(beat["at"])).total_seconds(), 1), beat


def check_worker(now):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check(EMBEDDED, detail={"note": "tasks run eagerly in the calling process"})
    return _heartbeat_check(WORKER_HEARTBEAT_KEY, now, missing="no heartbeat from a Celery worker yet")


def check_beat(now):
    return _heartbeat_check(BEAT_HEARTBEAT_KEY, now, missing="no periodic run seen yet")


def _heartbeat_check(key, now, *, missing):
    try:
        age, beat = _heartbeat_age(key, now)
    except Exception as exc:  # noqa: BLE001 — the cache (Redis) is down: we cannot tell
        return Check(WARN, detail={"error": _error(exc)})
    if age is None:
        return Check(WARN, detail={"note": missing})
    status = OK if age <= settings.OPS_HEARTBEAT_STALE_SECONDS else WARN
    return Check(status, detail={"age_seconds": age, "last": beat["at"], "by": beat.get("by", "")})


def check_outboxes(now):
    try:
        states = outboxes.states(now=now)
    except Exception as exc:  # noqa: BLE001
        return Check(WARN, detail={"error": _error(exc)})
    late = [name for name, s in states.items() if (s.oldest_age_seconds or 0) > settings.OPS_OUTBOX_WARN_SECONDS]
    detail = {name: {"backlog": s.backlog, "oldest_age_seconds": s.oldest_age_seconds} for name, s in states.items()}
    return Check(WARN if late else OK, detail={"outboxes": detail, "late": late})


def run_checks():
    now = timezone.now()
    database = check_database()
    checks = {
        "database": database,
        "redis": check_redis(),
        "channel_layer": check_channel_layer(),
        "worker": check_worker(now),
        "beat": check_beat(now),
        # Without the database there is no outbox to count; say so rather than a second error.
        "outbox": check_outboxes(now) if database.status == OK else Check(WARN, detail={"note": "database unavailable"}),
    }
    if any(c.critical and c.status == FAIL for c in checks.values()):
        overall = FAIL
    elif all(c.status in HEALTHY for c in checks.values()):
        overall = OK
    else:
        overall = "degraded"
    return Report(status=overall, checks=checks, at=now)


def record_heartbeat(key, *, by, now=None):
    moment = now or timezone.now()
    # Kept well past the stale limit, so that "stale for 10 minutes" can be told from "never".
    cache.set(key, {"at": moment.isoformat(), "by": by}, timeout=max(settings.OPS_HEARTBEAT_STALE_SECONDS * 20, 3600))
