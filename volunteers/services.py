"""Writes: the roster, activations and the messaging outbox.

Each activation transition is one transaction that locks the incident then the activation, checks
the transition against ACTIVATION_TRANSITIONS, writes the timestamp, writes the timeline Event
(kind "volunteer.<status>", audience "console": volunteers are the Command Center's, and their
numbers never reach agency staff) and, where a message goes out, the outbox row — all or nothing.
Messages are sent after commit; the periodic sweep sends whatever that missed.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import batch as audit_batch
from dispatch112 import clock, events, outbox
from dispatch112.errors import StaleVersion, TransitionNotAllowed
from dispatch112.text import clean_text
from incidents.models import Incident, IncidentStatus
from incidents.phone import normalise_phone
from incidents.snapshots import incident_snapshot
from volunteers import links, texts
from volunteers.availability import is_always_text, parse_windows
from volunteers.gateways import ConsoleGateway, PermanentSendError, TransientSendError, get_gateway
from volunteers.models import (
    ACTIVATION_STAMPS,
    ACTIVATION_TRANSITIONS,
    MAX_NAME,
    MAX_NOTES,
    MAX_REASON,
    OPEN_ACTIVATION_STATUSES,
    Activation,
    ActivationStatus,
    Availability,
    AvailabilityWindow,
    Channel,
    ExpireReason,
    Language,
    Message,
    MessagePurpose,
    MessageStatus,
    Skill,
    Volunteer,
    VolunteerSkill,
)
from volunteers.snapshots import activation_snapshot, message_snapshot

logger = logging.getLogger(__name__)

MAX_PER_ACTIVATION = 20


# --- the roster -----------------------------------------------------------------------------------


@dataclass
class VolunteerInput:
    """What a coordinator tells about a volunteer (the form and the CSV import both fill this)."""

    name: str
    phone: str
    kelurahan: object
    covers: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    availability: str = "always"  # "always" or windows: "Sen-Jum 18:00-22:00; Sab 22:00-06:00"
    channel: str = Channel.SMS
    active: bool = True
    joined_on: date | None = None
    notes: str = ""
    user: object = None
    is_demo: bool = False


@dataclass
class CleanVolunteer:
    fields: dict
    covers: list
    skills: list
    windows: list


def mobile_phone(text, *, field="phone"):
    """E.164 of an Indonesian mobile number; a landline cannot receive SMS or WhatsApp."""
    import phonenumbers

    number = normalise_phone(text, field=field)
    if not number:
        raise ValidationError({field: _("This field is required.")})
    parsed = phonenumbers.parse(number)
    if phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError({field: _("%(number)s is not a mobile number: SMS and WhatsApp cannot reach it.") % {"number": number}})
    return number


def clean_volunteer(data, *, instance=None):
    """Check and normalise an input; every bad field is reported at once (ValidationError dict)."""
    from dispatch112.region import current_region

    errors = {}
    cleaned = {}

    def check(name, function):
        try:
            return function()
        except ValidationError as error:
            for key, messages in (error.message_dict.items() if hasattr(error, "error_dict") else [(name, error.messages)]):
                errors.setdefault(key, []).extend(messages)
            return None

    cleaned["name"] = check("name", lambda: clean_text(data.name, field="name", max_length=MAX_NAME, required=True))
    cleaned["notes"] = check("notes", lambda: clean_text(data.notes, field="notes", max_length=MAX_NOTES))
    phone = check("phone", lambda: mobile_phone(data.phone))
    if phone:
        other = Volunteer.objects.filter(phone=phone).exclude(pk=getattr(instance, "pk", None)).first()
        if other is not None:
            errors.setdefault("phone", []).append(_("%(number)s is already the number of %(name)s.") % {"number": phone, "name": other.name})
    cleaned["phone"] = phone
    region = current_region()
    if data.kelurahan is None:
        errors.setdefault("kelurahan", []).append(_("This field is required."))
    elif data.kelurahan.kecamatan.region.code != region.code:
        errors.setdefault("kelurahan", []).append(_("%(name)s is not in %(region)s.") % {"name": data.kelurahan.name, "region": region.name})
    cleaned["kelurahan"] = data.kelurahan
    covers = []
    for kelurahan in data.covers or []:
        if kelurahan.kecamatan.region.code != region.code:
            errors.setdefault("covers", []).append(_("%(name)s is not in %(region)s.") % {"name": kelurahan.name, "region": region.name})
        elif data.kelurahan is None or kelurahan.pk != data.kelurahan.pk:
            covers.append(kelurahan)
    unknown_skills = [s for s in data.skills if s not in Skill.values]
    if unknown_skills:
        errors.setdefault("skills", []).append(
            _("Unknown skill(s): %(unknown)s. Known: %(known)s.") % {"unknown": ", ".join(unknown_skills), "known": ", ".join(Skill.values)}
        )
    unknown_languages = [c for c in data.languages if c not in Language.values]
    if unknown_languages:
        errors.setdefault("languages", []).append(
            _("Unknown language(s): %(unknown)s. Known: %(known)s.") % {"unknown": ", ".join(unknown_languages), "known": ", ".join(Language.values)}
        )
    if data.channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Unknown channel “%(value)s”.") % {"value": data.channel})
    windows = check("availability", lambda: parse_windows(data.availability))
    if windows is not None and not windows and not is_always_text(data.availability) and (data.availability or "").strip():
        errors.setdefault("availability", []).append(_("Write “always” or at least one time window."))
    if data.user is not None:
        taken = Volunteer.objects.filter(user=data.user).exclude(pk=getattr(instance, "pk", None)).first()
        if taken is not None:
            errors.setdefault("user", []).append(_("%(user)s is already linked to %(name)s.") % {"user": data.user, "name": taken.name})
    joined_on = data.joined_on or timezone.localdate(clock.now())
    if joined_on > timezone.localdate(clock.now()):
        errors.setdefault("joined_on", []).append(_("Cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    cleaned.update(
        channel=data.channel,
        availability=Availability.WINDOWS if windows else Availability.ALWAYS,
        languages=list(dict.fromkeys(data.languages)),
        active=bool(data.active),
        joined_on=joined_on,
        user=data.user,
    )
    return CleanVolunteer(cleaned, covers, list(dict.fromkeys(data.skills)), windows or [])


def _write_volunteer(volunteer, clean, *, is_demo=None):
    # One audit entry for the row, its kelurahan, skills and hours together (audit.context.batch).
    with audit_batch():
        return _write_volunteer_rows(volunteer, clean, is_demo=is_demo)


def _write_volunteer_rows(volunteer, clean, *, is_demo=None):
    for name, value in clean.fields.items():
        setattr(volunteer, name, value)
    if is_demo is not None:
        volunteer.is_demo = is_demo
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        # Another coordinator saved the same number a moment ago.
        raise ValidationError({"phone": _("%(number)s is already in the roster.") % {"number": volunteer.phone}}) from None
    volunteer.covers.set(clean.covers)
    VolunteerSkill.objects.filter(volunteer=volunteer).exclude(skill__in=clean.skills).delete()
    have = set(VolunteerSkill.objects.filter(volunteer=volunteer).values_list("skill", flat=True))
    VolunteerSkill.objects.bulk_create([VolunteerSkill(volunteer=volunteer, skill=s) for s in clean.skills if s not in have])
    AvailabilityWindow.objects.filter(volunteer=volunteer).delete()
    AvailabilityWindow.objects.bulk_create(
        [AvailabilityWindow(volunteer=volunteer, weekday=w.weekday, starts=w.starts, ends=w.ends) for w in clean.windows]
    )
    return volunteer


@transaction.atomic
def volunteer_create(*, data, by):
    clean = clean_volunteer(data)
    return _write_volunteer(Volunteer(), clean, is_demo=data.is_demo)


@transaction.atomic
def volunteer_update(*, volunteer, data, by, version=None):
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if version is not None and int(version) != volunteer.version:
        raise StaleVersion(
            _("%(name)s was changed by someone else while you were editing. Reload and try again.") % {"name": volunteer.name},
            current=volunteer,
        )
    clean = clean_volunteer(data, instance=volunteer)
    volunteer.version += 1
    return _write_volunteer(volunteer, clean)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def volunteers_import_csv(*, text, by):
    """Import a roster CSV all-or-nothing (volunteers.csvfile.VolunteerImportError lists every bad
    row). Rows name an existing volunteer by `id`, or by the same phone and name; others are new."""
    from volunteers.csvfile import VolunteerImportError, parse

    rows, problems = parse(text)
    if problems:
        raise VolunteerImportError(problems)
    summary = ImportSummary()
    for row in rows:
        if row.volunteer is None:
            _write_volunteer(Volunteer(), row.clean, is_demo=False)
            summary.created += 1
        elif row.changed:
            volunteer = Volunteer.objects.select_for_update().get(pk=row.volunteer.pk)
            volunteer.version += 1
            _write_volunteer(volunteer, row.clean)
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


# --- activations ----------------------------------------------------------------------------------


# Locks take the row itself only (of=("self",)): PostgreSQL refuses FOR UPDATE on the nullable
# side of an outer join, and locking the joined kelurahan or category rows would make unrelated
# writers wait.
def _lock_incident(incident):
    return Incident.objects.select_for_update(of=("self",)).select_related("category", "kelurahan__kecamatan").get(pk=incident.pk)


def _lock_activation(activation):
    return Activation.objects.select_for_update(of=("self",)).select_related("volunteer__kelurahan__kecamatan", "sent_by").get(pk=activation.pk)


def _event(kind, *, activation, incident, by, at, via, **extra):
    payload = {
        "incident": incident_snapshot(incident),
        "activation": activation_snapshot(activation),
        # A tap on the link is the volunteer's own doing; the outbox and the clock are nobody's.
        "actor_name": str(by) if by else (activation.volunteer.name if via == "link" else None),
        "via": via,
        **extra,
    }
    return events.record(kind=kind, audience=events.AUDIENCE_CONSOLE, incident=incident, actor=by, payload=payload, at=at)


def _send_after_commit(message_id):
    def send():
        from volunteers.tasks import send_message

        try:
            send_message.delay(message_id)
        except Exception:  # noqa: BLE001 — the broker is down: the row is queued, the sweep sends it
            logger.warning("message %s could not be handed to the worker; the periodic sweep will send it", message_id, exc_info=True)

    transaction.on_commit(send)


def _queue_message(*, purpose, activation, body, now, expires_at=None, key=""):
    volunteer = activation.volunteer
    return message_queue(
        purpose=purpose,
        recipient=volunteer.phone,
        channel=volunteer.channel,
        body=body,
        now=now,
        activation=activation,
        is_demo=volunteer.is_demo,
        expires_at=expires_at,
        key=key,
    )


def message_queue(*, purpose, recipient, channel, body, now, activation=None, is_demo=False, expires_at=None, key=""):
    """Put one message in the outbox (inside the caller's transaction); it is sent after commit,
    retried with backoff, and swept up if the worker missed it. Other apps' replies (intake's
    answers to WhatsApp/SMS reporters) go out through here too."""
    message = Message.objects.create(
        key=key,
        purpose=purpose,
        activation=activation,
        recipient=recipient,
        channel=channel,
        body=body,
        is_demo=is_demo,
        created_at=now,
        next_attempt_at=now,
        expires_at=expires_at,
    )
    _send_after_commit(message.pk)
    return message


def invite_key(activation):
    return f"activation-{activation.pk}"


def stand_down_key(activation):
    return f"activation-{activation.pk}-stand-down"


@transaction.atomic
def activation_create(*, incident, volunteers, by, link_base=""):
    """Call one or several volunteers to an incident: an activation each, and its message in the outbox."""
    now = clock.now()
    incident = _lock_incident(incident)
    if not incident.is_active:
        raise TransitionNotAllowed(
            _("The incident is %(status)s; volunteers can no longer be called to it.") % {"status": IncidentStatus(incident.status).label},
            current=incident,
        )
    ids = [v.pk for v in volunteers]
    if not ids:
        raise ValidationError({"volunteers": _("Choose at least one volunteer.")})
    if len(set(ids)) != len(ids):
        raise ValidationError({"volunteers": _("Each volunteer can be chosen only once.")})
    if len(ids) > MAX_PER_ACTIVATION:
        raise ValidationError({"volunteers": _("At most %(n)d volunteers at a time.") % {"n": MAX_PER_ACTIVATION}})
    # Locked in id order, as every writer does, so two operators calling overlapping groups wait
    # for each other instead of deadlocking.
    locked = {v.pk: v for v in Volunteer.objects.select_for_update(of=("self",)).select_related("kelurahan__kecamatan").filter(pk__in=ids).order_by("pk")}
    already = {
        a.volunteer_id: a for a in Activation.objects.filter(incident=incident, volunteer_id__in=ids, status__in=OPEN_ACTIVATION_STATUSES)
    }
    problems = []
    for volunteer_id in ids:
        volunteer = locked.get(volunteer_id)
        if volunteer is None:
            problems.append(_("Unknown volunteer %(id)s.") % {"id": volunteer_id})
        elif not volunteer.active:
            problems.append(_("%(name)s is not active.") % {"name": volunteer.name})
        elif volunteer_id in already:
            problems.append(
                _("%(name)s is already called to this incident (%(status)s).")
                % {"name": volunteer.name, "status": ActivationStatus(already[volunteer_id].status).label}
            )
    if problems:
        raise ValidationError({"volunteers": problems})

    respond_by = now + timedelta(minutes=settings.VOLUNTEER_RESPONSE_MINUTES)
    created = []
    for volunteer_id in ids:
        activation = Activation.objects.create(
            incident=incident,
            volunteer=locked[volunteer_id],
            status=ActivationStatus.SENT,
            token_nonce=links.new_nonce(),
            sent_at=now,
            sent_by=by,
            respond_by=respond_by,
        )
        body = texts.activation_text(incident=incident, link=links.link_url(activation, link_base))
        # The invitation is worth sending only while it can still be answered.
        _queue_message(purpose=MessagePurpose.ACTIVATION, activation=activation, body=body, now=now, expires_at=respond_by, key=invite_key(activation))
        _event("volunteer.sent", activation=activation, incident=incident, by=by, at=now, via="console")
        created.append(activation)
    return created


def _refusal(activation, to):
    status = ActivationStatus(activation.status)
    if status == to:
        return _("%(name)s has already %(status)s.") % {"name": activation.volunteer.name, "status": status.label}
    return _("%(name)s is %(from)s; that cannot become %(to)s.") % {"name": activation.volunteer.name, "from": status.label, "to": ActivationStatus(to).label}


@transaction.atomic
def activation_transition(*, activation, to, by=None, via="console", reason=""):
    """Move an activation on: the volunteer's taps on their link (by=None, via="link"), or an
    operator recording what a volunteer said on the phone, or standing them down (cancelled)."""
    now = clock.now()
    if to not in ActivationStatus.values:
        raise ValidationError({"status": _("Unknown status “%(value)s”.") % {"value": to}})
    to = ActivationStatus(to)
    incident = _lock_incident(activation.incident)
    activation = _lock_activation(activation)
    if to not in ACTIVATION_TRANSITIONS[ActivationStatus(activation.status)] or to == ActivationStatus.EXPIRED:
        raise TransitionNotAllowed(_refusal(activation, to), current=activation)
    if activation.status == ActivationStatus.SENT and to in (ActivationStatus.ACCEPTED, ActivationStatus.DECLINED) and now >= activation.respond_by:
        raise TransitionNotAllowed(_("The time to answer has passed; the Command Center has been told."), current=activation)
    if to == ActivationStatus.ACCEPTED and not incident.is_active:
        raise TransitionNotAllowed(
            _("The incident is already %(status)s; nobody else is needed.") % {"status": IncidentStatus(incident.status).label},
            current=activation,
        )
    previous = activation.status
    activation.status = to
    setattr(activation, ACTIVATION_STAMPS[to], now)
    extra = {}
    if to == ActivationStatus.CANCELLED:
        activation.cancelled_by = by
        activation.cancel_reason = clean_text(reason, field="reason", max_length=MAX_REASON)
        extra["reason"] = activation.cancel_reason
    activation.save()
    _event(f"volunteer.{to}", activation=activation, incident=incident, by=by, at=now, via=via, previous_status=previous, **extra)
    if to == ActivationStatus.CANCELLED:
        _stand_down_messages(activation, incident=incident, now=now)
    return activation


def activation_respond(*, activation, action):
    """A tap on the volunteer's link: accept, decline, arrived, finished."""
    from volunteers.models import VOLUNTEER_ACTIONS

    if action not in VOLUNTEER_ACTIONS:
        raise ValidationError({"action": _("Unknown action “%(value)s”.") % {"value": action}})
    return activation_transition(activation=activation, to=VOLUNTEER_ACTIONS[action], by=None, via="link")


