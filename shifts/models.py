"""Shift types, the roster, swaps between two people, handovers, and the reminders already sent.

Times of day are WITA wall-clock times (settings.TIME_ZONE); a shift whose end is not after its
start crosses midnight and belongs to the date it starts (the night shift of 31 January ends at
07:00 on 1 February and is "31 January, malam"). The services in shifts/services.py are the only
code that writes these rows.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_NOTES = 5000
MAX_NOTE = 200


class ShiftType(models.Model):
    """Pagi, siang, malam: a daily shift with its WITA times and minimum staffing."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=40)
    starts_at = models.TimeField(_("starts (WITA)"))
    ends_at = models.TimeField(
        _("ends (WITA)"), help_text=_("An end at or before the start means the shift crosses midnight.")
    )
    min_operators = models.PositiveSmallIntegerField(_("minimum operators"), default=2)
    min_supervisors = models.PositiveSmallIntegerField(_("minimum supervisors"), default=1)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "starts_at"]
        verbose_name = _("shift type")
        verbose_name_plural = _("shift types")

    def __str__(self):
        return self.name

    @property
    def crosses_midnight(self):
        return self.ends_at <= self.starts_at

    @property
    def duration(self):
        start = datetime.combine(datetime.min.date(), self.starts_at)
        end = datetime.combine(datetime.min.date(), self.ends_at)
        if self.crosses_midnight:
            end += timedelta(days=1)
        return end - start

    def interval(self, date):
        """The aware start and end of this shift on `date` (the date it starts)."""
        zone = timezone.get_default_timezone()
        start = datetime.combine(date, self.starts_at, tzinfo=zone)
        end = datetime.combine(date + timedelta(days=1) if self.crosses_midnight else date, self.ends_at, tzinfo=zone)
        return start, end

    @property
    def hours_label(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Duty(models.TextChoices):
    OPERATOR = "operator", _("operator")
    SUPERVISOR = "supervisor", _("supervisor")


class RosterEntryQuerySet(models.QuerySet):
    def with_related(self):
        return self.select_related("shift_type", "user")

    def overlapping(self, start, end):
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def on_duty_at(self, moment):
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)


class RosterEntry(models.Model):
    """One person on one shift on one date, in one duty."""

    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="entries", verbose_name=_("shift"))
    date = models.DateField(_("date"), help_text=_("The date the shift starts."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_entries", verbose_name=_("person")
    )
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices, default=Duty.OPERATOR)
    # Volunteers (relawan) who take operator duty log in with an operator account like staff; the
    # roster says which they are, for the hours report and for the supervisor to know who is who.
    volunteer = models.BooleanField(_("relawan on operator duty"), default=False)
    note = models.CharField(_("note"), max_length=MAX_NOTE, blank=True)
    # The interval as scheduled when rostered. Kept (not derived from the shift type on every read)
    # so that changing a shift type's times does not rewrite who was on duty in the past, and so
    # that "who is on duty at T", overlap and rest are single indexed range queries.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_at = models.DateTimeField(_("rostered"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "duty", "user__first_name"]
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [
            models.UniqueConstraint(fields=["shift_type", "date", "user"], name="roster_one_entry_per_person_and_shift"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="roster_entry_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="roster_user_start_idx"),
            models.Index(fields=["starts_at", "ends_at"], name="roster_interval_idx"),
            models.Index(fields=["date", "shift_type"], name="roster_date_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.shift_type_id} {self.user_id} {self.duty}"


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("waiting for agreement")
    DONE = "done", _("swapped")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class SwapRequest(models.Model):
    """Two people exchange two roster entries once both have agreed."""

    first = models.ForeignKey(RosterEntry, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("first shift"))
    second = models.ForeignKey(RosterEntry, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("second shift"))
    # Who held each entry when the swap was asked: the entries' users change when it is done.
    first_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the two shifts were, readable after the entries are gone.
    first_label = models.CharField(max_length=80)
    second_label = models.CharField(max_length=80)
    first_agreed_at = models.DateTimeField(_("first person agreed"), null=True, blank=True)
    second_agreed_at = models.DateTimeField(_("second person agreed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=MAX_NOTE, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        indexes = [models.Index(fields=["status", "requested_at"], name="swap_status_idx")]

    def __str__(self):
        return f"swap {self.pk} {self.status}"

    def party(self, user):
        """'first', 'second' or None: which side of the swap this user is."""
        if user.pk == self.first_user_id:
            return "first"
        if user.pk == self.second_user_id:
            return "second"
        return None


class HandoverQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(acknowledged_at__isnull=True)


class Handover(models.Model):
    """Serah terima: the outgoing supervisor's notes and what was still open, for the incoming one."""

    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("shift"))
    date = models.DateField(_("date"), help_text=_("The date the outgoing shift started."))
    outgoing_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_written", verbose_name=_("outgoing supervisor")
    )
    incoming_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
        verbose_name=_("incoming supervisor"),
    )
    notes = models.TextField(_("notes"), max_length=MAX_NOTES)
    snapshot = models.JSONField(_("open items"), default=dict)
    snapshot_at = models.DateTimeField(_("open items as of"))
    created_at = models.DateTimeField(_("written"))
    updated_at = models.DateTimeField(_("updated"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledgement_note = models.TextField(_("incoming supervisor's remarks"), max_length=MAX_NOTES, blank=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [models.UniqueConstraint(fields=["shift_type", "date"], name="handover_one_per_shift")]
        indexes = [models.Index(fields=["acknowledged_at"], name="handover_ack_idx")]

    def __str__(self):
        return f"{self.date} {self.shift_type}"

    @property
    def is_acknowledged(self):
        return self.acknowledged_at is not None


class ShiftReminder(models.Model):
    """A reminder already pushed for one shift: the unique row is what makes it go out once."""

    class Kind(models.TextChoices):
        ENDING = "ending", _("shift ending")

    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField()
    event = models.ForeignKey("dispatch112.Event", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shift_type", "date", "kind"], name="shift_reminder_once")]
