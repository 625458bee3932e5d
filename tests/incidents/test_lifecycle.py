"""The end of an incident: resolve once every agency is done, close with a note, cancel with a
reason, reopen on the record; and the optimistic lock that stops two operators overwriting each other."""

import pytest
from django.core.exceptions import ValidationError

from dispatch112.errors import StaleVersion, TransitionNotAllowed
from dispatch112.models import Event
from incidents.models import AssignmentStatus, Incident, IncidentStatus
from incidents.services import (
    assignment_acknowledge,
    assignment_decline,
    assignment_transition,
    incident_cancel,
    incident_close,
    incident_dispatch,
    incident_reopen,
    incident_resolve,
    incident_update,
)
from tests.incidents.helpers import field_errors, walk

pytestmark = pytest.mark.django_db


def state(incident):
    fresh = Incident.objects.get(pk=incident.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "resolved_at": fresh.resolved_at,
        "closed_at": fresh.closed_at,
        "cancelled_at": fresh.cancelled_at,
        "closing_note": fresh.closing_note,
        "events": Event.objects.filter(incident=fresh).count(),
    }


@pytest.fixture
def finished_work(world, dispatched):
    """A fire both agencies have finished with: damkar completed, psc119 declined."""
    incident, assignments = dispatched("kebakaran")
    damkar, psc = sorted(assignments, key=lambda a: a.agency.code)
    walk(damkar, AssignmentStatus.COMPLETED, world.damkar_staff)
    assignment_decline(assignment=psc, by=world.operator, reason="Tidak ada korban")
    return Incident.objects.get(pk=incident.pk)


@pytest.fixture
def resolved(world, finished_work):
    return incident_resolve(incident=finished_work, by=world.operator)


@pytest.fixture
def closed(world, resolved):
    return incident_close(incident=resolved, by=world.supervisor, note="Api padam, satu rumah rusak berat.")


# --- resolve ---------------------------------------------------------------------------------------


def test_resolve_is_refused_while_an_agency_is_still_working_and_says_which(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    damkar = next(a for a in assignments if a.agency.code == "damkar")
    walk(damkar, AssignmentStatus.COMPLETED, world.damkar_staff)
    before = state(incident)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        incident_resolve(incident=incident, by=world.operator)

    message = str(excinfo.value)
    assert "PSC 119" in message
    assert "Damkar" not in message  # damkar is done: only open assignments are named
    assert state(incident) == before


def test_resolve_when_every_assignment_is_completed_or_declined(world, finished_work, clock):
    clock.advance(minutes=30)

    incident_resolve(incident=finished_work, by=world.operator, note="Selesai")

    fresh = Incident.objects.get(pk=finished_work.pk)
    assert fresh.status == IncidentStatus.RESOLVED
    assert fresh.resolved_at == clock.now
    event = Event.objects.filter(kind="incident.resolved").get()
    assert (event.actor, event.payload["previous_status"], event.payload["note"]) == (world.operator, "on_scene", "Selesai")


def test_resolved_incident_cannot_be_resolved_again(world, resolved):
    with pytest.raises(TransitionNotAllowed):
        incident_resolve(incident=resolved, by=world.operator)


# --- close -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   \n "])
def test_close_requires_a_closing_note(world, resolved, note):
    before = state(resolved)

    with pytest.raises(ValidationError) as excinfo:
        incident_close(incident=resolved, by=world.supervisor, note=note)

    assert field_errors(excinfo) == {"closing_note"}
    assert state(resolved) == before


def test_close_with_a_note_records_it(world, resolved, clock):
    clock.advance(hours=1)

    incident_close(incident=resolved, by=world.supervisor, note="Api padam.")

    fresh = Incident.objects.get(pk=resolved.pk)
    assert (fresh.status, fresh.closed_at, fresh.closing_note) == (IncidentStatus.CLOSED, clock.now, "Api padam.")
    assert Event.objects.get(kind="incident.closed").actor == world.supervisor


@pytest.mark.parametrize("stage", ["new", "dispatched", "acknowledged"])
def test_close_only_from_resolved(world, new_incident, stage):
    incident = new_incident("kebakaran")
    if stage != "new":
        [assignment] = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
        if stage == "acknowledged":
            assignment_acknowledge(assignment=assignment, by=world.damkar_staff)
    before = state(incident)
    assert before["status"] == stage

    with pytest.raises(TransitionNotAllowed):
        incident_close(incident=incident, by=world.supervisor, note="Ditutup")

    assert state(incident) == before


# --- cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  "])
def test_cancel_requires_a_reason(world, new_incident, reason):
    incident = new_incident("kebakaran")
    before = state(incident)

    with pytest.raises(ValidationError) as excinfo:
        incident_cancel(incident=incident, by=world.operator, reason=reason)

    assert field_errors(excinfo) == {"reason"}
    assert state(incident) == before


def test_cancel_records_reason_time_and_previous_status(world, dispatched, clock):
    incident, _ = dispatched("kebakaran")
    clock.advance(minutes=2)

    incident_cancel(incident=incident, by=world.operator, reason="Pelapor salah alamat")

    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.status, fresh.cancelled_at, fresh.cancel_reason) == ("cancelled", clock.now, "Pelapor salah alamat")
    event = Event.objects.get(kind="incident.cancelled")
    assert (event.actor, event.payload["previous_status"]) == (world.operator, "dispatched")


def test_closed_incident_cannot_be_cancelled_or_resolved_or_dispatched(world, closed):
    before = state(closed)

    with pytest.raises(TransitionNotAllowed):
        incident_cancel(incident=closed, by=world.operator, reason="x")
    with pytest.raises(TransitionNotAllowed):
        incident_resolve(incident=closed, by=world.operator)
    with pytest.raises(TransitionNotAllowed):
        incident_dispatch(incident=closed, agencies=[world.agency("polresta")], by=world.operator)
    with pytest.raises(TransitionNotAllowed):
        incident_update(incident=closed, by=world.operator, version=before["version"], changes={"address": "baru"})

    assert state(closed) == before


