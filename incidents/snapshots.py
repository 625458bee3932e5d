"""The plain-data view of an incident: the API's representation and the snapshot every pushed
event carries, so a console's state built from pushes equals a fresh API fetch.

Written by hand because it runs on every event of every intake (DRF's ModelSerializer rebuilds
its fields per call and was most of the cost of a transition); incidents.serializers declares
the same fields for the OpenAPI schema, and a test keeps the two equal.
No caller personal data here: incident events also go to the assigned agencies.
"""

import contextlib

from django.core.cache import cache
from django.utils import timezone


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _decimal(value):
    return None if value is None else f"{value:.6f}"


def assignment_snapshot(assignment):
    agency, post = assignment.agency, assignment.post
    return {
        "id": assignment.pk,
        "agency": {"id": agency.pk, "code": agency.code, "name": agency.name},
        "post": {"id": post.pk, "name": post.name} if post is not None else None,
        "status": assignment.status,
        "notified_at": _iso(assignment.notified_at),
        "acknowledged_at": _iso(assignment.acknowledged_at),
        "en_route_at": _iso(assignment.en_route_at),
        "on_scene_at": _iso(assignment.on_scene_at),
        "completed_at": _iso(assignment.completed_at),
        "declined_at": _iso(assignment.declined_at),
        "decline_reason": assignment.decline_reason,
        "escalated_at": _iso(assignment.escalated_at),
    }


@contextlib.contextmanager
def known_without_assignments(incident):
    """While the block runs, `incident` (just created: nothing dispatched yet) is known to have no
    assignments: its snapshot and its event's audience need no query for them. Only while the block
    runs: a dispatch later adds some."""
    from incidents.models import Assignment

    incident._prefetched_objects_cache = {"assignments": Assignment.objects.none()}
    try:
        yield incident
    finally:
        del incident._prefetched_objects_cache


def _assignments(incident):
    if "assignments" in getattr(incident, "_prefetched_objects_cache", {}):
        return incident.assignments.all()
    return incident.assignments.select_related("agency", "post").order_by("id")


def incident_snapshot(incident):
    category, kelurahan = incident.category, incident.kelurahan
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "priority": incident.priority,
        "category": {
            "id": category.pk,
            "code": category.code,
            "name_id": category.name_id,
            "name_en": category.name_en,
            "colour": category.colour,
            "icon": category.icon,
        },
        "kelurahan": (
            {
                "id": kelurahan.pk,
                "code": kelurahan.code,
                "name": kelurahan.name,
                "kind": kelurahan.kind,
                "kecamatan": kelurahan.kecamatan.name,
                "kecamatan_id": kelurahan.kecamatan_id,
            }
            if kelurahan is not None
            else None
        ),
        "address": incident.address,
        "landmark": incident.landmark,
        "latitude": _decimal(incident.latitude),
        "longitude": _decimal(incident.longitude),
        "description": incident.description,
        "call_count": incident.call_count,
        "version": incident.version,
        "created_at": _iso(incident.created_at),
        "dispatched_at": _iso(incident.dispatched_at),
        "first_acknowledged_at": _iso(incident.first_acknowledged_at),
        "first_on_scene_at": _iso(incident.first_on_scene_at),
        "resolved_at": _iso(incident.resolved_at),
        "closed_at": _iso(incident.closed_at),
        "cancelled_at": _iso(incident.cancelled_at),
        "cancel_reason": incident.cancel_reason,
        "closing_note": incident.closing_note,
        "assignments": [assignment_snapshot(a) for a in _assignments(incident)],
    }


SNAPSHOT_CACHE_SECONDS = 600


def _cache_key(incident_id, version):
    return f"incident-snapshot:{incident_id}:{version}"


def incident_snapshots(id_versions, *, queryset):
    """Snapshots for (id, version) pairs, in that order. Every change bumps an incident's version,
    so a cached snapshot of an (id, version) never goes stale; only the missing ones are built,
    which keeps a 500-incident queue from instantiating thousands of model objects per request."""
    keys = {pair: _cache_key(*pair) for pair in id_versions}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:  # noqa: BLE001 — with the cache (Redis) down, build every snapshot
        found = {}
    missing = [pair for pair in id_versions if keys[pair] not in found]
    if missing:
        built = {}
        for incident in queryset.filter(pk__in=[pk for pk, _ in missing]):
            snapshot = incident_snapshot(incident)
            built[_cache_key(incident.pk, incident.version)] = snapshot
        with contextlib.suppress(Exception):
            cache.set_many(built, SNAPSHOT_CACHE_SECONDS)
        found.update(built)
    # An incident changed between reading its version and building it: fall back to what was built.
    return [found.get(keys[pair]) for pair in id_versions if keys[pair] in found]
