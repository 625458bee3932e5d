"""An agency's part in an incident moves only along ASSIGNMENT_TRANSITIONS; each step is stamped
with its time and actor, and the incident's status follows its assignments."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event
from incidents.models import ASSIGNMENT_STAMPS, ASSIGNMENT_TRANSITIONS, Assignment, AssignmentStatus, Incident, IncidentStatus
from incidents.services import assignment_acknowledge, assignment_decline, assignment_transition, incident_cancel
from tests.incidents.helpers import field_errors, walk

pytestmark = pytest.mark.django_db

ALL = list(AssignmentStatus)
ALLOWED = [(src, dst) for src in ALL for dst in sorted(ASSIGNMENT_TRANSITIONS[src])]
REFUSED = [(src, dst) for src, dst in itertools.product(ALL, ALL) if dst not in ASSIGNMENT_TRANSITIONS[src]]


def test_the_table_is_the_one_the_field_expects():
    # notified → acknowledged → en route → on scene → completed, or declined (also after
    # acknowledging); a unit already at the scene may skip en route. Nothing leaves completed/declined.
    assert ASSIGNMENT_TRANSITIONS == {
        AssignmentStatus.NOTIFIED: {AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.DECLINED},
        AssignmentStatus.ACKNOWLEDGED: {AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE, AssignmentStatus.DECLINED},
        AssignmentStatus.EN_ROUTE: {AssignmentStatus.ON_SCENE},
        AssignmentStatus.ON_SCENE: {AssignmentStatus.COMPLETED},
        AssignmentStatus.COMPLETED: set(),
        AssignmentStatus.DECLINED: set(),
    }


@pytest.fixture
def damkar_assignment(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    return next(a for a in assignments if a.agency.code == "damkar")


@pytest.mark.parametrize("src, dst", ALLOWED, ids=[f"{s}->{d}" for s, d in ALLOWED])
def test_allowed_transition_stamps_its_time_and_actor_and_writes_an_event(world, damkar_assignment, clock, src, dst):
    assignment = walk(damkar_assignment, src, world.damkar_staff)
    version = Incident.objects.get(pk=assignment.incident_id).version
    clock.advance(seconds=75)

    result = assignment_transition(assignment=assignment, to=dst, by=world.damkar_staff, reason="Armada penuh")

    fresh = Assignment.objects.get(pk=assignment.pk)
    at_field, by_field = ASSIGNMENT_STAMPS[dst]
    assert fresh.status == dst == result.status
    assert getattr(fresh, at_field) == clock.now
    assert getattr(fresh, by_field) == world.damkar_staff
    assert fresh.incident.version > version
    event = Event.objects.filter(kind=f"assignment.{dst}").latest("id")
    assert (event.audience, event.actor, event.created_at) == (f"agency-{fresh.agency_id}", world.damkar_staff, clock.now)
    assert event.payload["assignment"]["status"] == dst


@pytest.mark.parametrize("src, dst", REFUSED, ids=[f"{s}->{d}" for s, d in REFUSED])
def test_refused_transition_raises_and_changes_nothing(world, damkar_assignment, clock, src, dst):
    assignment = walk(damkar_assignment, src, world.damkar_staff)
    incident = Incident.objects.get(pk=assignment.incident_id)
    stamps_before = {f: getattr(Assignment.objects.get(pk=assignment.pk), f) for f, _ in ASSIGNMENT_STAMPS.values()}
    events_before = Event.objects.count()
    clock.advance(seconds=30)

    with pytest.raises(TransitionNotAllowed):
        assignment_transition(assignment=assignment, to=dst, by=world.damkar_staff, reason="Armada penuh")

    fresh = Assignment.objects.get(pk=assignment.pk)
    assert fresh.status == src
    assert {f: getattr(fresh, f) for f, _ in ASSIGNMENT_STAMPS.values()} == stamps_before
    fresh_incident = Incident.objects.get(pk=incident.pk)
    assert (fresh_incident.version, fresh_incident.status) == (incident.version, incident.status)
    assert Event.objects.count() == events_before


def test_refusal_message_names_the_agency_and_both_statuses(world, damkar_assignment):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        assignment_transition(assignment=damkar_assignment, to=AssignmentStatus.COMPLETED, by=world.damkar_staff)

    assert "Damkar" in str(excinfo.value)
    assert excinfo.value.current is not None  # the API answers 409 with the current state


def test_unknown_target_status_is_refused_with_a_domain_error(world, damkar_assignment):
    # The API passes what a client sent; an unknown status must be a 4xx, not a server error.
    with pytest.raises((ValidationError, TransitionNotAllowed)):
        assignment_transition(assignment=damkar_assignment, to="teleported", by=world.damkar_staff)

    assert Assignment.objects.get(pk=damkar_assignment.pk).status == AssignmentStatus.NOTIFIED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_decline_needs_a_reason(world, damkar_assignment, reason):
    events_before = Event.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        assignment_decline(assignment=damkar_assignment, by=world.damkar_staff, reason=reason)

    assert field_errors(excinfo) == {"reason"}
    fresh = Assignment.objects.get(pk=damkar_assignment.pk)
    assert (fresh.status, fresh.declined_at, fresh.decline_reason) == (AssignmentStatus.NOTIFIED, None, "")
    assert Event.objects.count() == events_before


def test_decline_keeps_the_reason(world, damkar_assignment):
    assignment_decline(assignment=damkar_assignment, by=world.damkar_staff, reason="Semua armada di Palaran")

    fresh = Assignment.objects.get(pk=damkar_assignment.pk)
    assert (fresh.status, fresh.decline_reason, fresh.declined_by) == ("declined", "Semua armada di Palaran", world.damkar_staff)


def test_incident_status_follows_its_assignments(world, dispatched, clock):
    incident, assignments = dispatched("kebakaran")  # damkar and psc119
    damkar, psc = sorted(assignments, key=lambda a: a.agency.code)
    assert incident.status == IncidentStatus.DISPATCHED

    def status():
        incident.refresh_from_db()
        return incident.status

    clock.advance(seconds=40)
    ack_time = clock.now
    assignment_acknowledge(assignment=damkar, by=world.damkar_staff)
    assert status() == IncidentStatus.ACKNOWLEDGED
    assert incident.first_acknowledged_at == ack_time

    clock.advance(seconds=40)
    assignment_acknowledge(assignment=psc, by=world.operator)
    assert status() == IncidentStatus.ACKNOWLEDGED
    assert incident.first_acknowledged_at == ack_time  # set once, by the first agency

    assignment_transition(assignment=damkar, to=AssignmentStatus.EN_ROUTE, by=world.damkar_staff)
    assert status() == IncidentStatus.EN_ROUTE
    assert incident.first_on_scene_at is None

    clock.advance(minutes=6)
    on_scene_time = clock.now
    assignment_transition(assignment=psc, to=AssignmentStatus.ON_SCENE, by=world.operator)
    assert status() == IncidentStatus.ON_SCENE
    assert incident.first_on_scene_at == on_scene_time

    clock.advance(minutes=2)
    assignment_transition(assignment=damkar, to=AssignmentStatus.ON_SCENE, by=world.damkar_staff)
    assignment_transition(assignment=psc, to=AssignmentStatus.COMPLETED, by=world.operator)
    assert status() == IncidentStatus.ON_SCENE
    assert incident.first_on_scene_at == on_scene_time  # set once

    changes = [
        (e.payload["previous_status"], e.payload["incident"]["status"])
        for e in Event.objects.filter(kind="incident.status_changed", incident=incident)
    ]
    assert changes == [("new", "dispatched"), ("dispatched", "acknowledged"), ("acknowledged", "en_route"), ("en_route", "on_scene")]


def test_one_declined_and_one_waiting_is_still_dispatched(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    assignment_decline(assignment=assignments[0], by=world.operator, reason="Tidak ada unit")

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DISPATCHED


def test_all_declined_puts_the_incident_back_to_new(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    assignment_acknowledge(assignment=assignments[0], by=world.operator)

    assignment_decline(assignment=assignments[0], by=world.operator, reason="Salah wilayah")
    assignment_decline(assignment=assignments[1], by=world.operator, reason="Tidak ada unit")

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW
    # the history stays: it was dispatched and acknowledged once, whatever happened next
    assert incident.dispatched_at is not None
    assert incident.first_acknowledged_at is not None


def test_assignments_of_a_cancelled_incident_cannot_move(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    incident_cancel(incident=incident, by=world.operator, reason="Laporan palsu")

    with pytest.raises(TransitionNotAllowed):
        assignment_acknowledge(assignment=assignments[0], by=world.damkar_staff)

    assert Assignment.objects.get(pk=assignments[0].pk).status == AssignmentStatus.NOTIFIED
