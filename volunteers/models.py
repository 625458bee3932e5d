"""Relawan (kelurahan volunteers), their activations on incidents, and the messaging outbox.

Statuses and their allowed transitions are tables next to the status choices; the services in
volunteers/services.py are the only code that changes them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch112.models import Kelurahan
from dispatch112.outbox import OutboxRow, OutboxStatus

MAX_NAME = 120
MAX_NOTES = 2000
MAX_REASON = 255


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("first aid")
    MEDIC = "medic", _("nurse / medic")
    FIRE = "fire", _("firefighting")
    WATER_RESCUE = "water_rescue", _("water rescue")
    SEARCH_RESCUE = "search_rescue", _("search and rescue")
    EVACUATION = "evacuation", _("evacuation and shelter")
    DRIVER = "driver", _("driver (car / ambulance)")
    BOAT = "boat", _("boat operator")
    RADIO = "radio", _("radio operator")
    SNAKE = "snake", _("snake and animal handling")
    CHAINSAW = "chainsaw", _("chainsaw / fallen trees")
    TRAFFIC = "traffic", _("traffic and crowd control")


class Language(models.TextChoices):
    # ISO 639 codes of the languages spoken in Samarinda and Kutai Kartanegara.
    INDONESIAN = "id", _("Bahasa Indonesia")
    BANJAR = "bjn", _("Banjar")
    KUTAI = "vkt", _("Kutai")
    JAVANESE = "jv", _("Javanese")
    BUGIS = "bug", _("Bugis")
    DAYAK = "day", _("Dayak")
    TORAJA = "sda", _("Toraja")
    ENGLISH = "en", _("English")
    SIGN = "inl", _("Indonesian sign language (BISINDO)")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Availability(models.TextChoices):
    ALWAYS = "always", _("always")
    WINDOWS = "windows", _("weekly time windows")


class Weekday(models.IntegerChoices):
    # datetime.weekday() numbering, in WITA.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class VolunteerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def with_related(self):
        return self.select_related("kelurahan__kecamatan", "user").prefetch_related(
            "skill_rows", "windows", models.Prefetch("covers", queryset=Kelurahan.objects.select_related("kecamatan"))
        )

    def covering(self, kelurahan_ids):
        return self.filter(Q(kelurahan_id__in=kelurahan_ids) | Q(covers__in=kelurahan_ids)).distinct()


class Volunteer(models.Model):
    """A relawan: a neighbour who reaches the scene first. No login; reached by SMS or WhatsApp."""

    name = models.CharField(_("name"), max_length=MAX_NAME)
    phone = models.CharField(_("phone"), max_length=20, unique=True, help_text=_("A mobile number: 08…, 62… or +62…"))
    channel = models.CharField(_("message channel"), max_length=10, choices=Channel.choices, default=Channel.SMS)
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("home kelurahan")
    )
    covers = models.ManyToManyField(
        Kelurahan, blank=True, related_name="covering_volunteers", verbose_name=_("other kelurahan covered")
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.ALWAYS
    )
    active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined"))
    notes = models.TextField(_("notes"), max_length=MAX_NOTES, blank=True)
    # A relawan who also takes operator shifts logs in with this account; while on shift they are
    # at the Command Center, not in their kelurahan.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
        verbose_name=_("user account (operator shifts)"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("relawan (volunteer)")
        verbose_name_plural = _("relawan (volunteers)")
        indexes = [models.Index(fields=["kelurahan", "active"], name="volunteer_kelurahan_idx")]

    def __str__(self):
        return self.name

    @property
    def skills(self):
        return sorted((row.skill for row in self.skill_rows.all()), key=lambda s: Skill.values.index(s) if s in Skill.values else 99)

    def skill_labels(self):
        return [Skill(s).label for s in self.skills if s in Skill.values]

    def language_labels(self):
        return [Language(code).label for code in self.languages if code in Language.values]

    def covered_kelurahan(self):
        """Home first, then the others covered."""
        return [self.kelurahan, *[k for k in self.covers.all() if k.pk != self.kelurahan_id]]


class VolunteerSkill(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skill_rows")
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [models.UniqueConstraint(fields=["volunteer", "skill"], name="volunteer_skill_unique")]
        indexes = [models.Index(fields=["skill"], name="volunteer_skill_idx")]

    def __str__(self):
        return f"{self.volunteer_id}:{self.skill}"


class AvailabilityWindow(models.Model):
    """A weekly window in WITA. `ends` at or before `starts` runs past midnight into the next day
    (Friday 22:00–06:00 is Friday night to Saturday morning); equal times mean 24 hours."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")
        constraints = [models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_range")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"

    @property
    def crosses_midnight(self):
        return self.ends <= self.starts


# --- activations ----------------------------------------------------------------------------------


class ActivationStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    ARRIVED = "arrived", _("arrived")
    FINISHED = "finished", _("finished")
    EXPIRED = "expired", _("expired")
    # Stood down by the Command Center (a false alarm, enough people there).
    CANCELLED = "cancelled", _("stood down")


ACTIVATION_TRANSITIONS = {
    ActivationStatus.SENT: {ActivationStatus.ACCEPTED, ActivationStatus.DECLINED, ActivationStatus.EXPIRED, ActivationStatus.CANCELLED},
    # Someone who accepted may be turned back before reaching the scene: "finished" without "arrived".
    ActivationStatus.ACCEPTED: {ActivationStatus.ARRIVED, ActivationStatus.FINISHED, ActivationStatus.CANCELLED},
    ActivationStatus.ARRIVED: {ActivationStatus.FINISHED, ActivationStatus.CANCELLED},
    ActivationStatus.DECLINED: set(),
    ActivationStatus.FINISHED: set(),
    ActivationStatus.EXPIRED: set(),
    ActivationStatus.CANCELLED: set(),
}
OPEN_ACTIVATION_STATUSES = (ActivationStatus.SENT, ActivationStatus.ACCEPTED, ActivationStatus.ARRIVED)
# A volunteer on their way or at a scene is busy for every other incident.
BUSY_ACTIVATION_STATUSES = (ActivationStatus.ACCEPTED, ActivationStatus.ARRIVED)
# What the volunteer may do from the link; the rest is the Command Center's or the clock's.
VOLUNTEER_ACTIONS = {
    "accept": ActivationStatus.ACCEPTED,
    "decline": ActivationStatus.DECLINED,
    "arrived": ActivationStatus.ARRIVED,
    "finished": ActivationStatus.FINISHED,
}
ACTIVATION_STAMPS = {
    ActivationStatus.SENT: "sent_at",
    ActivationStatus.ACCEPTED: "accepted_at",
    ActivationStatus.DECLINED: "declined_at",
    ActivationStatus.ARRIVED: "arrived_at",
    ActivationStatus.FINISHED: "finished_at",
    ActivationStatus.EXPIRED: "expired_at",
    ActivationStatus.CANCELLED: "cancelled_at",
}


class ExpireReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("no answer in time")
    INCIDENT_CLOSED = "incident_closed", _("the incident was closed")


class ActivationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ACTIVATION_STATUSES)

    def with_related(self):
        return self.select_related("volunteer__kelurahan__kecamatan", "incident__category", "incident__kelurahan", "sent_by").prefetch_related(
            models.Prefetch("messages", queryset=Message.objects.order_by("id"))
        )