def activation_cancel(*, activation, by, reason=""):
    return activation_transition(activation=activation, to=ActivationStatus.CANCELLED, by=by, reason=reason)


def _stand_down_messages(activation, *, incident, now):
    """A volunteer stood down hears it, unless the invitation never left: then it never will."""
    invite = Message.objects.select_for_update().filter(key=invite_key(activation)).first()
    if invite is not None and invite.status == MessageStatus.QUEUED:
        _fail(invite, now, _("Not sent: the volunteer was stood down before it went out."))
        return
    if invite is not None and invite.status == MessageStatus.FAILED:
        return  # they never heard of it
    _queue_message(
        purpose=MessagePurpose.STAND_DOWN,
        activation=activation,
        body=texts.stand_down_text(incident=incident),
        now=now,
        expires_at=now + timedelta(hours=settings.VOLUNTEER_LINK_MAX_AGE_HOURS),
        key=stand_down_key(activation),
    )


def _expire(activation, *, incident, now, reason):
    activation.status = ActivationStatus.EXPIRED
    activation.expired_at = now
    activation.expire_reason = reason
    activation.save(update_fields=["status", "expired_at", "expire_reason"])
    _event("volunteer.expired", activation=activation, incident=incident, by=None, at=now, via="system", expire_reason=reason)
    invite = Message.objects.select_for_update().filter(key=invite_key(activation)).first()
    if invite is not None and invite.status == MessageStatus.QUEUED:
        _fail(invite, now, _("Not sent: the activation expired before the provider could be reached."))


