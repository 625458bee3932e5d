"""The timeline: every change writes an Event in the same transaction, pushed only after commit;
a refused change leaves no Event and pushes nothing. Agencies never receive a caller's identity."""

import asyncio
import json
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError

from dispatch112 import events as events_module
from dispatch112.errors import TransitionNotAllowed
from dispatch112.models import Event
from incidents.models import AssignmentStatus
from incidents.services import (
    IncidentInput,
    assignment_acknowledge,
    assignment_decline,
    assignment_transition,
    call_log,
    escalate_overdue_assignments,
    incident_add_note,
    incident_cancel,
    incident_close,
    incident_dispatch,
    incident_reopen,
    incident_resolve,
    incident_update,
)
from tests.incidents.helpers import CITY_CENTRE, JAKARTA

pytestmark = pytest.mark.django_db


def fire_input(world, **fields):
    return IncidentInput(category=world.category("kebakaran"), latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1], **fields)


# --- published on commit ---------------------------------------------------------------------------


def test_events_are_published_only_when_the_transaction_commits(world, django_capture_on_commit_callbacks):
    with mock.patch.object(events_module, "publish") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            call = call_log(by=world.operator, outcome="emergency", new_incident=fire_input(world))
            # written, but nothing pushed before the commit
            assert Event.objects.filter(incident=call.incident).count() == 2
            assert publish.call_count == 0
        assert publish.call_count == 0
        assert len(callbacks) == 2  # incident.created and call.logged

        for callback in callbacks:
            callback()

    pushed = [c.args[0] for c in publish.call_args_list]
    assert [e.kind for e in pushed] == ["incident.created", "call.logged"]
    assert [e.pk for e in pushed] == list(Event.objects.order_by("id").values_list("id", flat=True))
    # groups decided at write time: console always; the incident had no agency yet
    assert [c.args[1] for c in publish.call_args_list] == [["console"], ["console"]]


def test_dispatch_publishes_to_the_console_and_to_each_agency(world, new_incident, django_capture_on_commit_callbacks):
    incident = new_incident("kebakaran")
    damkar, psc = world.agency("damkar"), world.agency("psc119")

    with mock.patch.object(events_module, "publish") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            incident_dispatch(incident=incident, agencies=[damkar, psc], by=world.operator)

    sent = {(c.args[0].kind, c.args[0].audience): c.args[1] for c in publish.call_args_list}
    assert sent[("assignment.created", f"agency-{damkar.pk}")] == ["console", f"agency-{damkar.pk}"]
    assert sent[("assignment.created", f"agency-{psc.pk}")] == ["console", f"agency-{psc.pk}"]
    # incident-wide news goes to every agency assigned to it
    assert sent[("incident.status_changed", "incident")] == ["console", f"agency-{damkar.pk}", f"agency-{psc.pk}"]


def test_refused_change_writes_no_event_and_registers_no_push(world, new_incident, django_capture_on_commit_callbacks):
    incident = new_incident("kebakaran")
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    before = Event.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            call_log(
                by=world.operator,
                outcome="emergency",
                new_incident=IncidentInput(category=world.category("kebakaran"), latitude=JAKARTA[0], longitude=JAKARTA[1]),
            )
        with pytest.raises(ValidationError):
            incident_dispatch(incident=incident, agencies=[world.agency("psc119"), world.agency("damkar")], by=world.operator)
        with pytest.raises(TransitionNotAllowed):
            incident_close(incident=incident, by=world.operator, note="belum selesai")

    assert Event.objects.count() == before
    assert callbacks == []


def test_a_partly_done_change_that_fails_leaves_no_event(world, new_incident, django_capture_on_commit_callbacks):
    # The Call row and the call.logged event are written before the incident is validated; the
    # whole intake is one transaction, so neither survives.
    before = Event.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            call_log(by=world.operator, outcome="emergency", notes="ok", new_incident=fire_input(world, description="x" * 2001))

    assert Event.objects.count() == before
    assert callbacks == []


async def _receive(layer, channel, timeout=5):
    return await asyncio.wait_for(layer.receive(channel), timeout)


