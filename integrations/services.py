"""Writes for the integrations: CAP alerts out and in, the agencies' EIDO webhooks, unit positions.
Each write is one transaction that writes its Event (pushed on commit)."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dispatch112 import clock, events, outbox
from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event
from dispatch112.region import current_region, region_kelurahan
from dispatch112.text import clean_text
from incidents.models import MAX_TEXT, Assignment, AssignmentStatus, Incident
from integrations import cap, capfeed, eido, webhooks
from integrations.areas import area_touches_region
from integrations.models import (
    AgencyWebhook,
    CapCategory,
    CapCertainty,
    CapMsgType,
    CapSeverity,
    CapStatus,
    CapUrgency,
    DeliveryStatus,
    EventCursor,
    PublishedAlert,
    ReceivedAlert,
    Unit,
    UnitPosition,
    UnitSource,
    WebhookDelivery,
)
from integrations.snapshots import published_snapshot, received_snapshot, unit_snapshot

logger = logging.getLogger("integrations")


# --- CAP out ----------------------------------------------------------------------------------------


@dataclass
class WarningInput:
    """What a supervisor writes for a public warning (or what an incident suggests)."""

    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    area_desc: str
    description: str = ""
    instruction: str = ""
    expires: object = None
    kelurahan: object = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    radius_km: Decimal | None = None
    status: str = CapStatus.ACTUAL


# Incident categories that have an obvious CAP category; the rest are "Safety".
CAP_CATEGORY_BY_INCIDENT = {
    "kebakaran": CapCategory.FIRE,
    "banjir": CapCategory.MET,
    "tanah-longsor": CapCategory.GEO,
    "longsor": CapCategory.GEO,
    "kecelakaan-lalu-lintas": CapCategory.TRANSPORT,
    "darurat-medis": CapCategory.HEALTH,
    "pohon-tumbang": CapCategory.INFRA,
}
DEFAULT_RADIUS_KM = Decimal("1.000")


def warning_from_incident(incident):
    """A starting point for the form: the public facts of the incident, no caller data."""
    kelurahan = incident.kelurahan
    place = f"Kel. {kelurahan.name}, Kec. {kelurahan.kecamatan.name}" if kelurahan else current_region().name
    return WarningInput(
        category=CAP_CATEGORY_BY_INCIDENT.get(incident.category.code, CapCategory.SAFETY),
        event=incident.category.name_id,
        urgency=CapUrgency.IMMEDIATE,
        severity=CapSeverity.SEVERE if incident.priority <= 2 else CapSeverity.MODERATE,
        certainty=CapCertainty.OBSERVED,
        headline=f"{incident.category.name_id} di {place}"[:160],
        area_desc=place,
        description=" ".join(part for part in (incident.address, incident.landmark) if part),
        kelurahan=kelurahan,
        latitude=incident.latitude,
        longitude=incident.longitude,
        radius_km=DEFAULT_RADIUS_KM if incident.has_point else None,
    )


def _check_choice(value, choices, field):
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}})


def _clean_warning(data):
    for field, choices in (
        ("category", CapCategory), ("urgency", CapUrgency), ("severity", CapSeverity), ("certainty", CapCertainty), ("status", CapStatus),
    ):
        _check_choice(getattr(data, field), choices, field)
    clean = {
        "event": clean_text(data.event, field="event", max_length=120, required=True),
        "headline": clean_text(data.headline, field="headline", max_length=160, required=True),
        "description": clean_text(data.description, field="description", max_length=MAX_TEXT),
        "instruction": clean_text(data.instruction, field="instruction", max_length=MAX_TEXT),
        "area_desc": clean_text(data.area_desc, field="area_desc", max_length=255, required=True),
    }
    polygon = cap.ring_from_geojson(data.kelurahan.boundary) if data.kelurahan is not None else []
    circle = (None, None, None)
    if data.latitude is not None and data.longitude is not None:
        if not current_region().contains(data.latitude, data.longitude):
            raise ValidationError({"latitude": _("The point is outside %(region)s.") % {"region": current_region().name}})
        radius = data.radius_km if data.radius_km is not None else DEFAULT_RADIUS_KM
        if not Decimal("0.05") <= Decimal(radius) <= Decimal("200"):
            raise ValidationError({"radius_km": _("Between 0.05 and 200 km.")})
        circle = (data.latitude, data.longitude, Decimal(radius))
    elif not polygon and data.kelurahan is not None and data.kelurahan.has_point:
        # No boundary on file: the kelurahan's centre with a radius that covers a typical kelurahan.
        circle = (data.kelurahan.latitude, data.kelurahan.longitude, Decimal(data.radius_km or "1.5"))
    if not polygon and circle[0] is None:
        raise ValidationError({"kelurahan": _("Choose a kelurahan or a point: an alert needs an area on the map.")})
    if data.expires is not None and data.expires <= clock.now():
        raise ValidationError({"expires": _("Must be in the future.")})
    return {
        **clean,
        "category": data.category,
        "urgency": data.urgency,
        "severity": data.severity,
        "certainty": data.certainty,
        "status": data.status,
        "expires": data.expires,
        "polygon": polygon,
        "circle_latitude": circle[0],
        "circle_longitude": circle[1],
        "circle_radius_km": circle[2],
    }


def _new_identifier(now):
    # CAP: unique per sender, no spaces, commas or '<' '&'.
    return f"112-{current_region().short}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def _cap_event(kind, alert, by, now):
    payload = {"alert": published_snapshot(alert), "actor_name": str(by) if by else None}
    events.record(kind=kind, audience=events.AUDIENCE_CONSOLE, incident=alert.incident, actor=by, payload=payload, at=now)


def _thread_state(alert):
    """The newest message of the thread, locked; refuses a thread that was cancelled."""
    original = PublishedAlert.objects.select_for_update().get(pk=alert.thread_original.pk)
    latest = PublishedAlert.objects.filter(Q(pk=original.pk) | Q(original=original)).order_by("-id").first()
    if latest.msg_type == CapMsgType.CANCEL:
        raise TransitionNotAllowed(_("This alert was cancelled; write a new one instead."))
    return original, latest


@transaction.atomic
def cap_alert_publish(*, by, data, incident=None):
    now = clock.now()
    alert = PublishedAlert.objects.create(
        identifier=_new_identifier(now), sent=now, msg_type=CapMsgType.ALERT, incident=incident, created_by=by, **_clean_warning(data)
    )
    _cap_event("cap.published", alert, by, now)
    return alert


@transaction.atomic
def cap_alert_update(*, alert, by, data):
    now = clock.now()
    original, latest = _thread_state(alert)
    update = PublishedAlert.objects.create(
        identifier=_new_identifier(now), sent=now, msg_type=CapMsgType.UPDATE, original=original, previous=latest,
        incident=original.incident, created_by=by, **_clean_warning(data),
    )
    _cap_event("cap.published", update, by, now)
    return update


@transaction.atomic
def cap_alert_cancel(*, alert, by, reason):
    now = clock.now()
    original, latest = _thread_state(alert)
    reason = clean_text(reason, field="reason", max_length=MAX_TEXT, required=True)
    fields = {name: getattr(latest, name) for name in (
        "status", "category", "event", "urgency", "severity", "certainty", "area_desc", "polygon",
        "circle_latitude", "circle_longitude", "circle_radius_km", "instruction",
    )}
    cancel = PublishedAlert.objects.create(
        identifier=_new_identifier(now), sent=now, msg_type=CapMsgType.CANCEL, original=original, previous=latest,
        incident=original.incident, created_by=by, headline=(_("CANCELLED: %(headline)s") % {"headline": latest.headline})[:160],
        description=reason, **fields,
    )
    _cap_event("cap.cancelled", cancel, by, now)
    return cancel


# --- CAP in -----------------------------------------------------------------------------------------


def _received_fields(parsed, source_url, now):
    return {
        "sent": parsed.sent, "status": parsed.status[:10], "msg_type": parsed.msg_type[:8],
        "references": " ".join(f"{s},{i}" for s, i in parsed.references), "event": parsed.event[:255],
        "headline": parsed.headline[:255], "description": parsed.description[:MAX_TEXT * 2],
        "instruction": parsed.instruction[:MAX_TEXT * 2], "urgency": parsed.urgency[:10], "severity": parsed.severity[:10],
        "certainty": parsed.certainty[:10], "sender_name": parsed.sender_name[:255], "expires": parsed.expires,
        "area_desc": parsed.area_desc, "areas": {"polygons": parsed.polygons, "circles": parsed.circles, "geocodes": parsed.geocodes},
        "source_url": source_url[:500], "received_at": now,
    }


def _touches_region(parsed):
    region = current_region()
    centres = [(float(lat), float(lon)) for lat, lon in region_kelurahan().filter(latitude__isnull=False).values_list("latitude", "longitude")]
    return area_touches_region(parsed, bounds=region.bounds, region_code=region.code, centres=centres)


@transaction.atomic
def received_alert_store(*, parsed, source_url):
    """Keep one CAP message from a feed. Returns the stored alert, or None when it is a repeat,
    outside the region, or a Cancel/Update of nothing we kept (a Cancel is applied, not shown)."""
    now = clock.now()
    if ReceivedAlert.objects.filter(sender=parsed.sender, identifier=parsed.identifier).exists():
        return None
    earlier = []
    if parsed.references:
        earlier = list(ReceivedAlert.objects.select_for_update().filter(_reference_filter(parsed.references), superseded_by__isnull=True))
    if parsed.msg_type != CapMsgType.CANCEL and not _touches_region(parsed) and not earlier:
        return None
    if parsed.msg_type == CapMsgType.CANCEL and not earlier:
        return None
    try:
        with transaction.atomic():
            alert = ReceivedAlert.objects.create(identifier=parsed.identifier[:255], sender=parsed.sender[:255], **_received_fields(parsed, source_url, now))
    except IntegrityError:
        return None  # another reader stored it first
    for old in earlier:
        old.superseded_by = alert
        if parsed.msg_type == CapMsgType.CANCEL:
            old.cancelled_at = now
        old.save(update_fields=["superseded_by", "cancelled_at"])
    kind = "cap.alert_cancelled" if parsed.msg_type == CapMsgType.CANCEL else "cap.alert_received"
    events.record(
        kind=kind,
        audience=events.AUDIENCE_CONSOLE,
        at=now,
        payload={"alert": received_snapshot(alert), "replaces": [old.pk for old in earlier], "actor_name": None},
    )
    return alert


def _reference_filter(references):
    condition = Q(pk__in=[])
    for sender, identifier in references:
        condition |= Q(sender=sender, identifier=identifier)
    return condition


def cap_feeds_read(*, urls=None):
    """Read every configured feed once: fetch its index and each CAP file not seen before.
    Returns counts; a feed that is down, slow or malformed is logged and skipped, never raised
    (this runs in Celery beat, which must keep going)."""
    summary = {"stored": 0, "skipped": 0, "errors": 0}
    for url in settings.CAP_FEED_URLS if urls is None else urls:
        try:
            links = capfeed.fetch_index(url)
        except capfeed.FeedError as error:
            logger.warning("CAP feed %s: %s", url, error)
            summary["errors"] += 1
            continue
        seen = set(ReceivedAlert.objects.filter(source_url__in=links).values_list("source_url", flat=True))
        for link in links[: settings.CAP_FEED_MAX_ITEMS]:
            if link in seen:
                summary["skipped"] += 1
                continue
            try:
                parsed = capfeed.fetch_alert(link)
                stored = received_alert_store(parsed=parsed, source_url=link)
            except (capfeed.FeedError, cap.CapParseError) as error:
                logger.warning("CAP file %s: %s", link, error)
                summary["errors"] += 1
                continue
            summary["stored" if stored else "skipped"] += 1
    return summary


# --- EIDO webhooks ----------------------------------------------------------------------------------

CURSOR_NAME = "eido-webhooks"
# Ids can commit out of order (PostgreSQL): each scan looks again at the last two minutes; the
# delivery key makes a second look harmless.
SCAN_LOOKBACK = timedelta(minutes=2)


def _delivery_key(webhook, incident):
    return f"eido-{webhook.pk}-{incident.pk}-v{incident.version}"


def _send_after_commit(delivery_id):
    def send():
        from integrations.tasks import send_webhook_delivery

        try:
            send_webhook_delivery.delay(delivery_id)
        except Exception:  # noqa: BLE001 — the broker is down: the row is queued, the sweep sends it
            logger.warning("delivery %s could not be handed to the worker; the sweep will send it", delivery_id, exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def webhook_deliveries_queue():
    """Queue one EIDO document per changed incident and subscribed agency. Reads the Event table
    (every change writes one), so the operator's request never waits on an agency's server."""
    now = clock.now()
    cursor, _created = EventCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
    changes = Event.objects.filter(incident__isnull=False).filter(Q(kind__startswith="incident.") | Q(kind__startswith="assignment."))
    changes = changes.filter(Q(id__gt=cursor.last_id) | Q(created_at__gte=now - SCAN_LOOKBACK))
    rows = list(changes.order_by("id").values_list("id", "incident_id")[:10000])
    if not rows:
        return 0
    cursor.last_id = max(cursor.last_id, rows[-1][0])
    cursor.save(update_fields=["last_id"])
    incident_ids = {incident_id for _id, incident_id in rows}
    hooks = AgencyWebhook.objects.filter(active=True, agency__assignments__incident_id__in=incident_ids).distinct()
    queued = 0
    for webhook in hooks:
        assigned = Assignment.objects.filter(agency_id=webhook.agency_id, incident_id__in=incident_ids).values_list("incident_id", flat=True)
        for incident in Incident.objects.filter(pk__in=set(assigned)).select_related("category", "kelurahan__kecamatan"):
            key = _delivery_key(webhook, incident)
            if WebhookDelivery.objects.filter(key=key).exists():
                continue
            delivery = WebhookDelivery.objects.create(
                key=key, webhook=webhook, incident=incident, incident_version=incident.version,
                document=eido.eido_document(incident, with_caller=webhook.share_caller_data), created_at=now, next_attempt_at=now,
            )
            _send_after_commit(delivery.pk)
            queued += 1
    return queued


def _delivery_settled(delivery, outcome):
    if outcome == DeliveryStatus.FAILED:
        logger.error("EIDO delivery %s to %s failed: %s", delivery.key, delivery.webhook.url, delivery.last_error)


def webhook_delivery_send(*, delivery_id):
    return outbox.send_once(
        WebhookDelivery,
        delivery_id,
        send=lambda delivery: webhooks.post_delivery(WebhookDelivery.objects.select_related("webhook").get(pk=delivery.pk)),
        max_attempts=settings.EIDO_WEBHOOK_MAX_ATTEMPTS,
        base=settings.EIDO_WEBHOOK_RETRY_BASE_SECONDS,
        cap=settings.EIDO_WEBHOOK_RETRY_MAX_SECONDS,
        claim_seconds=settings.EIDO_WEBHOOK_TIMEOUT_SECONDS + 30,
        on_settled=_delivery_settled,
    )


def webhook_deliveries_send_due(*, limit=100):
    now = clock.now()
    outcome = {}
    for delivery_id in WebhookDelivery.objects.due(now).order_by("next_attempt_at").values_list("id", flat=True)[:limit]:
        delivery = webhook_delivery_send(delivery_id=delivery_id)
        outcome[delivery.status] = outcome.get(delivery.status, 0) + 1
    return outcome


# --- units on the map -------------------------------------------------------------------------------

SHAREABLE_STATUSES = (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.EN_ROUTE)


@transaction.atomic
def unit_position_record(*, unit, fix, source):
    """Store one position; push it to the consoles and the unit's agency at most every
    UNIT_PUSH_MIN_SECONDS (a phone or tracker may report every second)."""
    now = clock.now()
    # of=("self",): PostgreSQL cannot lock the nullable side of an outer join (the assignment).
    unit = Unit.objects.select_for_update(of=("self",)).select_related("agency", "assignment__incident").get(pk=unit.pk)
    if not unit.active:
        raise TransitionNotAllowed(_("This unit is switched off; ask an administrator."))
    newest = unit.positions.order_by("-recorded_at").values_list("recorded_at", flat=True).first()
    position = UnitPosition.objects.create(
        unit=unit, latitude=fix.latitude, longitude=fix.longitude, accuracy_m=fix.accuracy_m, speed_kmh=fix.speed_kmh,
        heading=fix.heading, source=source, recorded_at=fix.recorded_at, received_at=now,
    )
    if newest is not None and fix.recorded_at < newest:
        return position  # a late fix from a queue the device flushed: history only, not the marker
    due = unit.last_pushed_at is None or (now - unit.last_pushed_at).total_seconds() >= settings.UNIT_PUSH_MIN_SECONDS
    if due:
        unit.last_pushed_at = now
        unit.save(update_fields=["last_pushed_at"])
        events.record(
            kind="unit.position", audience=events.agency_audience(unit.agency_id), at=now,
            payload={"unit": unit_snapshot(unit, position), "actor_name": None},
        )
    return position


@transaction.atomic
def unit_share(*, user, assignment, fix):
    """An OPD staff member's phone reports its position while they respond to `assignment`."""
    assignment = Assignment.objects.select_related("incident").get(pk=assignment.pk)
    if assignment.agency_id != user.agency_id:
        raise ValidationError({"assignment": _("This assignment is not your agency's.")})
    if assignment.status not in SHAREABLE_STATUSES:
        raise TransitionNotAllowed(
            _("Sharing stops once the assignment is %(status)s.") % {"status": AssignmentStatus(assignment.status).label}
        )
    unit, _created = Unit.objects.get_or_create(user=user, defaults={"agency_id": user.agency_id, "name": str(user)[:80]})
    if unit.assignment_id != assignment.pk or unit.agency_id != user.agency_id:
        unit.assignment = assignment
        unit.agency_id = user.agency_id
        unit.last_pushed_at = None  # a new trip shows at once
        unit.save(update_fields=["assignment", "agency", "last_pushed_at"])
    return unit_position_record(unit=unit, fix=fix, source=UnitSource.BROWSER)


@transaction.atomic
def unit_share_stop(*, user):
    unit = Unit.objects.select_for_update().filter(user=user).first()
    if unit is None or unit.assignment_id is None:
        return unit
    unit.assignment = None
    unit.save(update_fields=["assignment"])
    events.record(
        kind="unit.stopped", audience=events.agency_audience(unit.agency_id), actor=user,
        payload={"unit": {"id": unit.pk, "agency": {"id": unit.agency_id}}, "actor_name": str(user)},
    )
    return unit
