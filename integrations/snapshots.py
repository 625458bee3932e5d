"""Plain-data views of alerts and units: what the API answers and what pushed events carry.
No personal data: published alerts are public, and units go to their agency's consoles."""

from django.utils import timezone

from dispatch112.geo import distance_m


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _float(value):
    return None if value is None else float(value)


def published_snapshot(alert):
    return {
        "id": alert.pk,
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "status": alert.status,
        "sent": _iso(alert.sent),
        "original": alert.original_id,
        "incident": alert.incident_id,
        "category": alert.category,
        "event": alert.event,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "headline": alert.headline,
        "area_desc": alert.area_desc,
        "expires": _iso(alert.expires),
    }


def received_snapshot(alert):
    return {
        "id": alert.pk,
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sender_name": alert.sender_name,
        "msg_type": alert.msg_type,
        "sent": _iso(alert.sent),
        "expires": _iso(alert.expires),
        "event": alert.event,
        "headline": alert.headline,
        "description": alert.description,
        "instruction": alert.instruction,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "area_desc": alert.area_desc,
        "areas": alert.areas,
        "cancelled": alert.cancelled_at is not None,
    }


def responding_to(unit):
    """The incident the unit is on its way to or at: its assignment still open and the incident
    still active. None once the assignment is completed or declined, or the incident is over."""
    assignment = unit.assignment if unit.assignment_id else None
    if assignment is None or not assignment.is_open or not assignment.incident.is_active:
        return None
    return assignment.incident


def unit_snapshot(unit, position):
    """The unit where it is now, and how far it still has to go to its incident."""
    incident = responding_to(unit)
    assignment = unit.assignment if incident is not None else None
    distance = None
    if incident is not None and incident.has_point:
        distance = round(distance_m(position.latitude, position.longitude, incident.latitude, incident.longitude))
    return {
        "id": unit.pk,
        "name": unit.name,
        "agency": {"id": unit.agency_id, "code": unit.agency.code, "name": unit.agency.name},
        "latitude": f"{position.latitude:.6f}",
        "longitude": f"{position.longitude:.6f}",
        "accuracy_m": position.accuracy_m,
        "speed_kmh": position.speed_kmh,
        "heading": position.heading,
        "source": position.source,
        "recorded_at": _iso(position.recorded_at),
        # A person sharing from the console leaves the map when the assignment ends; a vehicle
        # tracker stays (it is a vehicle somewhere), without its line to an incident.
        "kind": "vehicle" if unit.user_id is None else "person",
        "assignment_id": assignment.pk if assignment is not None else None,
        "incident_id": incident.pk if incident is not None else None,
        "incident_reference": incident.reference if incident is not None else None,
        "assignment_status": assignment.status if assignment is not None else None,
        "distance_m": distance,
    }
