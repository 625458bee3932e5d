"""Helpers for the CCTV tests: a controllable clock, places in Samarinda, cameras through the service."""

from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

UTC = dt_timezone.utc
# 10:00 WITA on a Friday morning.
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

BALAIKOTA = (Decimal("-0.502200"), Decimal("117.153600"))


class Clock:
    """Stands in for django.utils.timezone.now: services, events and auto_now fields all see it."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now = self.now + timedelta(**delta)
        return self.now


def north_of(point, metres):
    """A point `metres` due north (1° of latitude ≈ 111.32 km)."""
    lat, lon = point
    return (lat + Decimal(metres) / Decimal(111_320)).quantize(Decimal("0.000001")), lon


def east_of(point, metres):
    lat, lon = point
    return lat, (lon + Decimal(metres) / Decimal(111_320)).quantize(Decimal("0.000001"))


def make_camera(code, point=BALAIKOTA, *, url="http://192.0.2.1/snapshot.jpg", kind="snapshot", by=None, **fields):
    """A camera registered through the service, as the admin page and the API do."""
    from cctv.services import camera_create

    latitude, longitude = point
    data = {
        "code": code,
        "name": fields.pop("name", f"Kamera {code}"),
        "latitude": latitude,
        "longitude": longitude,
        "feed_kind": kind,
        "feed_url": url,
        **fields,
    }
    return camera_create(by=by, data=data)


def without_demo_cameras():
    """Tests that count cameras start from an empty registry (seed_core registers 30 demo ones)."""
    from cctv.models import Camera

    Camera.objects.filter(is_demo=True).delete()
