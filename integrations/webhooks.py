"""POSTing an EIDO document to an agency's system, signed so that it can tell us from anyone else.

Headers on every request (documented in README):
  X-Dispatch112-Timestamp: <unix seconds>
  X-Dispatch112-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
  Idempotency-Key: <one per incident version: a retry carries the same key>
The receiver recomputes the HMAC over the raw body and refuses a timestamp older than a few
minutes (a replayed request).
"""

import hashlib
import hmac
import json

from django.conf import settings

from dispatch112 import clock
from dispatch112.outbox import http_post

TIMESTAMP_HEADER = "X-Dispatch112-Timestamp"
SIGNATURE_HEADER = "X-Dispatch112-Signature"


def signature(secret, timestamp, body):
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret, timestamp, body, header, *, now=None, tolerance_seconds=300):
    """What a receiver does (used by the tests' peer, and a model for agencies' code)."""
    now = int(now if now is not None else clock.now().timestamp())
    if not str(timestamp).isdigit() or abs(now - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def build_request(delivery):
    body = json.dumps(delivery.document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Dispatch112-eido/1",
        "Idempotency-Key": delivery.key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(delivery.webhook.secret, timestamp, body),
    }
    return body, headers


def post_delivery(delivery):
    """One attempt; returns the agency's status code or raises a dispatch112.outbox SendError."""
    body, headers = build_request(delivery)
    status, _answer = http_post(delivery.webhook.url, body, headers, timeout=settings.EIDO_WEBHOOK_TIMEOUT_SECONDS, peer="agency system")
    return status