def test_committed_event_arrives_on_the_channel_layer(world, django_capture_on_commit_callbacks):
    """The real layer: in-memory embedded, channels_redis when REDIS_URL is set."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("console", channel)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call = call_log(by=world.operator, outcome="prank", caller_number="081234567890")

        message = async_to_sync(_receive)(layer, channel)
    finally:
        async_to_sync(layer.group_discard)("console", channel)

    event = Event.objects.get(kind="call.logged")
    assert message["type"] == "event.push"
    assert (message["id"], message["kind"]) == (event.pk, "call.logged")
    assert message["data"]["call"]["id"] == call.pk
    assert message["actor"] == str(world.operator)


# --- nothing is lost --------------------------------------------------------------------------------


def current_version(incident):
    return type(incident).objects.get(pk=incident.pk).version


def test_every_state_change_writes_an_event_with_its_actor_and_time(world, clock):
    """Walk one incident from the first call to a reopen and a cancel; each service call that changes state
    must leave at least one new Event naming who did it and when."""
    op, sup, damkar_staff = world.operator, world.supervisor, world.damkar_staff

    def step(name, by, action):
        before = Event.objects.count()
        clock.advance(seconds=30)
        result = action()
        new = list(Event.objects.order_by("id"))[before:]
        assert new, f"{name} changed state but wrote no event"
        for event in new:
            assert event.actor == by, (name, event.kind)
            assert event.created_at == clock.now, (name, event.kind)
        return result

    call = step("log call", op, lambda: call_log(by=op, outcome="emergency", caller_number="081234567890", new_incident=fire_input(world)))
    incident = call.incident
    step("log prank", op, lambda: call_log(by=op, outcome="prank", caller_number="081298765432"))
    step("link call", sup, lambda: call_log(by=sup, outcome="duplicate", link_to=incident))
    step(
        "edit",
        op,
        lambda: incident_update(incident=incident, by=op, version=current_version(incident), changes={"landmark": "Depan pasar"}),
    )
    step("note", sup, lambda: incident_add_note(incident=incident, by=sup, text="Pelapor kedua melihat asap hitam"))
    assignments = step(
        "dispatch", op, lambda: incident_dispatch(incident=incident, agencies=[world.agency("damkar"), world.agency("psc119")], by=op)
    )
    damkar, psc = sorted(assignments, key=lambda a: a.agency.code)
    step("acknowledge", damkar_staff, lambda: assignment_acknowledge(assignment=damkar, by=damkar_staff))
    step("en route", damkar_staff, lambda: assignment_transition(assignment=damkar, to=AssignmentStatus.EN_ROUTE, by=damkar_staff))
    step("on scene", damkar_staff, lambda: assignment_transition(assignment=damkar, to=AssignmentStatus.ON_SCENE, by=damkar_staff))
    step("completed", damkar_staff, lambda: assignment_transition(assignment=damkar, to=AssignmentStatus.COMPLETED, by=damkar_staff))
    step("decline", op, lambda: assignment_decline(assignment=psc, by=op, reason="Tidak ada korban"))
    step("resolve", op, lambda: incident_resolve(incident=incident, by=op))
    step("close", sup, lambda: incident_close(incident=incident, by=sup, note="Selesai"))
    step("reopen", sup, lambda: incident_reopen(incident=incident, by=sup, reason="Api menyala lagi"))
    step("cancel", op, lambda: incident_cancel(incident=incident, by=op, reason="Ditangani pemadam swasta"))

    kinds = list(Event.objects.filter(incident=incident).order_by("id").values_list("kind", flat=True))
    for expected in [
        "incident.created",
        "incident.call_linked",
        "incident.updated",
        "incident.note",
        "assignment.created",
        "assignment.acknowledged",
        "assignment.en_route",
        "assignment.on_scene",
        "assignment.completed",
        "assignment.declined",
        "incident.resolved",
        "incident.closed",
        "incident.reopened",
        "incident.cancelled",
    ]:
        assert expected in kinds


def test_escalation_is_on_the_record_with_its_time(world, new_incident, clock):
    incident = new_incident("kebakaran")
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    clock.advance(minutes=3)

    escalate_overdue_assignments()

    event = Event.objects.get(kind="assignment.overdue")
    assert (event.incident, event.created_at) == (incident, clock.now)


# --- caller privacy ----------------------------------------------------------------------------------


def test_agencies_never_receive_the_callers_number_or_name(world, new_incident, django_capture_on_commit_callbacks):
    """Events that reach an agency group (agency-<id>, or incident-wide once agencies are assigned)
    carry the caller only masked: names and numbers are for operators and supervisors."""
    incident = new_incident("kebakaran", caller_number="0812-3456-7890", caller_name="Siti Aminah")
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)

    call_log(by=world.operator, outcome="emergency", caller_number="0813-5555-1212", caller_name="Rahmat Hidayat", link_to=incident)
    incident_add_note(incident=incident, by=world.operator, text="Asap terlihat dari jalan raya")

    reaching_agencies = [e for e in Event.objects.order_by("id") if events_module.groups_for(e) != ["console"]]
    assert reaching_agencies, "the dispatch must have produced agency-visible events"
    for event in reaching_agencies:
        text = json.dumps(event.payload, ensure_ascii=False)
        for secret in ["Siti Aminah", "Rahmat Hidayat", "+6281234567890", "+6281355551212"]:
            assert secret not in text, f"{event.kind} ({event.audience}) reveals {secret!r} to agency staff"