class Activation(models.Model):
    """One volunteer called to one incident, with the time of each step."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="volunteer_activations", verbose_name=_("incident")
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="activations", verbose_name=_("relawan"))
    status = models.CharField(_("status"), max_length=12, choices=ActivationStatus.choices, default=ActivationStatus.SENT)
    # Part of the link's signed value: a link made for another activation (or for an earlier
    # activation that reused this id) never matches it.
    token_nonce = models.CharField(max_length=16)
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("activated by"))
    respond_by = models.DateTimeField(_("answer expected by"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    expire_reason = models.CharField(_("expiry reason"), max_length=20, choices=ExpireReason.choices, blank=True)
    cancelled_at = models.DateTimeField(_("stood down"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(_("reason"), max_length=MAX_REASON, blank=True)

    objects = ActivationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        constraints = [
            # Never two open calls of one volunteer to one incident (two operators clicking at once).
            models.UniqueConstraint(
                fields=["incident", "volunteer"],
                condition=Q(status__in=["sent", "accepted", "arrived"]),
                name="activation_one_open_per_incident",
            )
        ]
        indexes = [
            models.Index(fields=["status", "respond_by"], name="activation_status_idx"),
            models.Index(fields=["volunteer", "status"], name="activation_volunteer_idx"),
        ]

    def __str__(self):
        return f"{self.incident_id}/{self.volunteer_id} {self.status}"

    @property
    def is_open(self):
        return self.status in OPEN_ACTIVATION_STATUSES


# --- the messaging outbox -------------------------------------------------------------------------


MessageStatus = OutboxStatus


class MessagePurpose(models.TextChoices):
    ACTIVATION = "activation", _("activation")
    STAND_DOWN = "stand_down", _("stood down")
    TEST = "test", _("test message")
    # An operator's answer to someone who wrote to 112 by WhatsApp/SMS (intake), not a relawan message.
    REPLY = "reply", _("reply to a WhatsApp/SMS sender")


class Message(OutboxRow):
    """One notification to send, written in the same transaction as what it announces.

    The row is the truth: a task sends it right after commit, and a periodic sweep sends what
    is due whenever the worker, the broker or the provider was down.
    """

    # One message per (activation, purpose): the unique key makes a second one impossible.
    key = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=MessagePurpose.choices)
    activation = models.ForeignKey(
        Activation, null=True, blank=True, on_delete=models.PROTECT, related_name="messages", verbose_name=_("activation")
    )
    recipient = models.CharField(_("recipient"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS)
    body = models.TextField(_("text"))
    provider_id = models.CharField(_("provider id"), max_length=120, blank=True)
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    # Demo volunteers have made-up numbers: their messages only ever go to the log.
    is_demo = models.BooleanField(_("demo data"), default=False)
    # A message about a link that no longer works is worth nothing: it is not retried after this.
    expires_at = models.DateTimeField(_("send no later than"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages (outbox)")
        constraints = [models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="message_unique_key")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_due_idx")]

    def __str__(self):
        return f"#{self.pk} {self.channel} {self.status}"