def _expiry_reason(activation, incident, now):
    if activation.status != ActivationStatus.SENT:
        return None
    if not incident.is_active:
        return ExpireReason.INCIDENT_CLOSED
    if now >= activation.respond_by:
        return ExpireReason.NO_ANSWER
    return None


def activation_expire_if_due(*, activation):
    """Expire one activation now if its time to answer is over (or its incident closed). True if it did."""
    now = clock.now()
    with transaction.atomic():
        incident = _lock_incident(activation.incident)
        activation = _lock_activation(activation)
        reason = _expiry_reason(activation, incident, now)
        if reason is None:
            return False
        _expire(activation, incident=incident, now=now, reason=reason)
        return True


def activations_expire_due(*, now=None):
    """The periodic sweep: every unanswered activation past its time, or on a closed incident."""
    from incidents.models import ACTIVE_STATUSES
    from django.db.models import Q

    now = now or clock.now()
    candidates = Activation.objects.filter(status=ActivationStatus.SENT).filter(Q(respond_by__lte=now) | ~Q(incident__status__in=ACTIVE_STATUSES))
    expired = 0
    for activation in candidates.select_related("incident").order_by("id")[:500]:
        with clock.travel_to(now):
            expired += activation_expire_if_due(activation=activation)
    return expired


# --- the outbox -----------------------------------------------------------------------------------


