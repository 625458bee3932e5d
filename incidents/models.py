"""Calls, incidents, categories, OPD agencies and their assignments.

Statuses and their allowed transitions are tables next to the status choices; the services in
incidents/services.py are the only code that changes them.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch112.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS, Kelurahan

MAX_TEXT = 2000
MAX_SHORT_TEXT = 255


class AgencyKind(models.TextChoices):
    FIRE = "fire", _("fire and rescue")
    MEDICAL = "medical", _("medical / ambulance")
    POLICE = "police", _("police")
    DISASTER = "disaster", _("disaster management")
    SEARCH_RESCUE = "sar", _("search and rescue")
    PUBLIC_ORDER = "public_order", _("public order")
    TRANSPORT = "transport", _("transport")
    ELECTRICITY = "electricity", _("electricity")
    WATER = "water", _("water")
    SOCIAL = "social", _("social / other")


class Agency(models.Model):
    """An OPD or other responding organisation that incidents are dispatched to."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency (OPD)")
        verbose_name_plural = _("agencies (OPD)")

    def __str__(self):
        return self.name


class AgencyPost(models.Model):
    """A place an agency responds from: fire station, ambulance post, police post."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="posts", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=MAX_SHORT_TEXT, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=LATITUDE_VALIDATORS)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=LONGITUDE_VALIDATORS)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("agency post")
        verbose_name_plural = _("agency posts")

    def __str__(self):
        return f"{self.agency.code}: {self.name}"


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — life at risk now")
    P2 = 2, _("P2 — urgent")
    P3 = 3, _("P3 — needs response")
    P4 = 4, _("P4 — low")


class IncidentCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_id = models.CharField(_("name (Bahasa Indonesia)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    default_priority = models.PositiveSmallIntegerField(_("default priority"), choices=Priority.choices, default=Priority.P3)
    default_agencies = models.ManyToManyField(Agency, blank=True, related_name="+", verbose_name=_("default agencies"))
    colour = models.CharField(_("colour"), max_length=7, default="#607d8b")
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    quick_key = models.CharField(_("quick key"), max_length=1, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        constraints = [
            models.UniqueConstraint(fields=["quick_key"], condition=~Q(quick_key=""), name="category_unique_quick_key")
        ]

    def __str__(self):
        return self.name_id

    def name_for(self, language):
        return self.name_en if (language or "").startswith("en") else self.name_id


class IncidentStatus(models.TextChoices):
    NEW = "new", _("new")
    DISPATCHED = "dispatched", _("dispatched")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    EN_ROUTE = "en_route", _("en route")
    ON_SCENE = "on_scene", _("on scene")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


ACTIVE_STATUSES = (
    IncidentStatus.NEW,
    IncidentStatus.DISPATCHED,
    IncidentStatus.ACKNOWLEDGED,
    IncidentStatus.EN_ROUTE,
    IncidentStatus.ON_SCENE,
)
FINISHED_STATUSES = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED, IncidentStatus.CANCELLED)

# The manual actions on an incident and the statuses each may start from. The statuses between
# NEW and ON_SCENE are not set by hand: they follow the assignments (services._derive_status).
INCIDENT_ACTIONS = {
    "dispatch": set(ACTIVE_STATUSES),
    "update": set(ACTIVE_STATUSES),
    "resolve": set(ACTIVE_STATUSES),
    "close": {IncidentStatus.RESOLVED},
    "cancel": set(ACTIVE_STATUSES),
    "reopen": set(FINISHED_STATUSES),
    "link_call": set(ACTIVE_STATUSES),
    "note": set(ACTIVE_STATUSES) | {IncidentStatus.RESOLVED},
}


class IncidentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def with_related(self):
        return self.select_related("category", "kelurahan__kecamatan").prefetch_related(
            models.Prefetch("assignments", queryset=Assignment.objects.select_related("agency", "post").order_by("id"))
        )

    def visible_to_agency(self, agency_id):
        return self.filter(assignments__agency_id=agency_id).distinct()


class Incident(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("category"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.NEW)
    kelurahan = models.ForeignKey(
        Kelurahan, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("kelurahan")
    )
    address = models.CharField(_("address"), max_length=MAX_SHORT_TEXT, blank=True)
    landmark = models.CharField(_("landmark"), max_length=MAX_SHORT_TEXT, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("description"), max_length=MAX_TEXT, blank=True)
    call_count = models.PositiveIntegerField(_("calls"), default=1)
    version = models.PositiveIntegerField(_("version"), default=1)

    created_at = models.DateTimeField(_("created"), db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    first_acknowledged_at = models.DateTimeField(_("first acknowledged"), null=True, blank=True)
    first_on_scene_at = models.DateTimeField(_("first on scene"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), max_length=MAX_TEXT, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=MAX_SHORT_TEXT, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The shift the incident was created in (a night shift belongs to the date it starts).
    shift = models.CharField(_("shift"), max_length=16, blank=True)
    shift_date = models.DateField(_("shift date"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="incident_queue_idx"),
            models.Index(fields=["kelurahan", "created_at"], name="incident_kelurahan_idx"),
            models.Index(fields=["category", "created_at"], name="incident_category_idx"),
            models.Index(fields=["shift_date", "shift"], name="incident_shift_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None


class AssignmentStatus(models.TextChoices):
    NOTIFIED = "notified", _("notified")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    EN_ROUTE = "en_route", _("en route")
    ON_SCENE = "on_scene", _("on scene")
    COMPLETED = "completed", _("completed")
    DECLINED = "declined", _("declined")


ASSIGNMENT_TRANSITIONS = {
    AssignmentStatus.NOTIFIED: {AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.DECLINED},
    # A unit that is already at the scene when it acknowledges may skip "en route".
    AssignmentStatus.ACKNOWLEDGED: {AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE, AssignmentStatus.DECLINED},
    AssignmentStatus.EN_ROUTE: {AssignmentStatus.ON_SCENE},
    AssignmentStatus.ON_SCENE: {AssignmentStatus.COMPLETED},
    AssignmentStatus.COMPLETED: set(),
    AssignmentStatus.DECLINED: set(),
}
OPEN_ASSIGNMENT_STATUSES = (
    AssignmentStatus.NOTIFIED,
    AssignmentStatus.ACKNOWLEDGED,
    AssignmentStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE,
)
# The timestamp and actor fields each status writes.
ASSIGNMENT_STAMPS = {
    AssignmentStatus.NOTIFIED: ("notified_at", "notified_by"),
    AssignmentStatus.ACKNOWLEDGED: ("acknowledged_at", "acknowledged_by"),
    AssignmentStatus.EN_ROUTE: ("en_route_at", "en_route_by"),
    AssignmentStatus.ON_SCENE: ("on_scene_at", "on_scene_by"),
    AssignmentStatus.COMPLETED: ("completed_at", "completed_by"),
    AssignmentStatus.DECLINED: ("declined_at", "declined_by"),
}


def _actor_field():
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")


class Assignment(models.Model):
    """One agency's part in one incident, with the time and actor of each step."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("agency"))
    post = models.ForeignKey(AgencyPost, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("post"))
    status = models.CharField(_("status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.NOTIFIED)
    notified_at = models.DateTimeField(_("notified"))
    notified_by = _actor_field()
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = _actor_field()
    en_route_at = models.DateTimeField(_("en route"), null=True, blank=True)
    en_route_by = _actor_field()
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    on_scene_by = _actor_field()
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = _actor_field()
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    declined_by = _actor_field()
    decline_reason = models.CharField(_("decline reason"), max_length=MAX_SHORT_TEXT, blank=True)
    # When the overdue escalation was raised: a record of that event, not derived state.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["incident", "agency"], name="assignment_one_per_agency")]
        indexes = [
            models.Index(fields=["status", "notified_at"], name="assignment_status_idx"),
            # The reports join a period's incidents to their assignments: with every step's time
            # in the index that join reads the index only, not the whole assignment table.
            models.Index(
                fields=["incident", "agency", "notified_at", "acknowledged_at", "en_route_at", "on_scene_at"], name="assignment_report_idx"
            ),
        ]

    def __str__(self):
        return f"{self.incident_id}/{self.agency_id} {self.status}"

    @property
    def is_open(self):
        return self.status in OPEN_ASSIGNMENT_STATUSES

    def acknowledge_deadline(self, targets=None):
        targets = targets or settings.ACK_TARGET_SECONDS
        return self.notified_at + timedelta(seconds=targets[self.incident.priority])

    def is_overdue(self, now):
        return self.status == AssignmentStatus.NOTIFIED and now > self.acknowledge_deadline()


class CallOutcome(models.TextChoices):
    EMERGENCY = "emergency", _("emergency")
    INFO = "info", _("non-emergency / information")
    PRANK = "prank", _("prank")
    SILENT = "silent", _("silent / ghost call")
    TEST = "test", _("test")
    DUPLICATE = "duplicate", _("duplicate (about a known incident)")


NO_INCIDENT_OUTCOMES = (CallOutcome.INFO, CallOutcome.PRANK, CallOutcome.SILENT, CallOutcome.TEST)


class Call(models.Model):
    """Every 112 call, whether or not it becomes an incident."""

    caller_number = models.CharField(_("caller number"), max_length=20, blank=True, db_index=True)
    caller_name = models.CharField(_("caller name"), max_length=120, blank=True)
    line = models.CharField(_("line"), max_length=40, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="calls")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    location_text = models.CharField(_("location as told"), max_length=MAX_SHORT_TEXT, blank=True)
    notes = models.TextField(_("notes"), max_length=MAX_TEXT, blank=True)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)
    # The shift the call was received in (a night shift belongs to the date it starts).
    shift = models.CharField(_("shift"), max_length=16, blank=True)
    shift_date = models.DateField(_("shift date"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["caller_number", "received_at"], name="call_caller_idx"),
            models.Index(fields=["shift_date", "shift"], name="call_shift_idx"),
        ]

    def __str__(self):
        return f"{self.caller_number or '—'} {self.outcome} {self.received_at:%Y-%m-%d %H:%M}"


class DailySequence(models.Model):
    """The last incident number handed out for one reference prefix and day."""

    prefix = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)
