"""The plain-data view of an incident that events carry, so a console updates without a request.

No caller personal data here: incident events also go to the assigned agencies.
"""


def _iso(value):
    return value.isoformat() if value else None


def assignment_snapshot(assignment):
    return {
        "id": assignment.pk,
        "agency": {"id": assignment.agency_id, "code": assignment.agency.code, "name": assignment.agency.name},
        "post": {"id": assignment.post_id, "name": assignment.post.name} if assignment.post_id else None,
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


def incident_snapshot(incident):
    kelurahan = incident.kelurahan
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "priority": incident.priority,
        "category": {
            "id": incident.category_id,
            "code": incident.category.code,
            "name_id": incident.category.name_id,
            "name_en": incident.category.name_en,
            "colour": incident.category.colour,
        },
        "kelurahan": {"id": kelurahan.pk, "name": kelurahan.name, "kecamatan": kelurahan.kecamatan.name} if kelurahan else None,
        "address": incident.address,
        "landmark": incident.landmark,
        "latitude": str(incident.latitude) if incident.latitude is not None else None,
        "longitude": str(incident.longitude) if incident.longitude is not None else None,
        "call_count": incident.call_count,
        "version": incident.version,
        "created_at": _iso(incident.created_at),
        "dispatched_at": _iso(incident.dispatched_at),
        "first_acknowledged_at": _iso(incident.first_acknowledged_at),
        "first_on_scene_at": _iso(incident.first_on_scene_at),
        "resolved_at": _iso(incident.resolved_at),
        "closed_at": _iso(incident.closed_at),
        "cancelled_at": _iso(incident.cancelled_at),
        "assignments": [assignment_snapshot(a) for a in incident.assignments.select_related("agency", "post").order_by("id")],
    }
