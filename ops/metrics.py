"""Prometheus metrics, in the text format at /metrics.

Two kinds:
- counted by this process (prometheus_client): HTTP requests and their latency, consoles connected
  by WebSocket, events sent to consoles. Each daphne process is its own scrape target (Prometheus
  labels them by instance; sum over instances). Several processes on one host may share one
  exposition instead: set PROMETHEUS_MULTIPROC_DIR to a directory emptied whenever they all start
  (prometheus_client keeps a dead process's gauge files until then).
- read from the database when scraped (the same from every process): outbox backlog, overdue
  assignments, calls and incidents. Cached for METRICS_DB_CACHE_SECONDS, so scrapers of several
  processes cost one set of queries.
"""

import os
import threading
import time

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ops import outboxes

HTTP_REQUESTS = Counter(
    "dispatch112_http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "dispatch112_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSOLES_CONNECTED = Gauge(
    "dispatch112_consoles_connected", "Console WebSockets open on this process.", multiprocess_mode="livesum"
)
CONSOLE_CONNECTIONS = Counter("dispatch112_console_connections", "Console WebSockets accepted (refused ones never open).")
EVENTS_SENT = Counter("dispatch112_console_events_sent", "Timeline events sent to consoles (one per console).")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(*, view, method, status, seconds):
    method = method if method in _METHODS else "OTHER"
    HTTP_REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    HTTP_LATENCY.labels(view=view).observe(seconds)


class WebsocketMetrics:
    """ASGI middleware around the WebSocket routes: counts accepted sockets and the events sent on
    them, from the ASGI messages themselves, so the consumer stays unaware of metrics."""

    # Every event frame starts so (events.message_for and the consumer's send_json put "type" first).
    EVENT_PREFIX = '{"type":"event","id":'
    BATCH_PREFIX = '{"type":"events",'  # several events in one frame (dispatch112.fanout)

    def __init__(self, inner):
        self.inner = inner
        # The hub sends one frame text to many consoles: count its events once, not per console.
        self._last_batch = (None, 0)

    def _events_in(self, text):
        last_text, count = self._last_batch
        if text is not last_text:
            count = text.count(self.EVENT_PREFIX)
            self._last_batch = (text, count)
        return count

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            kind = message["type"]
            if kind == "websocket.send":
                text = message.get("text")
                if text is not None and text.startswith(self.BATCH_PREFIX):
                    EVENTS_SENT.inc(self._events_in(text))
                elif text is not None and text.startswith(self.EVENT_PREFIX):
                    EVENTS_SENT.inc()
            elif kind == "websocket.accept" and not accepted:
                accepted = True
                CONSOLES_CONNECTED.inc()
                CONSOLE_CONNECTIONS.inc()
            await send(message)

        try:
            return await self.inner(scope, receive, counting_send)
        finally:
            if accepted:
                CONSOLES_CONNECTED.dec()


class DatabaseCollector:
    """What the database knows, read at scrape time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached_at = None
        self._families = []

    def collect(self):
        ttl = settings.METRICS_DB_CACHE_SECONDS
        with self._lock:
            if self._cached_at is None or time.monotonic() - self._cached_at >= ttl:
                self._families = list(self._read())
                self._cached_at = time.monotonic()
            return list(self._families)

    def forget(self):
        with self._lock:
            self._cached_at = None

    def _read(self):
        from incidents.models import ACTIVE_STATUSES, Call, CallOutcome, Incident
        from incidents.selectors import overdue_assignments

        now = timezone.now()
        backlog = GaugeMetricFamily("dispatch112_outbox_backlog", "Messages waiting in an outbox (queued or being sent).", labels=["outbox"])
        oldest = GaugeMetricFamily(
            "dispatch112_outbox_oldest_age_seconds", "Age of the oldest message waiting in an outbox (0: none).", labels=["outbox"]
        )
        for name, state in outboxes.states(now=now).items():
            backlog.add_metric([name], state.backlog)
            oldest.add_metric([name], state.oldest_age_seconds or 0)
        yield backlog
        yield oldest

        yield GaugeMetricFamily(
            "dispatch112_assignments_overdue",
            "Agency assignments not acknowledged within their priority's target.",
            value=overdue_assignments(now=now).count(),
        )

        calls = CounterMetricFamily("dispatch112_calls", "Calls logged, by outcome.", labels=["outcome"])
        counted = dict(Call.objects.order_by().values_list("outcome").annotate(n=Count("id")))
        for outcome in CallOutcome.values:
            calls.add_metric([outcome], counted.get(outcome, 0))
        yield calls

        yield CounterMetricFamily("dispatch112_incidents_created", "Incidents created.", value=Incident.objects.count())
        active = GaugeMetricFamily("dispatch112_incidents_active", "Incidents not yet resolved, by status.", labels=["status"])
        counted = dict(Incident.objects.order_by().filter(status__in=ACTIVE_STATUSES).values_list("status").annotate(n=Count("id")))
        for status in ACTIVE_STATUSES:
            active.add_metric([str(status)], counted.get(status, 0))
        yield active


DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
database_collector = DatabaseCollector()
DATABASE_REGISTRY.register(database_collector)


def process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition():
    """The text exposition: this process's (or this host's) counters, then the database's."""
    return generate_latest(process_registry()) + generate_latest(DATABASE_REGISTRY)
