"""What arrives from outside before (or beside) an operator: PBX call events, handset locations
(AML) and WhatsApp/SMS messages.

PbxCall is the PBX's view of one call: the reports measure answer times and abandoned calls from
it. Its timestamps are the PBX's own; the services in intake/services.py are the only code that
writes them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch112.outbox import OutboxRow, OutboxStatus


class AbandonedStage(models.TextChoices):
    NONE = "", _("not abandoned")
    # The caller hung up in the voice menu ("press 1"), before any operator's phone rang.
    MENU = "menu", _("in the voice menu")
    # The caller hung up while the call was ringing at the operators.
    QUEUE = "queue", _("waiting for an operator")


class PbxCall(models.Model):
    """One call as the PBX saw it, from offered to ended."""

    pbx_call_id = models.CharField(_("PBX call id"), max_length=128, unique=True)
    # Normalised to E.164 when it is a valid Indonesian number, else kept as the PBX sent it;
    # empty when the phone has no SIM card.
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True, db_index=True)
    line = models.CharField(_("line"), max_length=40, blank=True)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True, db_index=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by")
    )
    abandoned_at = models.DateTimeField(_("abandoned"), null=True, blank=True)
    abandoned_stage = models.CharField(_("abandoned in"), max_length=8, choices=AbandonedStage.choices, blank=True, default="")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    call = models.ForeignKey(
        "incidents.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="pbx_calls", verbose_name=_("logged call")
    )

    class Meta:
        ordering = ["-offered_at", "-id"]
        verbose_name = _("PBX call")
        verbose_name_plural = _("PBX calls")

    def __str__(self):
        return f"{self.pbx_call_id} {self.caller_number or '—'}"


class PbxEvent(models.TextChoices):
    OFFERED = "offered", _("offered (voice menu)")
    QUEUED = "queued", _("queued (ringing at operators)")
    ANSWERED = "answered", _("answered")
    ABANDONED = "abandoned", _("abandoned")
    ENDED = "ended", _("ended")


class PbxCallEvent(models.Model):
    """Each event the PBX sent, once: a repeat of the same (call, event) is recognised, not re-applied."""

    pbx_call = models.ForeignKey(PbxCall, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=16, choices=PbxEvent.choices)
    at = models.DateTimeField(_("at (PBX clock)"))
    received_at = models.DateTimeField(_("received"))
    payload = models.JSONField(_("as sent"), default=dict)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("PBX call event")
        verbose_name_plural = _("PBX call events")
        constraints = [models.UniqueConstraint(fields=["pbx_call", "event"], name="pbx_call_event_once")]

    def __str__(self):
        return f"{self.pbx_call_id} {self.event}"


class AmlTransport(models.TextChoices):
    SMS = "sms", _("SMS")
    HTTPS = "https", _("HTTPS")


class AmlQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(rejected=False)


class AmlLocation(models.Model):
    """One AML message as it arrived: a handset's position, or a rejected message and why.

    Kept whether or not it is valid (a rejected one is the evidence a gateway or handset fault
    leaves); a valid one is attached to the call from the same number once that call is logged.
    """

    transport = models.CharField(_("transport"), max_length=8, choices=AmlTransport.choices)
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True, db_index=True)
    raw = models.TextField(_("as received"), blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    rejected = models.BooleanField(_("rejected"), default=False)
    reject_field = models.CharField(_("rejected field"), max_length=40, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(_("confidence (%)"), null=True, blank=True)
    method = models.CharField(_("positioning method"), max_length=1, blank=True)
    positioned_at = models.DateTimeField(_("positioned"), null=True, blank=True)
    imsi = models.CharField("IMSI", max_length=15, blank=True)
    imei = models.CharField("IMEI", max_length=16, blank=True)
    mcc = models.CharField("MCC", max_length=3, blank=True)
    mnc = models.CharField("MNC", max_length=3, blank=True)
    call = models.ForeignKey(
        "incidents.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="aml_locations", verbose_name=_("call")
    )
    attached_at = models.DateTimeField(_("attached"), null=True, blank=True)

    objects = AmlQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("AML location")
        verbose_name_plural = _("AML locations")
        indexes = [models.Index(fields=["caller_number", "received_at"], name="aml_caller_idx")]

    def __str__(self):
        return f"AML {self.caller_number or '—'} {'rejected' if self.rejected else self.method}"

    @property
    def has_position(self):
        return self.latitude is not None and self.longitude is not None


class MessageKind(models.TextChoices):
    TEXT = "text", _("text")
    LOCATION = "location", _("shared location")
    IMAGE = "image", _("photo")
    OTHER = "other", _("other (voice, video, sticker…)")


class MessageStatus(models.TextChoices):
    NEW = "new", _("waiting")
    INCIDENT = "incident", _("made an incident")
    LINKED = "linked", _("linked to an incident")
    PRANK = "prank", _("prank")


class InboundMessageQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=MessageStatus.NEW)


class InboundMessage(models.Model):
    """A WhatsApp or SMS message to the Command Center, waiting in the operators' intake queue
    until one of them turns it into an incident, links it to one, or marks it a prank."""

    channel = models.CharField(_("channel"), max_length=10, choices=[("sms", "SMS"), ("whatsapp", "WhatsApp")])
    # The provider's id: a webhook delivered twice is stored once.
    provider_id = models.CharField(_("provider id"), max_length=128)
    sender = models.CharField(_("sender"), max_length=32, db_index=True)
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    text = models.TextField(_("text"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_name = models.CharField(_("place"), max_length=255, blank=True)
    media_id = models.CharField(_("media id"), max_length=255, blank=True)
    media_url = models.URLField(_("media address"), max_length=1000, blank=True)
    media_type = models.CharField(_("media type"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.NEW)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey("incidents.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("call"))
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("incident")
    )

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        constraints = [models.UniqueConstraint(fields=["channel", "provider_id"], name="inbound_message_once")]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_queue_idx")]

    def __str__(self):
        return f"{self.channel} {self.sender} {self.kind}"

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None


class MessageMedia(OutboxRow):
    """The photo of a WhatsApp/SMS message, fetched from the gateway and kept here.

    A gateway's media address is short-lived (WhatsApp's expires within minutes) and behind the
    gateway's credentials, so the photo is copied in at once rather than linked. It is an outbox
    row (dispatch112.outbox): fetched right after the message is stored, retried with backoff while
    the gateway is down, given up on what can never work (too large, not an image, a private
    address). The bytes live in the database: every web process can serve them, and a photo is at
    most INTAKE_MEDIA_MAX_BYTES. Status "sent" means "stored" here.
    """

    message = models.OneToOneField(InboundMessage, on_delete=models.CASCADE, related_name="media", verbose_name=_("message"))
    source_url = models.URLField(_("fetched from"), max_length=1000, blank=True)
    content_type = models.CharField(_("type"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    content = models.BinaryField(_("photo"), blank=True, default=b"")

    class Meta:
        verbose_name = _("message photo")
        verbose_name_plural = _("message photos")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_media_due_idx")]

    def __str__(self):
        return f"media of {self.message_id} {self.status}"

    @property
    def state(self):
        """What the console shows: stored, failed, or pending (still being fetched)."""
        return {OutboxStatus.SENT: "stored", OutboxStatus.FAILED: "failed"}.get(self.status, "pending")