def retry_delay(attempts, retry_after=None):
    """Seconds before the next attempt: base · 2^(attempts-1), capped; at least what the provider asked."""
    return outbox.retry_delay(
        attempts, base=settings.MESSAGING_RETRY_BASE_SECONDS, cap=settings.MESSAGING_RETRY_MAX_SECONDS, retry_after=retry_after
    )


def _message_event(kind, message, now):
    activation = message.activation
    if activation is None:
        return
    incident = Incident.objects.select_related("category", "kelurahan__kecamatan").get(pk=activation.incident_id)
    activation = Activation.objects.select_related("volunteer__kelurahan__kecamatan", "sent_by").get(pk=activation.pk)
    _event(kind, activation=activation, incident=incident, by=None, at=now, via="outbox", message=message_snapshot(message))


def _fail(message, now, error):
    message.status = MessageStatus.FAILED
    message.failed_at = now
    message.claimed_until = None
    message.last_error = str(error)[:500]
    message.save()
    _message_event("volunteer.message_failed", message, now)


def _claim_seconds(gateway):
    return getattr(gateway, "timeout", 10) + 30


def message_send(*, message_id, gateway=None):
    """Try to send one message once, if it is due. Never sends a message that is sent, failed,
    or being sent by someone else; returns the message as it is afterwards.

    The provider is called outside any transaction (no lock is held while waiting on the network);
    the message is claimed first (status "sending" until a deadline), so the task and the sweep
    never send it both. A sender that dies leaves the claim to run out and the sweep to try again.
    """
    gateway = gateway or get_gateway()
    now = clock.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status in (MessageStatus.SENT, MessageStatus.FAILED):
            return message
        if message.status == MessageStatus.QUEUED and message.next_attempt_at > now:
            return message
        if message.status == MessageStatus.SENDING and message.claimed_until and message.claimed_until > now:
            return message
        if message.expires_at and now >= message.expires_at:
            _fail(message, now, message.last_error or _("Not sent in time: the provider could not be reached before it expired."))
            return message
        if message.is_demo and not isinstance(gateway, ConsoleGateway):
            # Demo volunteers have made-up numbers that may belong to real people.
            gateway = ConsoleGateway()
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.claimed_until = now + timedelta(seconds=_claim_seconds(gateway))
        message.gateway = gateway.name
        message.save()
        attempt = message.attempts

    retry_after = None
    try:
        result = gateway.send(message)
        outcome, error = "sent", ""
    except PermanentSendError as failure:
        outcome, error = "failed", str(failure)
    except TransientSendError as failure:
        outcome, error, retry_after = "retry", str(failure), failure.retry_after
    except Exception as failure:  # noqa: BLE001 — a broken gateway must not lose the message
        logger.exception("gateway %s failed on message %s", gateway.name, message_id)
        outcome, error = "retry", f"{type(failure).__name__}: {failure}"

    finished = clock.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.SENDING or message.attempts != attempt:
            return message  # our claim ran out and another sender took over
        if outcome == "sent":
            message.status = MessageStatus.SENT
            message.sent_at = finished
            message.provider_id = result.provider_id[:120]
            message.claimed_until = None
            message.last_error = ""
            message.save()
            _after_sent(message, finished)
        elif outcome == "failed":
            _fail(message, finished, error)
        else:
            next_at = finished + timedelta(seconds=retry_delay(message.attempts, retry_after))
            if message.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
                _fail(message, finished, _("Gave up after %(n)d attempts: %(error)s") % {"n": message.attempts, "error": error})
            elif message.expires_at and next_at >= message.expires_at:
                _fail(message, finished, _("Not sent in time: %(error)s") % {"error": error})
            else:
                message.status = MessageStatus.QUEUED
                message.next_attempt_at = next_at
                message.claimed_until = None
                message.last_error = error[:500]
                message.save()
    return message


