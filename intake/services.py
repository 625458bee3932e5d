"""Writes for what arrives from outside: PBX call events, AML positions, WhatsApp/SMS messages.
Each is one transaction; every change the consoles must see is an Event in it (pushed on commit).

PBX call events — offered, queued (ringing at the operators), answered, abandoned, ended — make
one PbxCall row per call and one PbxCallEvent per (call, event). A PBX retries, and events can
overtake each other on the way (an "ended" before its "answered"): each event is applied once,
in whatever order it arrives, as long as its time fits the times already known. What cannot have
happened (answered after it was abandoned, abandoned in the menu after it reached the queue,
answered before it was offered) is refused and changes nothing. Every write to a PbxCall brings
its report facts along in the same transaction (reports.facts.pbx_refresh).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import logging

from dispatch112 import clock, events
from dispatch112.region import current_region
from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event, User
from dispatch112.roles import CONSOLE_ROLES, has_role
from dispatch112.text import clean_text
from incidents.phone import normalise_phone
from incidents.services import call_log, call_ringing
from incidents.models import MAX_SHORT_TEXT, MAX_TEXT, Call, CallOutcome
from dispatch112 import outbox
from intake import aml, media
from intake.models import (
    AbandonedStage,
    AmlLocation,
    AmlTransport,
    InboundMessage,
    MessageKind,
    MessageMedia,
    MessageStatus,
    PbxCall,
    PbxCallEvent,
    PbxEvent,
)
from reports import facts as report_facts

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

    before = report_facts.pbx_state(pbx_call)
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
    report_facts.pbx_refresh(pbx_call, before)
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
    before = report_facts.pbx_state(pbx_call)
    pbx_call.call = call
    fields = ["call"]
    if pbx_call.answered_by_id is None and pbx_call.abandoned_at is None:
        pbx_call.answered_by = by
        fields.append("answered_by")
    pbx_call.save(update_fields=fields)
    report_facts.pbx_refresh(pbx_call, before)
    return pbx_call


# --- AML ------------------------------------------------------------------------------------------

logger = logging.getLogger(__name__)


def aml_snapshot(location):
    return {
        "id": location.pk,
        "caller_number": location.caller_number,
        "latitude": str(location.latitude) if location.latitude is not None else None,
        "longitude": str(location.longitude) if location.longitude is not None else None,
        "radius_m": location.radius_m,
        "confidence": location.confidence,
        "method": location.method,
        "method_label": str(aml.PositioningMethod(location.method).label) if location.method else "",
        "positioned_at": location.positioned_at.isoformat() if location.positioned_at else None,
        "received_at": location.received_at.isoformat(),
        "in_region": location.has_position and current_region().contains(location.latitude, location.longitude),
        "call": location.call_id,
    }


def _aml_window():
    return timedelta(minutes=settings.AML_ATTACH_MINUTES)


def _aml_event(kind, location, *, by, incident=None):
    events.record(
        kind=kind,
        audience=events.AUDIENCE_CONSOLE,
        incident=incident,
        actor=by,
        payload={"aml": aml_snapshot(location), "actor_name": str(by) if by else None},
    )


@transaction.atomic
def aml_receive(*, by, transport, raw, caller_number="", form=None):
    """Take one AML message from the gateway. A valid one is stored, attached to the call from
    the same number if that call is already logged, and announced to the consoles; an invalid
    one is stored as rejected, with the field and the reason. Returns the AmlLocation."""
    now = clock.now()
    raw = str(raw or "")[: aml.MAX_MESSAGE]
    try:
        if transport == AmlTransport.SMS:
            fix = aml.parse_sms(raw, caller_number=caller_number, now=now)
        else:
            fix = aml.parse_https(form or {}, now=now)
        number = normalise_phone(fix.caller_number, field="device_number" if transport == AmlTransport.HTTPS else "from")
        if not number:
            raise aml.AmlInvalid("device_number" if transport == AmlTransport.HTTPS else "from", _("Missing: whose position is it?"))
    except (aml.AmlInvalid, ValidationError) as problem:
        field, reason = (problem.field, problem.message) if isinstance(problem, aml.AmlInvalid) else next(
            (key, messages[0]) for key, messages in problem.message_dict.items()
        )
        location = AmlLocation.objects.create(
            transport=transport,
            caller_number=caller_number_as_sent(str(caller_number or (form or {}).get("device_number", ""))[:32]),
            raw=raw,
            received_at=now,
            rejected=True,
            reject_field=field[:40],
            reject_reason=str(reason)[:255],
        )
        logger.warning("AML message %s rejected: %s: %s", location.pk, field, reason)
        return location
    location = AmlLocation.objects.create(
        transport=transport,
        caller_number=number,
        raw=raw,
        received_at=now,
        latitude=fix.latitude,
        longitude=fix.longitude,
        radius_m=fix.radius_m,
        confidence=fix.confidence,
        method=fix.method,
        positioned_at=fix.positioned_at,
        imsi=fix.imsi,
        imei=fix.imei,
        mcc=fix.mcc,
        mnc=fix.mnc,
    )
    window = _aml_window()
    call = (
        Call.objects.filter(caller_number=number, received_at__gte=now - window, received_at__lte=now + window)
        .select_related("incident")
        .order_by("-received_at")
        .first()
    )
    if call is not None and location.has_position:
        _aml_attach(location, call, now=now)
    _aml_event("aml.received", location, by=by, incident=call.incident if call else None)
    return location


def _aml_attach(location, call, *, now):
    location.call = call
    location.attached_at = now
    location.save(update_fields=["call", "attached_at"])


@transaction.atomic
def aml_attach_to_call(*, call, by=None):
    """A call was logged: the AML positions from its number within the window become its own.
    Returns the positions attached now (oldest first)."""
    if not call.caller_number:
        return []
    now = clock.now()
    window = _aml_window()
    pending = list(
        AmlLocation.objects.select_for_update()
        .accepted()
        .filter(
            call__isnull=True,
            latitude__isnull=False,
            caller_number=call.caller_number,
            received_at__gte=call.received_at - window,
            received_at__lte=call.received_at + window,
        )
        .order_by("received_at", "id")
    )
    incident = call.incident if call.incident_id else None
    for location in pending:
        _aml_attach(location, call, now=now)
        _aml_event("aml.attached", location, by=by, incident=incident)
    return pending


def aml_attach_due(*, now=None):
    """The periodic sweep: positions still waiting for a call whose call has since been logged
    (by a console that did not report it, or through the API). Returns how many were attached."""
    now = now or clock.now()
    window = _aml_window()
    numbers = set(
        AmlLocation.objects.accepted()
        .filter(call__isnull=True, latitude__isnull=False, received_at__gte=now - 2 * window)
        .values_list("caller_number", flat=True)
    )
    attached = 0
    for call in Call.objects.filter(caller_number__in=numbers, received_at__gte=now - 3 * window).select_related("incident"):
        attached += len(aml_attach_to_call(call=call))
    return attached


@transaction.atomic
def call_logged(*, call, by, ring=None):
    """The console logged `call` (from `ring`, if it took one): tie it to its PBX call and to the
    AML positions from its number. Returns (pbx_call or None, [attached positions])."""
    return pbx_call_link(call=call, by=by, ring=ring), aml_attach_to_call(call=call, by=by)


# --- WhatsApp / SMS messages ----------------------------------------------------------------------

# The line a call made from a message is logged on, so reports can count calls by channel.
MESSAGE_LINES = {"whatsapp": "WhatsApp", "sms": "SMS"}


def media_snapshot(message):
    """The message's photo as the console shows it: its state, and where operators fetch it."""
    try:
        photo = message.media
    except MessageMedia.DoesNotExist:
        return None
    return {
        "state": photo.state,
        "url": f"/api/v1/messages/{message.pk}/media/" if photo.state == "stored" else None,
        "content_type": photo.content_type,
        "size": photo.size,
        "error": photo.last_error if photo.state == "failed" else "",
    }


