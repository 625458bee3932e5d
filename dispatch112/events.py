"""Writing events and pushing them to the consoles.

`record()` writes the Event row inside the caller's transaction and schedules the push with
`transaction.on_commit`, so a rolled-back change is never pushed. The channel layer only rings the
doorbell; the Event table is the truth a console resumes from.
"""

import contextvars
import json
import logging
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from dispatch112 import clock, publisher
from dispatch112.models import Event

logger = logging.getLogger(__name__)

CONSOLE_GROUP = "console"
AUDIENCE_CONSOLE = "console"
AUDIENCE_INCIDENT = "incident"


_muted = contextvars.ContextVar("dispatch112_events_muted", default=False)
_held = contextvars.ContextVar("dispatch112_events_held", default=None)


@contextmanager
def muted():
    """Record events without pushing them: for back-filling history that no console is watching
    live (consoles load it fresh, and resume still finds it in the table)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@contextmanager
def written_together():
    """Record the block's events with one INSERT when it ends (in their order, ids ascending), not
    one each: a service that writes several events in one transaction (call_log: the incident and
    the call) saves the round trips. Inside the block record() returns the unsaved event."""
    if _held.get() is not None:  # already inside such a block: its end writes these too
        yield
        return
    held = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    # Only reached without an exception: a failed block's transaction is rolled back anyway.
    Event.objects.bulk_create([event for event, _agency_ids in held])
    for event, agency_ids in held:
        _schedule_push(event, agency_ids)


def agency_group(agency_id):
    return f"agency-{agency_id}"


def agency_audience(agency_id):
    return agency_group(agency_id)


def record(*, kind, audience, incident=None, actor=None, payload=None, at=None, agency_ids=None):
    """Write one event and publish it after the commit. `agency_ids`: the agencies assigned to the
    incident when the caller knows them already (a new incident has none), else they are read."""
    event = Event(kind=kind, audience=audience, incident=incident, actor=actor, payload=payload or {}, created_at=at or clock.now())
    held = _held.get()
    if held is not None:
        held.append((event, agency_ids))
        return event
    event.save(force_insert=True)
    _schedule_push(event, agency_ids)
    return event


def _schedule_push(event, agency_ids):
    if not _muted.get():
        groups = groups_for(event, agency_ids)
        transaction.on_commit(lambda: publish(event, groups))


def groups_for(event, agency_ids=None):
    """The channel-layer groups an event goes to, decided when it is written."""
    groups = [CONSOLE_GROUP]
    if event.audience.startswith("agency-"):
        groups.append(event.audience)
    elif event.audience == AUDIENCE_INCIDENT and event.incident_id:
        if agency_ids is None:
            from incidents.models import Assignment  # incidents depends on the core, not the reverse

            agency_ids = Assignment.objects.filter(incident_id=event.incident_id).values_list("agency_id", flat=True)
        groups.extend(agency_group(a) for a in sorted(set(agency_ids)))
    return groups


def message_for(event, committed_at=None):
    message = {
        "type": "event.push",
        "id": event.id,
        "kind": event.kind,
        "incident": event.incident_id,
        "actor": event.payload.get("actor_name"),
        "at": event.created_at.isoformat(),
        # When the push left (right after the commit): how late a console hears of a change is
        # measured from here. Real time, not dispatch112.clock. Only on pushes, not on replays.
        "committed_at": (committed_at or timezone.now()).isoformat(),
        "data": event.payload,
    }
    # Serialised once here, not once per console: at 500 consoles the per-socket json.dumps was
    # most of the web process's CPU.
    message["text"] = json.dumps({**message, "type": "event"}, default=str, separators=(",", ":"))
    return message


def publish(event, groups):
    try:
        publisher.submit(groups, message_for(event))
    except Exception:  # noqa: BLE001 — a push failure must never fail the change; consoles resume from the table
        logger.exception("event %s could not be pushed; consoles will replay it on resume", event.id)
