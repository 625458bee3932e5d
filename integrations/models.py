"""The standard doors in and out: CAP alerts (published and received), agency webhooks carrying
EIDO documents through an outbox, and units (people and vehicles) reporting their position."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch112.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS
from dispatch112.outbox import OutboxRow, OutboxStatus

MAX_TEXT = 2000


# --- CAP 1.2 vocabularies (OASIS CAP 1.2, section 3.2) ------------------------------------------


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("actual")
    EXERCISE = "Exercise", _("exercise")
    TEST = "Test", _("test")


class CapMsgType(models.TextChoices):
    ALERT = "Alert", _("alert")
    UPDATE = "Update", _("update")
    CANCEL = "Cancel", _("cancel")


class CapCategory(models.TextChoices):
    GEO = "Geo", _("geophysical (landslide)")
    MET = "Met", _("meteorological (flood)")
    SAFETY = "Safety", _("public safety")
    SECURITY = "Security", _("security")
    RESCUE = "Rescue", _("rescue")
    FIRE = "Fire", _("fire")
    HEALTH = "Health", _("health")
    ENV = "Env", _("environment")
    TRANSPORT = "Transport", _("transport (road closed)")
    INFRA = "Infra", _("infrastructure")
    OTHER = "Other", _("other")


class CapUrgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("immediate")
    EXPECTED = "Expected", _("expected")
    FUTURE = "Future", _("future")
    PAST = "Past", _("past")
    UNKNOWN = "Unknown", _("unknown")


class CapSeverity(models.TextChoices):
    EXTREME = "Extreme", _("extreme")
    SEVERE = "Severe", _("severe")
    MODERATE = "Moderate", _("moderate")
    MINOR = "Minor", _("minor")
    UNKNOWN = "Unknown", _("unknown")


class CapCertainty(models.TextChoices):
    OBSERVED = "Observed", _("observed")
    LIKELY = "Likely", _("likely")
    POSSIBLE = "Possible", _("possible")
    UNLIKELY = "Unlikely", _("unlikely")
    UNKNOWN = "Unknown", _("unknown")


class PublishedAlert(models.Model):
    """One CAP message this center published: an Alert, or an Update/Cancel of an earlier one.

    Each message is its own row and never changes once sent: a correction is a new Update that
    references the messages before it, as CAP consumers expect.
    """

    identifier = models.CharField(_("identifier"), max_length=120, unique=True)
    sent = models.DateTimeField(_("sent"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=CapStatus.choices, default=CapStatus.ACTUAL)
    msg_type = models.CharField(_("message type"), max_length=8, choices=CapMsgType.choices, default=CapMsgType.ALERT)
    # The first message of the thread (itself for an Alert); updates and cancels reference it.
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="followups")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="cap_alerts")
    category = models.CharField(_("category"), max_length=10, choices=CapCategory.choices)
    event = models.CharField(_("event"), max_length=120)
    urgency = models.CharField(_("urgency"), max_length=10, choices=CapUrgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=CapSeverity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=CapCertainty.choices)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"), max_length=MAX_TEXT, blank=True)
    instruction = models.TextField(_("instruction"), max_length=MAX_TEXT, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    area_desc = models.CharField(_("area"), max_length=255)
    # [[lat, lon], …] closed ring (first point repeated last), as CAP writes it; or empty.
    polygon = models.JSONField(_("polygon"), default=list, blank=True)
    circle_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE_VALIDATORS)
    circle_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE_VALIDATORS)
    circle_radius_km = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent", "-id"]
        verbose_name = _("published CAP alert")
        verbose_name_plural = _("published CAP alerts")

    def __str__(self):
        return f"{self.identifier} {self.msg_type}"

    @property
    def thread_original(self):
        return self.original or self

    def thread_before(self):
        """The earlier messages of this alert's thread, oldest first: what <references> lists."""
        original = self.thread_original
        earlier = PublishedAlert.objects.filter(Q(pk=original.pk) | Q(original=original), pk__lt=self.pk)
        return list(earlier.order_by("id"))