# --- reopen ----------------------------------------------------------------------------------------


def test_reopening_a_closed_incident_is_audited_and_returns_to_the_derived_status(world, closed, clock):
    closed_at = Incident.objects.get(pk=closed.pk).closed_at
    clock.advance(hours=3)

    incident_reopen(incident=closed, by=world.supervisor, reason="Api menyala lagi")

    fresh = Incident.objects.get(pk=closed.pk)
    # damkar completed (on scene), psc119 declined: the assignments say on scene
    assert fresh.status == IncidentStatus.ON_SCENE
    assert fresh.closed_at is None and fresh.resolved_at is None
    event = Event.objects.get(kind="incident.reopened")
    assert event.actor == world.supervisor
    assert event.created_at == clock.now
    assert event.payload["reason"] == "Api menyala lagi"
    assert event.payload["previous"]["status"] == "closed"
    assert event.payload["previous"]["closed_at"] == closed_at.isoformat()


def test_reopening_a_cancelled_incident_returns_it_to_its_assignments_status(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    assignment_acknowledge(assignment=assignments[0], by=world.operator)
    incident_cancel(incident=incident, by=world.operator, reason="Dikira salah alamat")

    incident_reopen(incident=incident, by=world.operator, reason="Alamat benar")

    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.status == IncidentStatus.ACKNOWLEDGED
    assert fresh.cancelled_at is None
    assert Event.objects.get(kind="incident.reopened").payload["previous"]["status"] == "cancelled"
    # and its agencies can carry on
    assignment_transition(assignment=assignments[0], to=AssignmentStatus.EN_ROUTE, by=world.operator)


def test_reopened_incident_without_assignments_is_new(world, new_incident):
    incident = new_incident("kebakaran")
    incident_cancel(incident=incident, by=world.operator, reason="Uji coba")

    incident_reopen(incident=incident, by=world.operator, reason="Ternyata nyata")

    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.NEW


def test_reopen_requires_a_reason(world, closed):
    before = state(closed)

    with pytest.raises(ValidationError) as excinfo:
        incident_reopen(incident=closed, by=world.supervisor, reason="")

    assert field_errors(excinfo) == {"reason"}
    assert state(closed) == before


def test_active_incident_cannot_be_reopened(world, new_incident):
    incident = new_incident("kebakaran")
    before = state(incident)

    with pytest.raises(TransitionNotAllowed):
        incident_reopen(incident=incident, by=world.operator, reason="x")

    assert state(incident) == before


# --- optimistic locking -----------------------------------------------------------------------------


def test_stale_version_is_refused_and_nothing_changes(world, new_incident):
    incident = new_incident("kebakaran", address="Jl. Lama")
    seen_by_first_operator = incident.version
    incident_update(incident=incident, by=world.supervisor, version=seen_by_first_operator, changes={"landmark": "Dekat SPBU"})
    before = state(incident)

    with pytest.raises(StaleVersion) as excinfo:
        incident_update(incident=incident, by=world.operator, version=seen_by_first_operator, changes={"address": "Jl. Baru"})

    assert state(incident) == before
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.address, fresh.landmark) == ("Jl. Lama", "Dekat SPBU")
    # the 409 carries the current state so the operator can merge
    assert excinfo.value.current.version == fresh.version


def test_update_with_the_current_version_changes_fields_bumps_version_and_records_before_and_after(world, new_incident, clock):
    incident = new_incident("kebakaran", address="Jl. Lama")
    version = incident.version
    clock.advance(minutes=1)

    incident_update(
        incident=incident,
        by=world.operator,
        version=version,
        changes={"address": "Jl. Baru No. 5", "priority": 2, "category": world.category("darurat-medis")},
    )

    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.address, fresh.priority, fresh.category.code) == ("Jl. Baru No. 5", 2, "darurat-medis")
    assert fresh.version == version + 1
    event = Event.objects.get(kind="incident.updated")
    assert (event.actor, event.created_at, event.incident) == (world.operator, clock.now, fresh)
    assert event.payload["before"]["address"] == "Jl. Lama"
    assert event.payload["after"]["address"] == "Jl. Baru No. 5"
    assert (event.payload["before"]["priority"], event.payload["after"]["priority"]) == (1, 2)
    assert (event.payload["before"]["category"], event.payload["after"]["category"]) == ("Kebakaran", "Darurat medis")


def test_update_that_changes_nothing_does_not_bump_the_version(world, new_incident):
    incident = new_incident("kebakaran", address="Jl. Sama")

    incident_update(incident=incident, by=world.operator, version=incident.version, changes={"address": "Jl. Sama"})

    assert Incident.objects.get(pk=incident.pk).version == incident.version
    assert not Event.objects.filter(kind="incident.updated").exists()


@pytest.mark.parametrize("action", ["dispatch", "resolve", "cancel"])
def test_other_actions_with_a_stale_version_are_refused(world, new_incident, action):
    incident = new_incident("kebakaran")
    stale = incident.version
    incident_update(incident=incident, by=world.supervisor, version=stale, changes={"landmark": "Pasar Pagi"})
    before = state(incident)

    with pytest.raises(StaleVersion):
        if action == "dispatch":
            incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator, version=stale)
        elif action == "resolve":
            incident_resolve(incident=incident, by=world.operator, version=stale)
        else:
            incident_cancel(incident=incident, by=world.operator, version=stale, reason="x")

    assert state(incident) == before
    assert not Incident.objects.get(pk=incident.pk).assignments.exists()