def message_snapshot(message):
    return {
        "id": message.pk,
        "channel": message.channel,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "received_at": message.received_at.isoformat(),
        "kind": message.kind,
        "text": message.text,
        "latitude": str(message.latitude) if message.latitude is not None else None,
        "longitude": str(message.longitude) if message.longitude is not None else None,
        "location_name": message.location_name,
        "media_url": message.media_url,
        "media_id": message.media_id,
        "media_type": message.media_type,
        "media": media_snapshot(message),
        "status": message.status,
        "handled_by": str(message.handled_by) if message.handled_by_id else None,
        "call": message.call_id,
        "incident": message.incident_id,
    }


def _message_event(kind, message, *, by, incident=None):
    events.record(
        kind=kind,
        audience=events.AUDIENCE_CONSOLE,
        incident=incident,
        actor=by,
        payload={"message": message_snapshot(message), "actor_name": str(by) if by else None},
    )


def _clipped(text, limit):
    # A long message from the public is kept (cut with a mark), never refused: it may be the only report.
    text = "".join(ch for ch in str(text) if ch in "\n\t" or ord(ch) >= 32).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def messages_receive(*, incoming, by=None):
    """Store the messages a webhook delivered; one already stored (same channel and provider id)
    is skipped. Returns the messages stored now."""
    now = clock.now()
    stored = []
    for item in incoming:
        if InboundMessage.objects.filter(channel=item.channel, provider_id=item.provider_id).exists():
            continue
        message = InboundMessage.objects.create(
            channel=item.channel,
            provider_id=item.provider_id,
            sender=caller_number_as_sent(_clipped(item.sender, 32)),
            sender_name=_clipped(item.sender_name, 120),
            # The provider's time, unless it is ahead of ours (a phone's clock is no authority).
            received_at=min(item.sent_at or now, now),
            kind=item.kind,
            text=_clipped(item.text, MAX_TEXT),
            latitude=item.latitude,
            longitude=item.longitude,
            location_name=_clipped(item.location_name, MAX_SHORT_TEXT),
            media_id=item.media_id,
            media_url=item.media_url,
            media_type=item.media_type,
        )
        photo = _media_queue(message, now=now) if message.kind == MessageKind.IMAGE else None
        _message_event("message.received", message, by=by)
        if photo is not None and photo.state == "pending":
            # After the message.received push: the consoles hear of the message before its photo.
            _fetch_after_commit(photo)
        stored.append(message)
    return stored


