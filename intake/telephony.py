"""Writes for the PBX's call events: offered, queued (ringing at the operators), answered,
abandoned, ended — one row per call, one PbxCallEvent per (call, event).

A PBX retries, and events can overtake each other on the way (an "ended" before its "answered"):
each event is applied once, in whatever order it arrives, as long as its time fits the times
already known. What cannot have happened (answered after it was abandoned, abandoned in the menu
after it reached the queue, answered before it was offered) is refused and changes nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch112 import clock, events
from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event, User
from dispatch112.roles import CONSOLE_ROLES, has_role
from dispatch112.text import clean_text
from incidents.phone import normalise_phone
from incidents.services import call_ringing
from intake.models import AbandonedStage, PbxCall, PbxCallEvent, PbxEvent

# The PBX's own words for the same event.
EVENT_ALIASES = {"ringing": PbxEvent.QUEUED, "hangup": PbxEvent.ENDED}

# The order of a call's moments. Answered and abandoned share a place: a call has one or the other.
_RANK = {PbxEvent.OFFERED: 0, PbxEvent.QUEUED: 1, PbxEvent.ANSWERED: 2, PbxEvent.ABANDONED: 2, PbxEvent.ENDED: 3}
_STAMP = {
    PbxEvent.OFFERED: "offered_at",
    PbxEvent.QUEUED: "queued_at",
    PbxEvent.ANSWERED: "answered_at",
    PbxEvent.ABANDONED: "abandoned_at",
    PbxEvent.ENDED: "ended_at",
}


def caller_number_as_sent(raw):
    """E.164 when it is a valid Indonesian number; otherwise as the PBX sent it (an emergency line
    never drops a call over formatting); empty for a phone without SIM."""
    raw = clean_text(raw, field="caller_number", max_length=32)
    try:
        return normalise_phone(raw)
    except ValidationError:
        return raw


def pbx_call_snapshot(pbx_call):
    def iso(value):
        return value.isoformat() if value else None

    return {
        "pbx_call_id": pbx_call.pbx_call_id,
        "caller_number": pbx_call.caller_number,
        "line": pbx_call.line,
        "offered_at": iso(pbx_call.offered_at),
        "queued_at": iso(pbx_call.queued_at),
        "answered_at": iso(pbx_call.answered_at),
        "answered_by": pbx_call.answered_by.username if pbx_call.answered_by_id else None,
        "abandoned_at": iso(pbx_call.abandoned_at),
        "abandoned_stage": pbx_call.abandoned_stage,
        "ended_at": iso(pbx_call.ended_at),
        "call": pbx_call.call_id,
    }


def _locked_pbx_call(pbx_call_id):
    pbx_call = PbxCall.objects.select_for_update().filter(pbx_call_id=pbx_call_id).first()
    if pbx_call is not None:
        return pbx_call
    try:
        with transaction.atomic():
            return PbxCall.objects.create(pbx_call_id=pbx_call_id)
    except IntegrityError:
        # The PBX sent two events of a new call at once; the other request created the row.
        return PbxCall.objects.select_for_update().get(pbx_call_id=pbx_call_id)


def _local(moment):
    return timezone.localtime(moment).strftime("%H:%M:%S")


def _check_time_order(pbx_call, event, at):
    """The new moment must fall after every earlier moment known and before every later one."""
    for other, field in _STAMP.items():
        known = getattr(pbx_call, field)
        if known is None or other == event:
            continue
        if _RANK[other] < _RANK[event] and at < known:
            raise ValidationError(
                {"at": _("%(event)s at %(at)s is before the call was %(other)s at %(known)s.")
                 % {"event": PbxEvent(event).label, "at": _local(at), "other": PbxEvent(other).label, "known": _local(known)}}
            )
        if _RANK[other] > _RANK[event] and at > known:
            raise ValidationError(
                {"at": _("%(event)s at %(at)s is after the call was %(other)s at %(known)s.")
                 % {"event": PbxEvent(event).label, "at": _local(at), "other": PbxEvent(other).label, "known": _local(known)}}
            )


def _check_sequence(pbx_call, event, stage):
    if event == PbxEvent.ANSWERED and pbx_call.abandoned_at:
        raise TransitionNotAllowed(_("Call %(id)s was abandoned by the caller; it cannot be answered.") % {"id": pbx_call.pbx_call_id})
    if event == PbxEvent.ABANDONED and pbx_call.answered_at:
        raise TransitionNotAllowed(_("Call %(id)s was answered; it cannot be abandoned.") % {"id": pbx_call.pbx_call_id})
    if event == PbxEvent.ABANDONED and stage == AbandonedStage.MENU and pbx_call.queued_at:
        raise TransitionNotAllowed(
            _("Call %(id)s reached the operators' queue; it cannot have been abandoned in the voice menu.") % {"id": pbx_call.pbx_call_id}
        )
    if event == PbxEvent.QUEUED and pbx_call.abandoned_stage == AbandonedStage.MENU:
        raise TransitionNotAllowed(
            _("Call %(id)s was abandoned in the voice menu; it never reached the operators' queue.") % {"id": pbx_call.pbx_call_id}
        )


def _operator(username):
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not has_role(user, *CONSOLE_ROLES):
        raise ValidationError({"operator": _("No operator with the user name “%(name)s”.") % {"name": username[:150]}})
    return user


def _ring_of(pbx_call):
    return Event.objects.filter(kind="call.ringing", payload__pbx_call_id=pbx_call.pbx_call_id).order_by("id").first()


@transaction.atomic
def pbx_event_record(*, by, pbx_call_id, event, at=None, caller_number="", line="", operator="", stage=""):
    """Apply one PBX event. Returns (pbx_call, recorded): recorded is False for a repeat, which
    changes nothing (the PBX retried after a lost answer)."""
    now = clock.now()
    pbx_call_id = clean_text(pbx_call_id, field="pbx_call_id", max_length=128, required=True)
    event = EVENT_ALIASES.get(event, event)
    if event not in PbxEvent.values:
        raise ValidationError({"event": _("Unknown event “%(value)s”: use offered, queued, answered, abandoned or ended.") % {"value": str(event)[:20]}})
    event = PbxEvent(event)
    if stage and stage not in (AbandonedStage.MENU, AbandonedStage.QUEUE):
        raise ValidationError({"stage": _("Use “menu” or “queue”.")})
    if stage and event != PbxEvent.ABANDONED:
        raise ValidationError({"stage": _("Only an abandoned call has a stage.")})
    at = at or now
    if at > now + timedelta(seconds=settings.TELEPHONY_CLOCK_TOLERANCE_SECONDS):
        raise ValidationError({"at": _("Cannot be in the future (check the PBX clock).")})
    number = caller_number_as_sent(caller_number)
    line = clean_text(line, field="line", max_length=40)
    answered_by = _operator(clean_text(operator, field="operator", max_length=150)) if event == PbxEvent.ANSWERED else None

    pbx_call = _locked_pbx_call(pbx_call_id)
    if PbxCallEvent.objects.filter(pbx_call=pbx_call, event=event).exists():
        return pbx_call, False
    _check_sequence(pbx_call, event, stage)
    _check_time_order(pbx_call, event, at)

    changed = [_STAMP[event]]
    setattr(pbx_call, _STAMP[event], at)
    if number and not pbx_call.caller_number:
        pbx_call.caller_number = number
        changed.append("caller_number")
    if line and not pbx_call.line:
        pbx_call.line = line
        changed.append("line")
    if answered_by is not None:
        pbx_call.answered_by = answered_by
        changed.append("answered_by")
    if event == PbxEvent.ABANDONED:
        pbx_call.abandoned_stage = stage or (AbandonedStage.QUEUE if pbx_call.queued_at else AbandonedStage.MENU)
        changed.append("abandoned_stage")
    pbx_call.save(update_fields=changed)
    PbxCallEvent.objects.create(
        pbx_call=pbx_call,
        event=event,
        at=at,
        received_at=now,
        payload={"caller_number": caller_number, "line": line, "operator": operator, "stage": stage},
    )
    _announce(pbx_call, event, by=by)
    return pbx_call, True


def _announce(pbx_call, event, *, by):
    """The consoles hear of a call that rings at them, and of the end of its ringing."""
    finished = pbx_call.answered_at or pbx_call.abandoned_at or pbx_call.ended_at
    if event == PbxEvent.QUEUED and not finished:
        # An out-of-order "queued" after the call was already over puts up no banner.
        call_ringing(by=by, caller_number=pbx_call.caller_number, line=pbx_call.line, pbx_call_id=pbx_call.pbx_call_id)
    elif event in (PbxEvent.ANSWERED, PbxEvent.ABANDONED):
        ring = _ring_of(pbx_call)
        events.record(
            kind=f"pbx.{event}",
            audience=events.AUDIENCE_CONSOLE,
            actor=by,
            payload={
                "ring_id": ring.pk if ring else None,
                "pbx_call": pbx_call_snapshot(pbx_call),
                "actor_name": str(by),
            },
        )


@transaction.atomic
def pbx_call_link(*, call, by, ring=None):
    """An operator logged `call`: tie it to the PBX call it answers — the ring the operator took,
    or else the latest unlinked PBX call from the same number. Returns the PbxCall or None."""
    pbx_call = None
    if ring is not None:
        pbx_call_id = (ring.payload or {}).get("pbx_call_id")
        if ring.kind != "call.ringing" or not pbx_call_id:
            raise ValidationError({"ring": _("This ring did not come from a PBX call event.")})
        pbx_call = PbxCall.objects.select_for_update().filter(pbx_call_id=pbx_call_id).first()
    elif call.caller_number:
        since = call.received_at - timedelta(minutes=settings.TELEPHONY_MATCH_MINUTES)
        pbx_call = (
            PbxCall.objects.select_for_update()
            .filter(caller_number=call.caller_number, call__isnull=True, abandoned_at__isnull=True)
            .filter(Q(offered_at__gte=since) | Q(queued_at__gte=since))
            .order_by("-id")
            .first()
        )
    if pbx_call is None:
        return None
    if pbx_call.call_id == call.pk:
        return pbx_call
    if pbx_call.call_id is not None:
        raise TransitionNotAllowed(_("PBX call %(id)s is already linked to another logged call.") % {"id": pbx_call.pbx_call_id})
    pbx_call.call = call
    fields = ["call"]
    if pbx_call.answered_by_id is None and pbx_call.abandoned_at is None:
        pbx_call.answered_by = by
        fields.append("answered_by")
    pbx_call.save(update_fields=fields)
    return pbx_call
