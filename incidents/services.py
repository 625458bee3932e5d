"""Writes: one function per transition. Each is one transaction that locks the incident, checks
the transition, writes the timestamps, writes the timeline Event and publishes it on commit."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch112 import clock, events
from dispatch112.errors import StaleVersion, TransitionNotAllowed
from dispatch112.region import current_region
from dispatch112.text import clean_text
from incidents.models import (
    ASSIGNMENT_STAMPS,
    ASSIGNMENT_TRANSITIONS,
    INCIDENT_ACTIONS,
    MAX_SHORT_TEXT,
    MAX_TEXT,
    NO_INCIDENT_OUTCOMES,
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Call,
    CallOutcome,
    DailySequence,
    Incident,
    IncidentStatus,
)
from incidents.phone import mask_phone, normalise_phone
from incidents.selectors import kelurahan_for_point, nearest_post
from incidents.snapshots import assignment_snapshot, incident_snapshot, known_without_assignments
from reports import facts as report_facts
from shifts.selectors import active_shift_types, shift_stamp


@dataclass
class IncidentInput:
    """What an operator tells about a new incident."""

    category: object
    priority: int | None = None
    kelurahan: object = None
    address: str = ""
    landmark: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    description: str = ""


# --- helpers --------------------------------------------------------------------------------------


def _lock(incident):
    # of=("self",): PostgreSQL cannot lock the nullable side of an outer join (kelurahan may be empty).
    return Incident.objects.select_for_update(of=("self",)).select_related("category", "kelurahan__kecamatan").get(pk=incident.pk)


def _check_action(incident, action):
    if incident.status not in INCIDENT_ACTIONS[action]:
        raise TransitionNotAllowed(
            _("Cannot %(action)s an incident that is %(status)s.")
            % {"action": _action_label(action), "status": IncidentStatus(incident.status).label},
            current=incident,
        )


def _action_label(action):
    return {
        "dispatch": _("dispatch"),
        "update": _("edit"),
        "resolve": _("resolve"),
        "close": _("close"),
        "cancel": _("cancel"),
        "reopen": _("reopen"),
        "link_call": _("link a call to"),
        "note": _("add a note to"),
    }[action]


def _check_version(incident, version):
    if version is not None and int(version) != incident.version:
        raise StaleVersion(
            _("This incident was changed by someone else (version %(current)d, you had %(yours)d). Reload and try again.")
            % {"current": incident.version, "yours": int(version)},
            current=incident,
        )


def _save(incident, *fields):
    """Write the incident's changed fields and a new version. Every service calls this after it
    changed the incident, its calls or its assignments (incident_create excepted, which refreshes
    itself): the report facts (reports/models.py) are rewritten here, in the same transaction."""
    incident.version += 1
    incident.save(update_fields=[*fields, "version", "updated_at"])
    report_facts.refresh([incident])


def _event(kind, *, incident, by, audience=events.AUDIENCE_INCIDENT, at=None, agency_ids=None, **extra):
    payload = {"incident": incident_snapshot(incident), "actor_name": str(by) if by else None, **extra}
    return events.record(kind=kind, audience=audience, incident=incident, actor=by, payload=payload, at=at, agency_ids=agency_ids)


def _derive_status(incident):
    """The status that the assignments imply, for an incident that is not finished."""
    statuses = [a.status for a in incident.assignments.all() if a.status != AssignmentStatus.DECLINED]
    if not statuses:
        return IncidentStatus.NEW
    if any(s in (AssignmentStatus.ON_SCENE, AssignmentStatus.COMPLETED) for s in statuses):
        return IncidentStatus.ON_SCENE
    if AssignmentStatus.EN_ROUTE in statuses:
        return IncidentStatus.EN_ROUTE
    if AssignmentStatus.ACKNOWLEDGED in statuses:
        return IncidentStatus.ACKNOWLEDGED
    return IncidentStatus.DISPATCHED


def _apply_derived_status(incident, *, by, now):
    """After an assignment changed: move an active incident to the status its assignments imply,
    and tell every assigned agency (one incident-wide event), so each agency's console holds the
    same snapshot even when the status itself did not change."""
    if not incident.is_active:
        return
    new_status = _derive_status(incident)
    previous = incident.status
    if new_status != previous:
        incident.status = new_status
        _save(incident, "status")
        _event("incident.status_changed", incident=incident, by=by, at=now, previous_status=previous, status=new_status)
    else:
        _event("incident.assignments_changed", incident=incident, by=by, at=now)


def _validate_location(*, latitude, longitude, kelurahan, region=None):
    if (latitude is None) != (longitude is None):
        field = "longitude" if latitude is not None else "latitude"
        raise ValidationError({field: _("Give both latitude and longitude, or neither.")})
    region = region or current_region()
    if latitude is not None and not region.contains(latitude, longitude):
        raise ValidationError(
            {"latitude": _("The point %(lat)s, %(lon)s is outside %(region)s.") % {"lat": latitude, "lon": longitude, "region": region.name}}
        )
    if kelurahan is not None and kelurahan.kecamatan.region.code != region.code:
        raise ValidationError({"kelurahan": _("%(name)s is not in %(region)s.") % {"name": kelurahan.name, "region": region.name}})


# An incident is inserted under a unique placeholder and numbered just before its transaction
# commits (_number_incident): the day's counter is one row that every intake locks until it
# commits, so the fewer statements come after it, the more calls per second the centre can log
# (bench/load.py). The placeholder is never committed.
PENDING_REFERENCE = "pending-"


def _number_incident(incident, at, *, region=None):
    prefix = _reference_prefix(at, region)
    if connection.vendor == "postgresql":
        # The day's counter and the incident's reference in one statement (one round trip fewer
        # while the counter's row is locked); nothing when the day has no counter yet.
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH n AS (UPDATE {DailySequence._meta.db_table} SET value = value + 1 WHERE prefix = %s RETURNING value::text AS v) "
                f"UPDATE {Incident._meta.db_table} SET reference = %s || '-' || lpad(n.v, greatest(4, length(n.v)), '0') "
                f"FROM n WHERE {Incident._meta.db_table}.id = %s RETURNING reference",
                [prefix, prefix, incident.pk],
            )
            row = cursor.fetchone()
        if row:
            incident.reference = row[0]
            return
    incident.reference = _next_reference(prefix)
    Incident.objects.filter(pk=incident.pk).update(reference=incident.reference)


def _reference_prefix(at, region=None):
    local_day = timezone.localtime(at).strftime("%Y%m%d")
    return f"112-{(region or current_region()).short}-{local_day}"


def _next_reference(prefix):
    value = _bump(prefix)
    if value is None:
        try:
            with transaction.atomic():
                DailySequence.objects.create(prefix=prefix, value=1)
                value = 1
        except IntegrityError:
            # Another intake created today's counter first; wait for its lock and go on from it.
            value = _bump(prefix)
    return f"{prefix}-{value:04d}"


def _update_returns():
    """Whether UPDATE … RETURNING is there: PostgreSQL, SQLite from 3.35."""
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return True


def _bump(prefix):
    """The day's counter plus one, in one statement (it holds the row's lock until commit); None
    when the day has no counter yet."""
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        if _update_returns():
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE prefix = %s RETURNING value", [prefix])
            row = cursor.fetchone()
        else:
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE prefix = %s", [prefix])
            if not cursor.rowcount:
                return None
            cursor.execute(f"SELECT value FROM {table} WHERE prefix = %s", [prefix])
            row = cursor.fetchone()
    return row[0] if row else None


# --- calls ----------------------------------------------------------------------------------------


@transaction.atomic
def call_log(
    *,
    by,
    outcome,
    caller_number="",
    caller_name="",
    line="",
    received_at=None,
    answered_at=None,
    location_text="",
    notes="",
    new_incident=None,
    link_to=None,
):
    """Log one call. An emergency creates an incident (new_incident) or joins one (link_to);
    prank, silent, info and test calls are closed as calls."""
    now = clock.now()
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Unknown outcome “%(value)s”.") % {"value": outcome}})
    if outcome in NO_INCIDENT_OUTCOMES and (new_incident or link_to):
        raise ValidationError({"outcome": _("A %(outcome)s call does not create or join an incident.") % {"outcome": CallOutcome(outcome).label}})
    if outcome == CallOutcome.DUPLICATE and not link_to:
        raise ValidationError({"incident": _("Choose the incident this call is about.")})
    if outcome == CallOutcome.EMERGENCY and not (new_incident or link_to):
        raise ValidationError({"incident": _("An emergency call needs a new incident or an incident to join.")})
    if new_incident and link_to:
        raise ValidationError({"incident": _("Either create a new incident or join an existing one, not both.")})
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ValidationError({"received_at": _("Cannot be in the future.")})
    if link_to and outcome == CallOutcome.EMERGENCY:
        outcome = CallOutcome.DUPLICATE  # a further call about an incident already open
    shift_types = active_shift_types()  # read once for the call and its incident
    call = Call(
        caller_number=normalise_phone(caller_number),
        caller_name=clean_text(caller_name, field="caller_name", max_length=120),
        line=clean_text(line, field="line", max_length=40),
        received_at=received_at,
        answered_at=answered_at or now,
        ended_at=now,
        operator=by,
        outcome=outcome,
        location_text=clean_text(location_text, field="location_text", max_length=MAX_SHORT_TEXT),
        notes=clean_text(notes, field="notes", max_length=MAX_TEXT),
        **shift_stamp(received_at, shift_types=shift_types),
    )
    with events.written_together():
        if new_incident:
            incident_create(by=by, call=call, data=new_incident, at=now, shift_types=shift_types)  # inserts and counts the call
        else:
            call.save(force_insert=True)
            report_facts.count_call(call)
            if link_to:
                call_link(call=call, incident=link_to, by=by)
        events.record(
            kind="call.logged",
            audience=events.AUDIENCE_CONSOLE,
            incident=call.incident,
            actor=by,
            at=now,
            payload={"call": call_snapshot(call), "actor_name": str(by)},
        )
    return call


def call_snapshot(call):
    return {
        "id": call.pk,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "outcome": call.outcome,
        "received_at": call.received_at.isoformat(),
        "incident": call.incident_id,
        "operator": str(call.operator) if call.operator_id else None,
    }


@transaction.atomic(savepoint=False)  # inside call_log: its failure fails the call's transaction too
def incident_create(*, by, call, data, at=None, shift_types=None):
    """The incident a new emergency call opens. `call`: that call, not saved yet (call_log): it is
    inserted (and counted) with its incident, not inserted and then updated."""
    now = at or clock.now()
    category = data.category
    if category is None or not category.active:
        raise ValidationError({"category": _("Choose an active category.")})
    priority = data.priority or category.default_priority
    if priority not in (1, 2, 3, 4):
        raise ValidationError({"priority": _("Priority must be 1 to 4.")})
    region = current_region()
    _validate_location(latitude=data.latitude, longitude=data.longitude, kelurahan=data.kelurahan, region=region)
    kelurahan = data.kelurahan
    if kelurahan is None and data.latitude is not None:
        kelurahan = kelurahan_for_point(data.latitude, data.longitude, region=region)
    incident = Incident.objects.create(
        reference=f"{PENDING_REFERENCE}{uuid.uuid4().hex}",
        category=category,
        priority=priority,
        kelurahan=kelurahan,
        address=clean_text(data.address, field="address", max_length=MAX_SHORT_TEXT),
        landmark=clean_text(data.landmark, field="landmark", max_length=MAX_SHORT_TEXT),
        latitude=data.latitude,
        longitude=data.longitude,
        description=clean_text(data.description, field="description", max_length=MAX_TEXT),
        call_count=1,
        created_at=now,
        created_by=by,
        **shift_stamp(now, shift_types=shift_types),
    )
    call.incident = incident
    call.save(force_insert=True)
    # Counted and its facts written before the day's counter is locked (_number_incident).
    report_facts.count_call(call)
    report_facts.refresh_new(incident, call)
    _number_incident(incident, now, region=region)
    with known_without_assignments(incident):
        _event("incident.created", incident=incident, by=by, at=now, agency_ids=(), call={"id": call.pk, "caller_masked": mask_phone(call.caller_number)})
    return incident


@transaction.atomic
def call_link(*, call, incident, by):
    """Attach a further call to an open incident: one more call about the same event."""
    incident = _lock(incident)
    _check_action(incident, "link_call")
    if call.incident_id == incident.pk:
        return incident
    if call.incident_id is not None:
        raise ValidationError({"call": _("This call already belongs to incident %(ref)s.") % {"ref": call.incident.reference}})
    call.incident = incident
    call.save(update_fields=["incident"])
    incident.call_count += 1
    _save(incident, "call_count")
    _event(
        "incident.call_linked",
        incident=incident,
        by=by,
        call={"id": call.pk, "caller_masked": mask_phone(call.caller_number)},
    )
    return incident


# --- incident edits -------------------------------------------------------------------------------

EDITABLE_FIELDS = ("category", "priority", "kelurahan", "address", "landmark", "latitude", "longitude", "description")


@transaction.atomic
def incident_update(*, incident, by, version, changes):
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "update")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    limits = {"address": MAX_SHORT_TEXT, "landmark": MAX_SHORT_TEXT, "description": MAX_TEXT}
    for field, limit in limits.items():
        if field in changes:
            changes[field] = clean_text(changes[field], field=field, max_length=limit)
    if "category" in changes and (changes["category"] is None or not changes["category"].active):
        raise ValidationError({"category": _("Choose an active category.")})
    if "priority" in changes and changes["priority"] not in (1, 2, 3, 4):
        raise ValidationError({"priority": _("Priority must be 1 to 4.")})
    latitude = changes.get("latitude", incident.latitude)
    longitude = changes.get("longitude", incident.longitude)
    _validate_location(latitude=latitude, longitude=longitude, kelurahan=changes.get("kelurahan", incident.kelurahan))
    before, after = {}, {}
    for field, value in changes.items():
        old = getattr(incident, field)
        if old != value:
            before[field], after[field] = _plain(old), _plain(value)
            setattr(incident, field, value)
    if not after:
        return incident
    _save(incident, *after.keys())
    _event("incident.updated", incident=incident, by=by, before=before, after=after)
    return incident


def _plain(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def incident_add_note(*, incident, by, text):
    incident = _lock(incident)
    _check_action(incident, "note")
    text = clean_text(text, field="text", max_length=MAX_TEXT, required=True)
    _event("incident.note", incident=incident, by=by, text=text)
    return incident


# --- dispatch and assignments ---------------------------------------------------------------------


@transaction.atomic
def incident_dispatch(*, incident, agencies, by, posts=None, version=None):
    """Send the incident to one or more agencies: one assignment each, with the nearest post."""
    now = clock.now()
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "dispatch")
    if not agencies:
        raise ValidationError({"agencies": _("Choose at least one agency.")})
    posts = posts or {}
    if len({agency.pk for agency in agencies}) != len(agencies):
        raise ValidationError({"agencies": _("Each agency can be chosen only once.")})
    already = set(incident.assignments.values_list("agency_id", flat=True))
    for agency in agencies:
        if not agency.active:
            raise ValidationError({"agencies": _("%(agency)s is not active.") % {"agency": agency.name}})
        if agency.pk in already:
            raise ValidationError({"agencies": _("%(agency)s is already assigned to this incident.") % {"agency": agency.name}})
        post = posts.get(agency.pk)
        if post is not None and post.agency_id != agency.pk:
            raise ValidationError({"posts": _("%(post)s is not a post of %(agency)s.") % {"post": post.name, "agency": agency.name}})
    created = []
    for agency in agencies:
        post = posts.get(agency.pk)
        distance = None
        if post is None:
            post, distance = nearest_post(agency=agency, latitude=incident.latitude, longitude=incident.longitude)
        assignment = Assignment.objects.create(incident=incident, agency=agency, post=post, notified_at=now, notified_by=by)
        created.append((assignment, distance))
    if incident.dispatched_at is None:
        incident.dispatched_at = now
        _save(incident, "dispatched_at")
    else:
        _save(incident)  # new assignments: a new version of the snapshot
    for assignment, distance in created:
        _event(
            "assignment.created",
            incident=incident,
            by=by,
            at=now,
            audience=events.agency_audience(assignment.agency_id),
            assignment=assignment_snapshot(assignment),
            post_distance_m=round(distance) if distance is not None else None,
        )
    _apply_derived_status(incident, by=by, now=now)
    return [a for a, _ in created]


@transaction.atomic
def assignment_transition(*, assignment, to, by, reason=""):
    now = clock.now()
    if to not in AssignmentStatus.values:
        raise ValidationError({"status": _("Unknown assignment status “%(value)s”.") % {"value": to}})
    to = AssignmentStatus(to)
    incident = _lock(assignment.incident)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("agency", "post").get(pk=assignment.pk)
    if not incident.is_active:
        raise TransitionNotAllowed(
            _("The incident is %(status)s; its assignments can no longer change.") % {"status": IncidentStatus(incident.status).label},
            current=incident,
        )
    if to not in ASSIGNMENT_TRANSITIONS[AssignmentStatus(assignment.status)]:
        raise TransitionNotAllowed(
            _("%(agency)s is %(from)s; it cannot become %(to)s.")
            % {"agency": assignment.agency.name, "from": AssignmentStatus(assignment.status).label, "to": AssignmentStatus(to).label},
            current=incident,
        )
    if to == AssignmentStatus.DECLINED:
        assignment.decline_reason = clean_text(reason, field="reason", max_length=MAX_SHORT_TEXT, required=True)
    at_field, by_field = ASSIGNMENT_STAMPS[to]
    setattr(assignment, at_field, now)
    setattr(assignment, by_field, by)
    assignment.status = to
    assignment.save()
    stamped = []
    if to == AssignmentStatus.ACKNOWLEDGED and incident.first_acknowledged_at is None:
        incident.first_acknowledged_at = now
        stamped.append("first_acknowledged_at")
    if to == AssignmentStatus.ON_SCENE and incident.first_on_scene_at is None:
        incident.first_on_scene_at = now
        stamped.append("first_on_scene_at")
    _save(incident, *stamped)
    _event(
        f"assignment.{to}",
        incident=incident,
        by=by,
        at=now,
        audience=events.agency_audience(assignment.agency_id),
        assignment=assignment_snapshot(assignment),
    )
    _apply_derived_status(incident, by=by, now=now)
    return assignment


def assignment_acknowledge(*, assignment, by):
    return assignment_transition(assignment=assignment, to=AssignmentStatus.ACKNOWLEDGED, by=by)


def assignment_decline(*, assignment, by, reason):
    return assignment_transition(assignment=assignment, to=AssignmentStatus.DECLINED, by=by, reason=reason)


# --- the end of an incident -----------------------------------------------------------------------


@transaction.atomic
def incident_resolve(*, incident, by, version=None, note=""):
    now = clock.now()
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "resolve")
    still_open = [a for a in incident.assignments.select_related("agency") if a.status in OPEN_ASSIGNMENT_STATUSES]
    if still_open:
        raise TransitionNotAllowed(
            _("Assignments are still open: %(list)s. Complete or decline them first.")
            % {"list": ", ".join(f"{a.agency.name} ({AssignmentStatus(a.status).label})" for a in still_open)},
            current=incident,
        )
    note = clean_text(note, field="note", max_length=MAX_TEXT)
    previous = incident.status
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    _save(incident, "status", "resolved_at")
    _event("incident.resolved", incident=incident, by=by, at=now, previous_status=previous, note=note)
    return incident


@transaction.atomic
def incident_close(*, incident, by, note, version=None):
    now = clock.now()
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "close")
    note = clean_text(note, field="closing_note", max_length=MAX_TEXT, required=True)
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = now
    incident.closing_note = note
    _save(incident, "status", "closed_at", "closing_note")
    _event("incident.closed", incident=incident, by=by, at=now, note=note)
    return incident


@transaction.atomic
def incident_cancel(*, incident, by, reason, version=None):
    now = clock.now()
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "cancel")
    reason = clean_text(reason, field="reason", max_length=MAX_SHORT_TEXT, required=True)
    previous = incident.status
    incident.status = IncidentStatus.CANCELLED
    incident.cancelled_at = now
    incident.cancel_reason = reason
    _save(incident, "status", "cancelled_at", "cancel_reason")
    _event("incident.cancelled", incident=incident, by=by, at=now, previous_status=previous, reason=reason)
    return incident


@transaction.atomic
def incident_reopen(*, incident, by, reason, version=None):
    """Bring a finished incident back. Audited: the event keeps the previous status and times."""
    now = clock.now()
    incident = _lock(incident)
    _check_version(incident, version)
    _check_action(incident, "reopen")
    reason = clean_text(reason, field="reason", max_length=MAX_SHORT_TEXT, required=True)
    previous = {
        "status": incident.status,
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
        "cancelled_at": incident.cancelled_at.isoformat() if incident.cancelled_at else None,
    }
    incident.status = _derive_status(incident)
    incident.resolved_at = incident.closed_at = incident.cancelled_at = None
    _save(incident, "status", "resolved_at", "closed_at", "cancelled_at")
    _event("incident.reopened", incident=incident, by=by, at=now, reason=reason, previous=previous)
    return incident


# --- escalation -----------------------------------------------------------------------------------


def escalate_overdue_assignments(*, now=None):
    """Write one escalation event per overdue assignment, once. Returns how many were escalated."""
    from incidents.selectors import overdue_assignments

    now = now or clock.now()
    escalated = 0
    for candidate_id in list(overdue_assignments(now=now).filter(escalated_at__isnull=True).values_list("id", flat=True)):
        with transaction.atomic():
            assignment = Assignment.objects.select_for_update(of=("self",)).select_related("incident", "agency").get(pk=candidate_id)
            if assignment.escalated_at is not None or not assignment.is_overdue(now):
                continue
            assignment.escalated_at = now
            assignment.save(update_fields=["escalated_at"])
            incident = _lock(assignment.incident)
            _save(incident)  # the snapshot changed (escalated_at): a new version, for caches and consoles
            _event(
                "assignment.overdue",
                incident=incident,
                by=None,
                at=now,
                audience=events.agency_audience(assignment.agency_id),
                assignment=assignment_snapshot(assignment),
                target_seconds=settings.ACK_TARGET_SECONDS[incident.priority],
            )
            escalated += 1
    return escalated


# --- telephony ------------------------------------------------------------------------------------


def call_ringing(*, by, caller_number, line="", pbx_call_id=""):
    """A call is ringing at the PBX: put a banner on the operator consoles. Returns the Event.
    `pbx_call_id` (from the PBX call events, intake/telephony.py) ties the ring to its PBX call.

    A number the PBX sends that is not a valid Indonesian number still rings (as typed): an
    emergency line never drops a call over formatting.
    """
    raw = clean_text(caller_number, field="caller_number", max_length=32)
    try:
        number, valid = normalise_phone(raw), True
    except ValidationError:
        number, valid = raw, False
    line = clean_text(line, field="line", max_length=40)
    with transaction.atomic():
        return events.record(
            kind="call.ringing",
            audience=events.AUDIENCE_CONSOLE,
            actor=by,
            payload={
                "caller_number": number,
                "number_valid": valid,
                "line": line,
                "actor_name": str(by),
                **({"pbx_call_id": pbx_call_id} if pbx_call_id else {}),
            },
        )


@transaction.atomic
def ring_take(*, ring, by):
    """An operator takes a ringing call: the other consoles drop its banner."""
    from dispatch112.models import Event

    ring = Event.objects.select_for_update().get(pk=ring.pk)
    if ring.kind != "call.ringing":
        raise ValidationError({"ring": _("This is not a ringing call.")})
    if Event.objects.filter(kind="call.taken", payload__ring_id=ring.pk).exists():
        raise TransitionNotAllowed(_("Another operator has already taken this call."))
    return events.record(
        kind="call.taken",
        audience=events.AUDIENCE_CONSOLE,
        actor=by,
        payload={"ring_id": ring.pk, "caller_number": ring.payload.get("caller_number"), "actor_name": str(by)},
    )
