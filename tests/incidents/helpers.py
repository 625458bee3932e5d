"""Helpers for the incidents tests: places, a controllable clock, and paths through the services."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from dispatch112.models import Event, User
from incidents.models import Agency, AssignmentStatus, Call, Incident, IncidentCategory
from incidents.services import assignment_transition

UTC = dt_timezone.utc
# 10:00 WITA on a Friday morning: far from midnight, so the reference day is unambiguous.
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

# Places in Samarinda used across the tests (lat, lon).
CITY_CENTRE = (-0.5022, 117.1536)  # near the Balaikota
NEAR_PALARAN_POST = (-0.5900, 117.1800)  # ~700 m from Pos Damkar Palaran, kilometres from the others
JAKARTA = (-6.2, 106.8)


class Clock:
    """Stands in for django.utils.timezone.now: services, events and auto_now fields all see it."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when):
        self.now = when
        return self.now


@dataclass
class World:
    operator: User
    supervisor: User
    admin: User
    damkar_staff: User
    bpbd_staff: User

    def agency(self, code):
        return Agency.objects.get(code=code)

    def category(self, code):
        return IncidentCategory.objects.get(code=code)


# How to bring a fresh (notified) assignment to each status, through the services.
PATH_TO = {
    AssignmentStatus.NOTIFIED: [],
    AssignmentStatus.ACKNOWLEDGED: [AssignmentStatus.ACKNOWLEDGED],
    AssignmentStatus.EN_ROUTE: [AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.EN_ROUTE],
    AssignmentStatus.ON_SCENE: [AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.ON_SCENE],
    AssignmentStatus.COMPLETED: [AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.ON_SCENE, AssignmentStatus.COMPLETED],
    AssignmentStatus.DECLINED: [AssignmentStatus.DECLINED],
}


def walk(assignment, status, by):
    for step in PATH_TO[status]:
        assignment = assignment_transition(assignment=assignment, to=step, by=by, reason="Unit sedang bertugas di tempat lain")
    return assignment


def counts():
    return {"calls": Call.objects.count(), "incidents": Incident.objects.count(), "events": Event.objects.count()}


def field_errors(excinfo):
    """The field names a ValidationError names (its message_dict keys)."""
    return set(excinfo.value.message_dict)
