"""What every outbox shares (the volunteers' messages, the agencies' webhooks): POSTing to a peer
with its failures sorted into "try again later" and "this will never work", and the backoff.

An outbox row is written in the same transaction as the change it announces; a task sends it
right after commit and a periodic sweep sends whatever is due, so nothing is lost while the
worker, the broker or the peer is down. `send_once` is the claim → call → settle cycle for a row
with the fields status, attempts, next_attempt_at, claimed_until, last_error, sent_at, failed_at.
"""

import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch112 import clock

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024
# Statuses that mean "not now" rather than "not this request".
TRANSIENT_STATUSES = {408, 425, 429}


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    # Claimed by one sender until `claimed_until`; a sender that died leaves it to be picked up again.
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


QUEUED, SENDING, SENT, FAILED = OutboxStatus.values


class OutboxQuerySet(models.QuerySet):
    def due(self, now):
        """Queued and due, or claimed by a sender that has not finished in time (it died)."""
        return self.filter(Q(status=QUEUED, next_attempt_at__lte=now) | Q(status=SENDING, claimed_until__lte=now))


class OutboxRow(models.Model):
    """The fields every outbox row has (send_once works on them)."""

    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        abstract = True


class SendError(Exception):
    def __init__(self, message, *, retry_after=None, status=None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class TransientSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


def retry_delay(attempts, *, base, cap, retry_after=None):
    """Seconds before the next attempt: base · 2^(attempts-1), capped; at least what the peer asked."""
    delay = min(base * 2 ** max(attempts - 1, 0), cap)
    if retry_after:
        delay = max(delay, min(int(retry_after), cap))
    return delay


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET without the body: the request would be lost while
    # the peer answered 200. A redirect is a configuration error instead.
    def __init__(self, peer):
        self.peer = peer

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise PermanentSendError(f"the {self.peer} redirected (HTTP {code}) to {newurl}; configure its final address", status=code)


def _opener(url, peer):
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers = [_NoRedirects(peer)]
    if host in ("127.0.0.1", "localhost", "::1"):
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def snippet(raw):
    return " ".join(raw.decode("utf-8", "replace").split())[:200]


def _retry_after(headers):
    value = (headers or {}).get("Retry-After", "") if headers is not None else ""
    return int(value) if str(value).strip().isdigit() else None


def http_post(url, body, headers, *, timeout, peer="peer"):
    """POST body; returns (status, the first 64 KiB of the answer). Raises TransientSendError for
    what may work later (5xx, 408/425/429, timeouts, refused connections), PermanentSendError
    for a refusal of this request (other 4xx, redirects)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener(url, peer).open(request, timeout=timeout) as response:
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as error:
        detail = snippet(error.read(2048) if error.fp else b"")
        text = f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")
        if error.code >= 500 or error.code in TRANSIENT_STATUSES:
            raise TransientSendError(text, retry_after=_retry_after(error.headers), status=error.code) from None
        raise PermanentSendError(text, status=error.code) from None
    except (TimeoutError, socket.timeout):
        raise TransientSendError(f"no answer within {timeout} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise TransientSendError(f"no answer within {timeout} s") from None
        raise TransientSendError(f"cannot reach the {peer}: {reason}") from None
    except (ConnectionError, OSError) as error:
        raise TransientSendError(f"cannot reach the {peer}: {error}") from None


def send_once(model, pk, *, send, max_attempts, base, cap, claim_seconds, on_settled=None):
    """Try one outbox row once, if it is due; returns the row as it is afterwards.

    The peer is called outside any transaction (no lock is held while waiting on the network);
    the row is claimed first ("sending" until a deadline), so the task and the sweep never send
    it both, and a sender that dies leaves the claim to run out. `send(row)` returns the peer's
    status code or raises a SendError; `on_settled(row, outcome)` runs in the settling transaction.
    """
    now = clock.now()
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        if row.status in (SENT, FAILED):
            return row
        if row.status == QUEUED and row.next_attempt_at > now:
            return row
        if row.status == SENDING and row.claimed_until and row.claimed_until > now:
            return row
        row.status = SENDING
        row.attempts += 1
        row.claimed_until = now + timedelta(seconds=claim_seconds)
        row.save(update_fields=["status", "attempts", "claimed_until"])
        attempt = row.attempts

    retry_after, status = None, None
    try:
        status = send(row)
        outcome, error = SENT, ""
    except PermanentSendError as failure:
        outcome, error, status = FAILED, str(failure), failure.status
    except TransientSendError as failure:
        outcome, error, retry_after, status = QUEUED, str(failure), failure.retry_after, failure.status
    except Exception as failure:  # noqa: BLE001 — a broken adapter must not lose the row
        logger.exception("outbox %s %s: the send failed", model.__name__, pk)
        outcome, error = QUEUED, f"{type(failure).__name__}: {failure}"

    finished = clock.now()
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        if row.status != SENDING or row.attempts != attempt:
            return row  # our claim ran out and another sender took over
        row.claimed_until = None
        row.last_error = error[:500]
        if hasattr(row, "response_status"):
            row.response_status = status
        if outcome == QUEUED and row.attempts >= max_attempts:
            outcome, row.last_error = FAILED, f"gave up after {row.attempts} attempts: {error}"[:500]
        row.status = outcome
        if outcome == SENT:
            row.sent_at = finished
        elif outcome == FAILED:
            row.failed_at = finished
        else:
            row.next_attempt_at = finished + timedelta(seconds=retry_delay(row.attempts, base=base, cap=cap, retry_after=retry_after))
        row.save()
        if on_settled is not None:
            on_settled(row, outcome)
    return row