def _after_sent(message, now):
    """The invitation went out: the volunteer gets the full time to answer from now on."""
    if message.purpose == MessagePurpose.ACTIVATION and message.activation_id:
        activation = Activation.objects.select_for_update().get(pk=message.activation_id)
        respond_by = now + timedelta(minutes=settings.VOLUNTEER_RESPONSE_MINUTES)
        if activation.status == ActivationStatus.SENT and respond_by > activation.respond_by:
            activation.respond_by = respond_by
            activation.save(update_fields=["respond_by"])
    _message_event("volunteer.message_sent", message, now)


def messages_send_due(*, now=None, limit=100):
    """The periodic sweep: send every message that is due (queued and its time has come, or
    claimed by a sender that died). Returns {status: count} of what it touched."""
    from volunteers.selectors import due_message_ids

    now = now or clock.now()
    gateway = get_gateway()
    outcome = {}
    for message_id in due_message_ids(now, limit=limit):
        message = message_send(message_id=message_id, gateway=gateway)
        outcome[message.status] = outcome.get(message.status, 0) + 1
    return outcome


@transaction.atomic
def message_requeue(*, message, by):
    """A coordinator sends a failed message again (the provider's account was topped up, the
    number corrected). Not for an invitation whose activation can no longer be answered."""
    now = clock.now()
    message = Message.objects.select_for_update(of=("self",)).select_related("activation").get(pk=message.pk)
    if message.status != MessageStatus.FAILED:
        raise TransitionNotAllowed(_("Only a failed message can be sent again."), current=message)
    activation = message.activation
    if message.purpose == MessagePurpose.ACTIVATION and activation is not None:
        if activation.status != ActivationStatus.SENT or now >= activation.respond_by:
            raise TransitionNotAllowed(
                _("This invitation can no longer be answered (%(status)s); call the volunteer again from the incident instead.")
                % {"status": ActivationStatus(activation.status).label},
                current=message,
            )
        message.expires_at = activation.respond_by
    elif message.expires_at and now >= message.expires_at:
        message.expires_at = now + timedelta(hours=1)
    message.status = MessageStatus.QUEUED
    message.next_attempt_at = now
    message.failed_at = None
    message.attempts = 0
    message.save()
    _send_after_commit(message.pk)
    return message