# --- the photos of messages -----------------------------------------------------------------------


def _media_queue(message, *, now):
    photo = MessageMedia.objects.create(message=message, source_url=message.media_url, created_at=now, next_attempt_at=now)
    if not message.media_url and not (message.channel == "whatsapp" and message.media_id):
        # A gateway that gave only its own id, with no address: nothing to fetch it from.
        photo.status, photo.failed_at = outbox.FAILED, now
        photo.last_error = _("The gateway gave no address for the photo (media id %(id)s).") % {"id": message.media_id[:60]}
        photo.save(update_fields=["status", "failed_at", "last_error"])
    return photo


def _fetch_after_commit(photo):
    def fetch_after_commit():
        from intake.tasks import fetch_message_media

        try:
            fetch_message_media.delay(photo.pk)
        except Exception:  # noqa: BLE001 — the broker is down: the row waits, the sweep fetches it
            logger.warning("photo %s could not be handed to the worker; the sweep will fetch it", photo.pk, exc_info=True)

    transaction.on_commit(fetch_after_commit)


def _media_settled(photo, outcome):
    if outcome == outbox.QUEUED:
        return  # tried again later: the console keeps showing "fetching"
    message = InboundMessage.objects.select_related("handled_by", "media").get(pk=photo.message_id)
    if outcome == outbox.FAILED:
        logger.warning("photo of message %s not fetched: %s", message.pk, photo.last_error)
    _message_event("message.media", message, by=None, incident=message.incident)


def message_media_fetch(*, media_id):
    """Fetch one message's photo from its gateway, once, if it is due (the outbox cycle: the
    gateway is called outside any transaction). Returns the MessageMedia as it is afterwards."""
    fetched = {}

    def fetch(photo):
        message = InboundMessage.objects.get(pk=photo.message_id)
        if message.media_url:
            result = media.download(message.media_url, headers=media.gateway_headers(message.media_url))
        else:
            result = media.whatsapp_download(message.media_id)
        fetched["photo"] = result
        return 200

    def settled(photo, outcome):
        if outcome == outbox.SENT:
            result = fetched["photo"]
            photo.content = result.content
            photo.content_type = result.content_type
            photo.size = len(result.content)
            photo.sha256 = hashlib.sha256(result.content).hexdigest()
            photo.source_url = result.url[:1000]
            photo.save(update_fields=["content", "content_type", "size", "sha256", "source_url"])
        _media_settled(photo, outcome)

    return outbox.send_once(
        MessageMedia,
        media_id,
        send=fetch,
        max_attempts=settings.INTAKE_MEDIA_MAX_ATTEMPTS,
        base=settings.INTAKE_MEDIA_RETRY_BASE_SECONDS,
        cap=settings.INTAKE_MEDIA_RETRY_MAX_SECONDS,
        claim_seconds=settings.INTAKE_MEDIA_TIMEOUT_SECONDS * (media.MAX_REDIRECTS + 2) + 30,
        on_settled=settled,
    )


