"""Overdue: an assignment not acknowledged within its priority's target (P1 2 min, P2 5 min,
P3 15 min, P4 60 min) is overdue; the escalation task writes one event per overdue assignment, once."""

from datetime import timedelta

import pytest

from dispatch112.celery import app as celery_app
from dispatch112.models import Event
from incidents.models import Assignment
from incidents.selectors import overdue_assignments
from incidents.services import (
    assignment_acknowledge,
    assignment_decline,
    escalate_overdue_assignments,
    incident_cancel,
    incident_dispatch,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "category, priority, target",
    [("kebakaran", 1, 120), ("banjir", 2, 300), ("pohon-tumbang", 3, 900), ("gangguan-air", 4, 3600)],
)
def test_unacknowledged_assignment_is_overdue_only_after_its_priority_target(world, dispatched, clock, category, priority, target):
    incident, assignments = dispatched(category)
    assert incident.priority == priority
    dispatched_at = clock.now
    ids = sorted(a.pk for a in assignments)

    at_target = dispatched_at + timedelta(seconds=target)
    just_after = at_target + timedelta(seconds=1)

    assert list(overdue_assignments(now=at_target)) == []
    assert sorted(a.pk for a in overdue_assignments(now=just_after)) == ids
    for assignment in Assignment.objects.filter(pk__in=ids):
        assert not assignment.is_overdue(at_target)
        assert assignment.is_overdue(just_after)
        assert assignment.acknowledge_deadline() == at_target


def test_p1_is_overdue_before_p3_dispatched_at_the_same_time(world, dispatched, clock):
    fire, _ = dispatched("kebakaran")
    tree, _ = dispatched("pohon-tumbang")
    later = clock.now + timedelta(seconds=121)

    overdue_incidents = {a.incident_id for a in overdue_assignments(now=later)}

    assert overdue_incidents == {fire.pk}
    assert {a.incident_id for a in overdue_assignments(now=clock.now + timedelta(seconds=901))} == {fire.pk, tree.pk}


def test_target_follows_the_incident_priority_not_the_category(world, new_incident, clock):
    incident = new_incident("pohon-tumbang", priority=1)  # a tree on a car with people inside
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)

    assert overdue_assignments(now=clock.now + timedelta(seconds=121)).count() == 1


def test_acknowledged_declined_and_cancelled_are_not_overdue(world, dispatched, clock):
    acked, [a1, a2] = dispatched("kebakaran")
    assignment_acknowledge(assignment=a1, by=world.damkar_staff)
    declined, [d1, d2] = dispatched("kebakaran")
    assignment_decline(assignment=d1, by=world.operator, reason="x")
    assignment_decline(assignment=d2, by=world.operator, reason="y")
    cancelled, _ = dispatched("kebakaran")
    incident_cancel(incident=cancelled, by=world.operator, reason="Palsu")
    later = clock.now + timedelta(minutes=10)

    overdue = list(overdue_assignments(now=later))

    assert [(a.incident_id, a.pk) for a in overdue] == [(acked.pk, a2.pk)]


def test_escalation_writes_exactly_one_event_per_overdue_assignment_even_when_run_twice(world, dispatched, clock):
    incident, assignments = dispatched("kebakaran")
    clock.advance(seconds=121)

    first = escalate_overdue_assignments(now=clock.now)
    clock.advance(seconds=15)
    second = escalate_overdue_assignments(now=clock.now)

    assert (first, second) == (2, 0)
    events = Event.objects.filter(kind="assignment.overdue").order_by("id")
    assert sorted(e.audience for e in events) == sorted(f"agency-{a.agency_id}" for a in assignments)
    for event in events:
        assert event.incident == incident
        assert event.actor is None  # raised by the system
        assert event.payload["target_seconds"] == 120
    for assignment in Assignment.objects.filter(incident=incident):
        assert assignment.escalated_at == clock.now - timedelta(seconds=15)


def test_escalation_before_the_target_writes_nothing(world, dispatched, clock):
    dispatched("kebakaran")
    clock.advance(seconds=120)

    assert escalate_overdue_assignments(now=clock.now) == 0
    assert not Event.objects.filter(kind="assignment.overdue").exists()


def test_acknowledged_and_cancelled_are_not_escalated(world, dispatched, clock):
    incident, [damkar, psc] = dispatched("kebakaran")
    assignment_acknowledge(assignment=damkar, by=world.damkar_staff)
    cancelled, _ = dispatched("kebakaran")
    incident_cancel(incident=cancelled, by=world.operator, reason="Salah input")
    clock.advance(minutes=5)

    assert escalate_overdue_assignments(now=clock.now) == 1

    [event] = Event.objects.filter(kind="assignment.overdue")
    assert event.payload["assignment"]["id"] == psc.pk


def test_a_later_dispatch_is_escalated_on_its_own_schedule(world, dispatched, clock):
    incident, _ = dispatched("kebakaran")
    clock.advance(seconds=121)
    assert escalate_overdue_assignments(now=clock.now) == 2
    [late] = incident_dispatch(incident=incident, agencies=[world.agency("polresta")], by=world.operator)

    clock.advance(seconds=60)
    assert escalate_overdue_assignments(now=clock.now) == 0
    clock.advance(seconds=61)
    assert escalate_overdue_assignments(now=clock.now) == 1
    assert Event.objects.filter(kind="assignment.overdue").latest("id").payload["assignment"]["id"] == late.pk


@pytest.fixture
def eager_celery():
    # Embedded settings already run tasks eagerly; the PostgreSQL+Redis profile does not, and no
    # worker runs under the tests.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_celery_task_escalates_on_the_beat_schedule(world, dispatched, clock, settings, eager_celery):
    from incidents.tasks import escalate_overdue_assignments as task

    # Production runs it from beat every few seconds; here it runs eagerly in-process.
    assert settings.CELERY_BEAT_SCHEDULE["escalate-overdue-assignments"]["task"] == task.name
    assert task.name in celery_app.tasks
    incident, assignments = dispatched("kebakaran")
    clock.advance(seconds=121)

    task.delay()
    task.delay()

    assert Event.objects.filter(kind="assignment.overdue").count() == len(assignments) == 2
    assert all(a.escalated_at == clock.now for a in Assignment.objects.filter(incident=incident))
