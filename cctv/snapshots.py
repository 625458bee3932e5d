"""The plain-data view of a camera: what the map, the wall, the API and every pushed camera event
carry, so a page's state built from pushes equals a fresh fetch.

It holds no feed URL and no credentials: only this project's proxy URLs (cctv.views), which check
the viewer's session and role. cctv.serializers.CameraSerializer declares the same fields for the
OpenAPI schema, and a test keeps the two equal.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cctv.models import BEARINGS, FeedKind


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _decimal(value):
    return None if value is None else f"{value:.6f}"


def feed_links(camera):
    """The proxy URLs a browser may use for this camera's kind of feed."""
    frame = reverse("cctv-camera-frame", args=[camera.pk])
    if camera.feed_kind == FeedKind.SNAPSHOT:
        return {"frame": frame, "stream": None, "hls": None}
    if camera.feed_kind == FeedKind.MJPEG:
        # Tiles poll single frames cut from the stream (a browser holds only six connections per
        # server over HTTP/1.1, so sixteen open streams would starve the page); the large view
        # plays the stream itself.
        return {"frame": frame, "stream": reverse("cctv-camera-stream", args=[camera.pk]), "hls": None}
    if camera.feed_kind == FeedKind.HLS:
        return {"frame": None, "stream": None, "hls": reverse("cctv-camera-hls", args=[camera.pk, "index.m3u8"])}
    return {"frame": None, "stream": None, "hls": None}  # RTSP: nothing a browser can play


def camera_snapshot(camera):
    kelurahan = camera.kelurahan
    return {
        "id": camera.pk,
        "code": camera.code,
        "name": camera.name,
        "location": camera.location,
        "kelurahan": (
            {"id": kelurahan.pk, "name": kelurahan.name, "kecamatan": kelurahan.kecamatan.name, "kecamatan_id": kelurahan.kecamatan_id}
            if kelurahan is not None
            else None
        ),
        "latitude": _decimal(camera.latitude),
        "longitude": _decimal(camera.longitude),
        "direction": camera.direction,
        "bearing": BEARINGS.get(camera.direction),
        "feed_kind": camera.feed_kind,
        "active": camera.active,
        "is_demo": camera.is_demo,
        "has_credentials": camera.has_credentials,
        "status": camera.status,
        "status_changed_at": _iso(camera.status_changed_at),
        "last_seen": _iso(camera.last_seen),
        "last_checked_at": _iso(camera.last_checked_at),
        "last_error": camera.last_error,
        "feed": {**feed_links(camera), "refresh_seconds": settings.CCTV_SNAPSHOT_REFRESH_SECONDS},
    }