def message_media_fetch_due(*, limit=50):
    """The periodic sweep: fetch the photos whose time has come (a gateway that was down)."""
    outcome = {}
    for media_id in MessageMedia.objects.due(clock.now()).order_by("next_attempt_at").values_list("id", flat=True)[:limit]:
        photo = message_media_fetch(media_id=media_id)
        outcome[photo.state] = outcome.get(photo.state, 0) + 1
    return outcome


def _lock_waiting(message):
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.NEW:
        raise TransitionNotAllowed(
            _("This message was already handled (%(status)s).") % {"status": MessageStatus(message.status).label}
        )
    return message


def _caller_number(message):
    try:
        return normalise_phone(message.sender)
    except ValidationError:
        return ""  # not an Indonesian number (a foreign WhatsApp account): the call keeps no number


def _notes(message):
    parts = [message.text]
    if message.kind == MessageKind.IMAGE:
        # The console's own address of the photo: the gateway's is short-lived and needs its key.
        parts.append(_("Photo: %(ref)s") % {"ref": f"/api/v1/messages/{message.pk}/media/"})
    if not _caller_number(message):
        parts.append(_("Sender: %(sender)s") % {"sender": message.sender})
    return _clipped("\n".join(p for p in parts if p), MAX_TEXT)


def _handled(message, *, by, status, call, now):
    message.status = status
    message.handled_at = now
    message.handled_by = by
    message.call = call
    message.incident = call.incident
    message.save(update_fields=["status", "handled_at", "handled_by", "call", "incident"])
    _message_event("message.handled", message, by=by, incident=call.incident)
    return message


def _message_call(message, *, by, outcome, **extra):
    return call_log(
        by=by,
        outcome=outcome,
        caller_number=_caller_number(message),
        caller_name=message.sender_name,
        line=MESSAGE_LINES[message.channel],
        received_at=message.received_at,
        location_text=message.location_name,
        notes=_notes(message),
        **extra,
    )


@transaction.atomic
def message_to_incident(*, message, by, data):
    """One action: the message becomes a logged call and a new incident. The shared pin is the
    incident's point unless the operator gave another; the text is the call's notes."""
    now = clock.now()
    message = _lock_waiting(message)
    if data.latitude is None and message.has_point:
        data.latitude, data.longitude = message.latitude, message.longitude
    if not data.description:
        data.description = _clipped(message.text, MAX_TEXT)
    call = _message_call(message, by=by, outcome=CallOutcome.EMERGENCY, new_incident=data)
    return _handled(message, by=by, status=MessageStatus.INCIDENT, call=call, now=now)


@transaction.atomic
def message_link(*, message, incident, by):
    """The message is about an incident already open: a further call to it."""
    now = clock.now()
    message = _lock_waiting(message)
    call = _message_call(message, by=by, outcome=CallOutcome.DUPLICATE, link_to=incident)
    return _handled(message, by=by, status=MessageStatus.LINKED, call=call, now=now)


@transaction.atomic
def message_mark_prank(*, message, by):
    """A prank: logged as a prank call, so the sender's number counts towards the prank flag."""
    now = clock.now()
    message = _lock_waiting(message)
    call = _message_call(message, by=by, outcome=CallOutcome.PRANK)
    return _handled(message, by=by, status=MessageStatus.PRANK, call=call, now=now)


@transaction.atomic
def message_reply(*, message, by, text):
    """An answer to the sender, on the channel it came by, through the messaging outbox."""
    from volunteers.models import MessagePurpose
    from volunteers.services import message_queue

    text = clean_text(text, field="text", max_length=1000, required=True)
    recipient = _caller_number(message)
    if not recipient:
        raise ValidationError({"text": _("The sender's number %(sender)s cannot be answered from here.") % {"sender": message.sender}})
    outgoing = message_queue(purpose=MessagePurpose.REPLY, recipient=recipient, channel=message.channel, body=text, now=clock.now())
    events.record(
        kind="message.replied",
        audience=events.AUDIENCE_CONSOLE,
        incident=message.incident,
        actor=by,
        payload={"message": message_snapshot(message), "reply": {"id": outgoing.pk, "text": text}, "actor_name": str(by)},
    )
    return outgoing
