"""What every app shares: users, and the wilayah registry (kota/kabupaten, kecamatan, kelurahan/desa)."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LATITUDE_VALIDATORS = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE_VALIDATORS = [MinValueValidator(-180), MaxValueValidator(180)]


class User(AbstractUser):
    """A person who logs in. Their role is their group (see dispatch112.roles)."""

    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # OPD staff belong to exactly one agency; the model lives in incidents (the core only keeps the link).
    agency = models.ForeignKey(
        "incidents.Agency",
        verbose_name=_("agency (OPD)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("use_operator_console", _("Can use the operator console")),
            ("use_supervisor_console", _("Can use the supervisor map, CCTV wall and dashboards")),
            ("use_admin_pages", _("Can manage reference data, rosters and users")),
            ("use_opd_console", _("Can use the OPD (agency) console")),
            ("post_telephony_events", _("Can post telephony events (PBX / call-center system)")),
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class AreaLevel(models.TextChoices):
    PROVINSI = "provinsi", _("province")
    KOTA = "kota", _("city (kota)")
    KABUPATEN = "kabupaten", _("regency (kabupaten)")
    KECAMATAN = "kecamatan", _("kecamatan")
    KELURAHAN = "kelurahan", _("kelurahan")
    DESA = "desa", _("desa")


class Area(models.Model):
    """Fields every administrative area has: Kemendagri code, name and one representative point."""

    code = models.CharField(_("Kemendagri code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None


class Region(Area):
    """A kota or kabupaten: the area one installation serves (settings.REGION_CODE)."""

    level = models.CharField(
        _("level"), max_length=10, choices=[(AreaLevel.KOTA, AreaLevel.KOTA.label), (AreaLevel.KABUPATEN, AreaLevel.KABUPATEN.label)]
    )
    province_code = models.CharField(_("province code"), max_length=16, blank=True)
    province_name = models.CharField(_("province"), max_length=120, blank=True)

    class Meta(Area.Meta):
        verbose_name = _("region (kota/kabupaten)")
        verbose_name_plural = _("regions (kota/kabupaten)")


class Kecamatan(Area):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="kecamatan", verbose_name=_("region"))

    class Meta(Area.Meta):
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")


class Kelurahan(Area):
    """A kelurahan (urban) or desa (village): the unit volunteers and incidents are organised by."""

    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="kelurahan", verbose_name=_("kecamatan")
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[(AreaLevel.KELURAHAN, AreaLevel.KELURAHAN.label), (AreaLevel.DESA, AreaLevel.DESA.label)],
    )

    class Meta(Area.Meta):
        verbose_name = _("kelurahan/desa")
        verbose_name_plural = _("kelurahan/desa")


class Event(models.Model):
    """The append-only timeline of everything that happens, and the stream pushed to consoles.

    Written in the same transaction as the change it describes; `id` is the sequence a console
    resumes from. Never updated, never deleted.
    """

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=48, db_index=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # "console": operators, supervisors and admins only. "agency-<id>": those and that agency's
    # staff. "incident": those and the staff of every agency assigned to the incident.
    audience = models.CharField(_("audience"), max_length=32, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return f"#{self.id} {self.kind}"


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an Idempotency-Key, replayed to its retries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    path = models.CharField(max_length=255)
    # SHA-256 of the request's parsed body: a retry must carry the same request, not merely the
    # same key (a client bug reusing keys would otherwise be answered with another call's result).
    # Empty for records written before it was kept: those are replayed on the path alone.
    request_hash = models.CharField(max_length=64, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]
