"""An incident as a NENA EIDO-style JSON document (Emergency Incident Data Object, NENA-STA-024):
the components another center or an agency's system needs to take the incident over.

Names follow EIDO's components (incident, location, agency, call, person, notes); `timeline` is
this center's extension. Caller personal data (number, name) only when `with_caller` is true.
"""

from django.conf import settings
from django.utils import timezone

from dispatch112.models import Event
from dispatch112.region import current_region
from incidents.models import Assignment, Call
from intake.selectors import aml_positions_of_incident

EIDO_VERSION = "1.0"
# Events that are the operators' own business (the call log with the caller's number, volunteer
# messages): not on the timeline an agency receives.
CONSOLE_ONLY_PREFIXES = ("call.", "volunteer.")


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def system_id():
    return settings.EIDO_SENDING_SYSTEM or f"dispatch112.{current_region().code}"


def _location(incident):
    kelurahan = incident.kelurahan
    location = {
        "$id": f"loc-{incident.pk}",
        "locationByValue": None,
        "civicAddress": {
            "country": "ID",
            "A2": current_region().name,
            "A3": kelurahan.kecamatan.name if kelurahan else None,
            "A4": kelurahan.name if kelurahan else None,
            "A4code": kelurahan.code if kelurahan else None,
            "RD": incident.address or None,
            "LMK": incident.landmark or None,
        },
    }
    if incident.has_point:
        location["locationByValue"] = {"type": "Point", "coordinates": [float(incident.longitude), float(incident.latitude)]}
    return location


def _aml_locations(incident):
    """The callers' handset positions (AML), each a location of its own beside the incident's:
    where the caller was, within the radius, by the method the handset used. No device identifiers
    (IMSI, IMEI) and no number: the call it belongs to is named by reference only."""
    return [
        {
            "$id": f"loc-aml-{position.pk}",
            "locationTypeDescription": "caller-handset-aml",
            "locationByValue": {"type": "Point", "coordinates": [float(position.longitude), float(position.latitude)]},
            "uncertaintyRadiusMeters": position.radius_m,
            "confidencePercent": position.confidence,
            "locationMethod": {"G": "GNSS", "W": "WiFi", "C": "Cell", "F": "Fused"}.get(position.method, position.method or None),
            "locationTimeStamp": _iso(position.positioned_at or position.received_at),
            "receivedTimeStamp": _iso(position.received_at),
            "callReference": f"call-{position.call_id}",
        }
        for position in aml_positions_of_incident(incident.pk)
    ]


def _agency(assignment):
    return {
        "$id": f"agency-{assignment.agency.code}",
        "agencyIdentifier": assignment.agency.code,
        "agencyName": assignment.agency.name,
        "agencyRoleRegistryText": "responding",
        "post": assignment.post.name if assignment.post else None,
        "assignmentStatus": assignment.status,
        "notifiedTimeStamp": _iso(assignment.notified_at),
        "acknowledgedTimeStamp": _iso(assignment.acknowledged_at),
        "enRouteTimeStamp": _iso(assignment.en_route_at),
        "onSceneTimeStamp": _iso(assignment.on_scene_at),
        "completedTimeStamp": _iso(assignment.completed_at),
        "declinedTimeStamp": _iso(assignment.declined_at),
        "declineReason": assignment.decline_reason or None,
    }


def _calls(incident, with_caller):
    calls, persons = [], []
    for call in Call.objects.filter(incident=incident).order_by("received_at"):
        entry = {"$id": f"call-{call.pk}", "callTrackingIdentifier": str(call.pk), "callStartTimeStamp": _iso(call.received_at)}
        if with_caller and (call.caller_number or call.caller_name):
            entry["personReference"] = f"person-{call.pk}"
            persons.append(
                {"$id": f"person-{call.pk}", "personRoleRegistryText": "caller", "name": call.caller_name or None, "telephone": call.caller_number or None}
            )
        calls.append(entry)
    return calls, persons


def _timeline(incident, *, console):
    events = Event.objects.filter(incident=incident).select_related("actor").order_by("id")
    rows, notes = [], []
    for event in events:
        if not console and (event.audience == "console" or event.kind.startswith(CONSOLE_ONLY_PREFIXES)):
            continue
        row = {"id": event.pk, "kind": event.kind, "timeStamp": _iso(event.created_at), "actor": str(event.actor) if event.actor else None}
        if event.kind.startswith("aml.") and (event.payload.get("aml") or {}).get("id"):
            row["locationReference"] = f"loc-aml-{event.payload['aml']['id']}"
        rows.append(row)
        if event.kind == "incident.note":
            notes.append({"noteDateTimeStamp": _iso(event.created_at), "noteText": event.payload.get("text", ""), "author": str(event.actor) if event.actor else None})
    return rows, notes


def eido_document(incident, *, with_caller, console=False):
    """The document for one incident as it is now. `console`: the operators' own view (every
    timeline entry); an agency gets the entries its own staff could see."""
    assignments = Assignment.objects.filter(incident=incident).select_related("agency", "post").order_by("id")
    calls, persons = _calls(incident, with_caller)
    timeline, notes = _timeline(incident, console=console)
    category = incident.category
    return {
        "eidoVersion": EIDO_VERSION,
        "eidoMessageIdentifier": f"urn:dispatch112:{system_id()}:eido:{incident.reference}:v{incident.version}",
        "sendingSystemIdentifier": system_id(),
        "lastUpdateTimeStamp": _iso(incident.updated_at),
        "incidentComponent": {
            "incidentTrackingIdentifier": incident.reference,
            "localIncidentIdentifier": incident.pk,
            "version": incident.version,
            "incidentTypeCommonRegistryText": [category.code],
            "incidentTypeName": {"id": category.name_id, "en": category.name_en},
            "incidentStatusCommonRegistryText": [incident.status],
            "priority": incident.priority,
            "description": incident.description or None,
            "callCount": incident.call_count,
            "incidentCreationTimeStamp": _iso(incident.created_at),
            "dispatchedTimeStamp": _iso(incident.dispatched_at),
            "firstOnSceneTimeStamp": _iso(incident.first_on_scene_at),
            "resolvedTimeStamp": _iso(incident.resolved_at),
            "closedTimeStamp": _iso(incident.closed_at),
            "cancelledTimeStamp": _iso(incident.cancelled_at),
            "locationReference": f"loc-{incident.pk}",
        },
        "locationComponent": [_location(incident), *_aml_locations(incident)],
        "agencyComponent": [_agency(a) for a in assignments],
        "callComponent": calls,
        "personComponent": persons,
        "notesComponent": notes,
        "timeline": timeline,
    }