class ReceivedAlert(models.Model):
    """A CAP message read from a hazard feed (e.g. BMKG) whose area touches the region."""

    identifier = models.CharField(_("identifier"), max_length=255)
    sender = models.CharField(_("sender"), max_length=255)
    sent = models.DateTimeField(_("sent"))
    status = models.CharField(_("status"), max_length=10)
    msg_type = models.CharField(_("message type"), max_length=8)
    references = models.TextField(_("references"), blank=True)
    event = models.CharField(_("event"), max_length=255)
    headline = models.CharField(_("headline"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, blank=True)
    severity = models.CharField(_("severity"), max_length=10, blank=True)
    certainty = models.CharField(_("certainty"), max_length=10, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=255, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    area_desc = models.TextField(_("area"), blank=True)
    # {"polygons": [[[lat, lon], …]], "circles": [[lat, lon, radius_km]], "geocodes": [[name, value]]}
    areas = models.JSONField(_("areas"), default=dict)
    source_url = models.URLField(_("source"), max_length=500)
    received_at = models.DateTimeField(_("received"))
    # Set when a later Cancel (or an Update that replaces it) arrives from the same sender.
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-sent", "-id"]
        verbose_name = _("received CAP alert")
        verbose_name_plural = _("received CAP alerts")
        constraints = [models.UniqueConstraint(fields=["sender", "identifier"], name="received_alert_unique")]

    def __str__(self):
        return f"{self.sender} {self.identifier}"


# --- agency webhooks (EIDO out) -----------------------------------------------------------------


def new_secret():
    return secrets.token_urlsafe(32)


class AgencyWebhook(models.Model):
    """Where an agency's own system wants each change of its incidents, as an EIDO document."""

    agency = models.OneToOneField("incidents.Agency", on_delete=models.CASCADE, related_name="webhook", verbose_name=_("agency"))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, default=new_secret)
    active = models.BooleanField(_("active"), default=True)
    # Callers' numbers and names are personal data; an agency sees them only when it needs them.
    share_caller_data = models.BooleanField(_("share caller name and number"), default=False)

    class Meta:
        verbose_name = _("agency webhook")
        verbose_name_plural = _("agency webhooks")

    def __str__(self):
        return f"{self.agency} → {self.url}"


DeliveryStatus = OutboxStatus


class WebhookDelivery(OutboxRow):
    """One EIDO document to POST to one agency: the outbox row (see dispatch112.outbox)."""

    # One per (webhook, incident, version): a change is delivered once, whatever scans it again.
    key = models.CharField(max_length=120, unique=True)
    webhook = models.ForeignKey(AgencyWebhook, on_delete=models.CASCADE, related_name="deliveries")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    incident_version = models.PositiveIntegerField()
    document = models.JSONField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self):
        return f"{self.key} {self.status}"


class EventCursor(models.Model):
    """How far a reader of the Event table has got (the webhook scan)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)


# --- units on the map ----------------------------------------------------------------------------


class UnitSource(models.TextChoices):
    BROWSER = "browser", _("OPD console (phone)")
    OWNTRACKS = "owntracks", _("OwnTracks")
    TRACCAR = "traccar", _("Traccar / OsmAnd")


def new_device_token():
    return secrets.token_urlsafe(24)


class Unit(models.Model):
    """A responder on the move: an OPD staff member sharing from the console, or a vehicle tracker."""

    agency = models.ForeignKey("incidents.Agency", on_delete=models.CASCADE, related_name="units", verbose_name=_("agency"))
    name = models.CharField(_("call sign"), max_length=80)
    # A person sharing from the OPD console; empty for a vehicle tracker.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="unit")
    # A tracker's secret: the OwnTracks password / bearer token, or the Traccar device identifier.
    token = models.CharField(_("device token"), max_length=64, unique=True, null=True, blank=True)
    # The assignment the unit is responding to; its incident is what the map measures distance to.
    assignment = models.ForeignKey(
        "incidents.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="units", verbose_name=_("assignment")
    )
    active = models.BooleanField(_("active"), default=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return f"{self.agency.code}: {self.name}"


class UnitPosition(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="positions")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LATITUDE_VALIDATORS)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LONGITUDE_VALIDATORS)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=UnitSource.choices)
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["unit", "-recorded_at"], name="unit_position_latest_idx")]
