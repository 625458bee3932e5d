"""The CCTV registry: street cameras the Command Center watches, their health, and each supervisor's wall.

A camera's feed URL and credentials stay on the server: pages and the API only ever see the
project's own proxy URLs (cctv.views), so nothing secret reaches the browser.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch112.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS, Kelurahan

MAX_URL = 500
CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Use letters, digits, dot, dash or underscore (e.g. SMD-CAM-01).")
)
# Feed URLs that start with this are served by the project itself (the demo feeds) and are
# fetched in-process instead of over the network.
LOCAL_FEED_PREFIX = "/cctv/demo/"


class FeedKind(models.TextChoices):
    SNAPSHOT = "snapshot", _("JPEG snapshot (refreshed every few seconds)")
    MJPEG = "mjpeg", _("MJPEG stream")
    HLS = "hls", _("HLS stream")
    RTSP = "rtsp", _("RTSP (not playable in a browser: needs a gateway)")


# The URL schemes each kind of feed may use.
FEED_SCHEMES = {
    FeedKind.SNAPSHOT: {"http", "https"},
    FeedKind.MJPEG: {"http", "https"},
    FeedKind.HLS: {"http", "https"},
    FeedKind.RTSP: {"rtsp", "rtsps"},
}


class CameraStatus(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")
    UNKNOWN = "unknown", _("unknown")


class Direction(models.TextChoices):
    NORTH = "N", _("north")
    NORTH_EAST = "NE", _("north-east")
    EAST = "E", _("east")
    SOUTH_EAST = "SE", _("south-east")
    SOUTH = "S", _("south")
    SOUTH_WEST = "SW", _("south-west")
    WEST = "W", _("west")
    NORTH_WEST = "NW", _("north-west")


BEARINGS = {"N": 0, "NE": 45, "E": 90, "SE": 135, "S": 180, "SW": 225, "W": 270, "NW": 315}


class CameraQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def with_related(self):
        return self.select_related("kelurahan__kecamatan")


class Camera(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=120)
    location = models.CharField(_("location description"), max_length=255, blank=True)
    kelurahan = models.ForeignKey(
        Kelurahan, null=True, blank=True, on_delete=models.PROTECT, related_name="cameras", verbose_name=_("kelurahan")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=LATITUDE_VALIDATORS)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=LONGITUDE_VALIDATORS)
    direction = models.CharField(_("direction it faces"), max_length=2, choices=Direction.choices, blank=True)
    feed_kind = models.CharField(_("kind of feed"), max_length=10, choices=FeedKind.choices, default=FeedKind.SNAPSHOT)
    feed_url = models.CharField(
        _("feed URL"),
        max_length=MAX_URL,
        help_text=_("Never shown in pages: browsers get the feed through this server. Put credentials in the fields below, not in the URL."),
    )
    username = models.CharField(_("feed username"), max_length=120, blank=True)
    # Kept in the database as the camera needs it, never sent to a browser or exported.
    password = models.CharField(_("feed password"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive cameras are neither shown nor checked."))
    is_demo = models.BooleanField(_("demo data"), default=False)

    # Health, written only by services.camera_record_probe.
    status = models.CharField(_("status"), max_length=10, choices=CameraStatus.choices, default=CameraStatus.UNKNOWN)
    status_changed_at = models.DateTimeField(_("status since"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    failures = models.PositiveSmallIntegerField(_("failed checks in a row"), default=0)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        indexes = [
            models.Index(fields=["active", "status"], name="camera_active_status_idx"),
            models.Index(fields=["latitude", "longitude"], name="camera_point_idx"),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"

    @property
    def has_credentials(self):
        return bool(self.username or self.password)

    @property
    def is_local_feed(self):
        return self.feed_url.startswith(LOCAL_FEED_PREFIX)

    def clean(self):
        errors = {}
        url = (self.feed_url or "").strip()
        if url and self.feed_kind in FEED_SCHEMES:
            errors.update(feed_url_problems(url, self.feed_kind))
        if self.latitude is not None and self.longitude is not None and not errors.get("latitude"):
            from dispatch112.region import current_region

            region = current_region()
            if region.loaded and not region.contains(self.latitude, self.longitude):
                errors["latitude"] = _("The point %(lat)s, %(lon)s is outside %(region)s.") % {
                    "lat": self.latitude,
                    "lon": self.longitude,
                    "region": region.name,
                }
        if errors:
            raise ValidationError(errors)


def feed_url_problems(url, kind):
    """{field: message} for a feed URL that does not fit its kind of feed (empty when it fits)."""
    if url.startswith(LOCAL_FEED_PREFIX):
        if kind in (FeedKind.SNAPSHOT,):
            return {}
        return {"feed_url": _("This project's demo feeds are JPEG-style snapshots; choose the snapshot kind.")}
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return {"feed_url": _("Not a valid URL.")}
    allowed = FEED_SCHEMES[FeedKind(kind)]
    if parts.scheme.lower() not in allowed or not parts.hostname:
        return {
            "feed_url": _("A %(kind)s feed needs a URL starting with %(schemes)s://host/…")
            % {"kind": FeedKind(kind).label, "schemes": " or ".join(sorted(allowed))}
        }
    if parts.username or parts.password:
        return {"feed_url": _("Put the user name and password in their own fields, not in the URL.")}
    return {}


class WallLayout(models.Model):
    """One person's CCTV wall: how many tiles a page shows and which cameras, in order."""

    class TilesPerPage(models.IntegerChoices):
        FOUR = 4, "2 × 2"
        NINE = 9, "3 × 3"
        SIXTEEN = 16, "4 × 4"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wall_layout")
    tiles_per_page = models.PositiveSmallIntegerField(_("tiles per page"), choices=TilesPerPage.choices, default=9)
    # Camera ids in wall order. A list rather than a join table: it is one person's preference,
    # read and written whole; ids of cameras removed since are dropped when it is read.
    cameras = models.JSONField(_("cameras"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("CCTV wall layout")
        verbose_name_plural = _("CCTV wall layouts")

    def __str__(self):
        return f"{self.user} · {self.tiles_per_page}"
