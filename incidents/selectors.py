"""Reads: queues, duplicate candidates, caller history, overdue assignments, nearest places."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q

from dispatch112.geo import degree_box, distance_m, geometry_bounds, geometry_contains
from dispatch112.models import Kelurahan
from dispatch112.region import current_region, region_kelurahan
from incidents.models import (
    ACTIVE_STATUSES,
    AgencyPost,
    Assignment,
    AssignmentStatus,
    Call,
    CallOutcome,
    Incident,
)


def incident_queue():
    """Active incidents, most urgent first, with everything the queue shows."""
    return Incident.objects.active().with_related().order_by("priority", "created_at")


@dataclass(frozen=True)
class DuplicateCandidate:
    incident: Incident
    distance_m: float | None
    minutes_ago: float
    same_category: bool
    same_kelurahan: bool

    @property
    def rank(self):
        # Same category and close by beats merely the same kelurahan; then nearer, then newer.
        return (
            0 if self.same_category and self.distance_m is not None else 1,
            0 if self.same_category else 1,
            self.distance_m if self.distance_m is not None else float("inf"),
            self.minutes_ago,
        )


def duplicate_candidates(*, now, category=None, latitude=None, longitude=None, kelurahan=None, limit=5):
    """Open incidents that a new call may be about: same category within the radius, or the same
    kelurahan within the time window."""
    radius = settings.DUPLICATE_RADIUS_METERS
    window_start = now - timedelta(minutes=settings.DUPLICATE_WINDOW_MINUTES)
    conditions = Q()
    has_point = latitude is not None and longitude is not None
    if category is not None and has_point:
        dlat, dlon = degree_box(latitude, radius)
        conditions |= Q(
            category=category,
            latitude__range=(float(latitude) - dlat, float(latitude) + dlat),
            longitude__range=(float(longitude) - dlon, float(longitude) + dlon),
        )
    if kelurahan is not None:
        conditions |= Q(kelurahan=kelurahan, created_at__gte=window_start)
    if not conditions:
        return []
    candidates = []
    for incident in Incident.objects.active().filter(conditions).with_related()[:50]:
        distance = (
            distance_m(latitude, longitude, incident.latitude, incident.longitude)
            if has_point and incident.has_point
            else None
        )
        same_category = category is not None and incident.category_id == category.pk
        same_kelurahan = kelurahan is not None and incident.kelurahan_id == kelurahan.pk
        near = same_category and distance is not None and distance <= radius
        recent_same_area = same_kelurahan and incident.created_at >= window_start
        if near or recent_same_area:
            candidates.append(
                DuplicateCandidate(incident, distance, (now - incident.created_at).total_seconds() / 60, same_category, same_kelurahan)
            )
    return sorted(candidates, key=lambda c: c.rank)[:limit]


@dataclass(frozen=True)
class CallerHistory:
    number: str
    calls: list
    incidents: list
    total_calls: int
    prank_calls_recent: int
    flagged: bool


def caller_history(*, number, now, limit=10):
    if not number:
        return CallerHistory("", [], [], 0, 0, False)
    window_start = now - timedelta(hours=settings.PRANK_FLAG_WINDOW_HOURS)
    calls = Call.objects.filter(caller_number=number)
    counts = calls.aggregate(
        total=Count("id"),
        pranks=Count("id", filter=Q(outcome__in=[CallOutcome.PRANK], received_at__gte=window_start)),
    )
    recent = list(calls.select_related("incident__category", "operator").order_by("-received_at")[:limit])
    incidents = list(
        Incident.objects.filter(calls__caller_number=number).select_related("category").distinct().order_by("-created_at")[:limit]
    )
    return CallerHistory(
        number=number,
        calls=recent,
        incidents=incidents,
        total_calls=counts["total"],
        prank_calls_recent=counts["pranks"],
        flagged=counts["pranks"] >= settings.PRANK_FLAG_THRESHOLD,
    )


def overdue_assignments(*, now):
    """Assignments still unacknowledged past the target for their incident's priority."""
    condition = Q()
    for priority, seconds in settings.ACK_TARGET_SECONDS.items():
        condition |= Q(incident__priority=priority, notified_at__lt=now - timedelta(seconds=seconds))
    return (
        Assignment.objects.filter(condition, status=AssignmentStatus.NOTIFIED, incident__status__in=ACTIVE_STATUSES)
        .select_related("incident__category", "agency")
        .order_by("notified_at")
    )


_areas = {}  # region token → the region's kelurahan as (pk, boundary, latitude, longitude, bounds)


def region_areas(region=None):
    """The region's kelurahan boundaries and centroids, read once per process and wilayah (see
    RegionInfo.token): an intake with a map point would otherwise read every boundary again."""
    token = (region or current_region()).token
    areas = _areas.get(token)
    if areas is None:
        # Plain rows, not ~60 model objects; each boundary's box, to test only the few around a point.
        rows = region_kelurahan().values_list("pk", "boundary", "latitude", "longitude")
        areas = [(pk, boundary, lat, lon, geometry_bounds(boundary)) for pk, boundary, lat, lon in rows]
        _areas.clear()
        _areas[token] = areas
    return areas


def kelurahan_for_point(latitude, longitude, *, region=None):
    """The kelurahan whose boundary holds the point, else the one with the nearest centroid."""
    found = _area_at(region_areas(region), latitude, longitude)
    kelurahan = None if found is None else Kelurahan.objects.select_related("kecamatan").filter(pk=found).first()
    if found is not None and kelurahan is None:
        # Deleted since this process read the areas, before the wilayah change reached it.
        _areas.clear()
        found = _area_at(region_areas(region), latitude, longitude)
        kelurahan = None if found is None else Kelurahan.objects.select_related("kecamatan").filter(pk=found).first()
    return kelurahan


def _area_at(areas, latitude, longitude):
    lat, lon = float(latitude), float(longitude)
    found = next(
        (pk for pk, boundary, _lat, _lon, box in areas if box and box[0] <= lat <= box[2] and box[1] <= lon <= box[3] and geometry_contains(boundary, lat, lon)),
        None,
    )
    if found is None:
        with_point = [(pk, lat, lon) for pk, _boundary, lat, lon, _box in areas if lat is not None and lon is not None]
        if not with_point:
            return None
        found = min(with_point, key=lambda area: distance_m(latitude, longitude, area[1], area[2]))[0]
    return found


def nearest_post(*, agency, latitude, longitude):
    if latitude is None or longitude is None:
        return None, None
    posts = list(AgencyPost.objects.filter(agency=agency, active=True))
    if not posts:
        return None, None
    best = min(posts, key=lambda p: distance_m(latitude, longitude, p.latitude, p.longitude))
    return best, distance_m(latitude, longitude, best.latitude, best.longitude)
