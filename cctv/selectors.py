"""Reads: cameras for the map and the wall, the cameras nearest a point, the ones offline too long."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from cctv.models import Camera, CameraStatus, WallLayout
from dispatch112.geo import degree_box, distance_m


def cameras_for_map():
    """Every active camera, with what its marker and tile show (one query)."""
    return Camera.objects.active().with_related().order_by("code")


@dataclass(frozen=True)
class NearCamera:
    camera: Camera
    distance_m: float


def cameras_nearest(*, latitude, longitude, radius_m=None, limit=10):
    """Active cameras within radius_m of the point, nearest first (straight-line distance).

    A degree box around the circle narrows the query with the point index; the exact distance is
    computed here, so the answer is the same on SQLite and PostgreSQL.
    """
    radius_m = settings.CCTV_NEAREST_RADIUS_METERS if radius_m is None else radius_m
    latitude, longitude = float(latitude), float(longitude)
    dlat, dlon = degree_box(latitude, radius_m)
    candidates = Camera.objects.active().with_related().filter(
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    )
    near = []
    for camera in candidates:
        distance = distance_m(latitude, longitude, camera.latitude, camera.longitude)
        if distance <= radius_m:
            near.append(NearCamera(camera, distance))
    near.sort(key=lambda n: (n.distance_m, n.camera.code))
    return near[:limit]


def cameras_offline_longer_than(*, now, minutes=None):
    """Active cameras offline for longer than the threshold, longest outage first."""
    minutes = settings.CCTV_OFFLINE_ALERT_MINUTES if minutes is None else minutes
    return (
        Camera.objects.active()
        .with_related()
        .filter(status=CameraStatus.OFFLINE, status_changed_at__lte=now - timedelta(minutes=minutes))
        .order_by("status_changed_at", "code")
    )


def wall_layout_for(user):
    """The user's saved wall, or an unsaved default (9 tiles, active cameras by code); camera ids
    of cameras removed or deactivated since are left out."""
    layout = WallLayout.objects.filter(user=user).first()
    if layout is None:
        layout = WallLayout(user=user, tiles_per_page=9, cameras=[], version=0)
        layout.cameras = list(Camera.objects.active().order_by("code").values_list("id", flat=True))
        return layout
    active = set(Camera.objects.active().filter(pk__in=layout.cameras).values_list("id", flat=True))
    layout.cameras = [camera_id for camera_id in layout.cameras if camera_id in active]
    return layout


def offline_cameras_for_handover(now):
    """The handover snapshot's section (shifts.snapshot): every active camera offline now, the
    ones offline longer than CCTV_OFFLINE_ALERT_MINUTES marked high."""
    threshold = now - timedelta(minutes=settings.CCTV_OFFLINE_ALERT_MINUTES)
    cameras = list(
        Camera.objects.active().with_related().filter(status=CameraStatus.OFFLINE).order_by("status_changed_at", "code")
    )
    return {
        "count": len(cameras),
        "items": [
            {
                "title": camera.name,
                "ref": camera.code,
                "detail": camera.last_error,
                "since": camera.status_changed_at.isoformat() if camera.status_changed_at else None,
                "severity": "high" if camera.status_changed_at and camera.status_changed_at <= threshold else "normal",
            }
            for camera in cameras
        ],
    }
