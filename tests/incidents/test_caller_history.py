"""A caller's history when their number is typed, and the prank flag: a number with 3 or more
prank calls in 24 hours is flagged (a warning, never a block)."""

import pytest

from incidents.models import Call
from incidents.selectors import caller_history
from incidents.services import IncidentInput, call_log

pytestmark = pytest.mark.django_db

PRANKSTER = "+6281299990001"
NEIGHBOUR = "+6281299990002"


def prank(world, number=PRANKSTER):
    return call_log(by=world.operator, outcome="prank", caller_number=number)


def test_three_prank_calls_in_24_hours_flag_the_number(world, clock):
    for _ in range(3):
        prank(world)
        clock.advance(hours=7)

    history = caller_history(number=PRANKSTER, now=clock.now)

    assert history.flagged
    assert history.prank_calls_recent == 3


def test_two_prank_calls_do_not_flag_the_number(world, clock):
    prank(world)
    clock.advance(hours=1)
    prank(world)

    history = caller_history(number=PRANKSTER, now=clock.now)

    assert not history.flagged
    assert history.prank_calls_recent == 2


def test_a_prank_older_than_24_hours_does_not_count(world, clock):
    prank(world)
    clock.advance(hours=20)
    prank(world)
    clock.advance(hours=2)
    prank(world)
    clock.advance(hours=2, seconds=1)  # the first is now 24 h and a second old

    history = caller_history(number=PRANKSTER, now=clock.now)

    assert not history.flagged
    assert history.prank_calls_recent == 2
    assert history.total_calls == 3


def test_silent_calls_and_other_numbers_pranks_do_not_count_towards_the_flag(world, clock):
    prank(world)
    prank(world)
    call_log(by=world.operator, outcome="silent", caller_number=PRANKSTER)
    prank(world, NEIGHBOUR)

    assert not caller_history(number=PRANKSTER, now=clock.now).flagged


def test_flagged_number_can_still_report_a_real_emergency(world, clock):
    for _ in range(3):
        prank(world)

    call = call_log(
        by=world.operator,
        outcome="emergency",
        caller_number="0812-9999-0001",
        new_incident=IncidentInput(category=world.category("kebakaran")),
    )

    assert call.incident is not None
    assert caller_history(number=PRANKSTER, now=clock.now).flagged


def test_history_lists_the_numbers_earlier_calls_and_incidents_only(world, clock, new_incident):
    fire = new_incident("kebakaran", caller_number="081299990001", caller_name="Pak Darto")
    clock.advance(hours=1)
    info = call_log(by=world.operator, outcome="info", caller_number="+62 812 9999 0001")
    clock.advance(hours=1)
    flood = new_incident("banjir", None, caller_number="6281299990001")
    # another caller's call and incident
    theirs = new_incident("darurat-medis", caller_number=NEIGHBOUR)
    call_log(by=world.operator, outcome="prank", caller_number=NEIGHBOUR)
    # no-SIM calls have no number and are nobody's history
    call_log(by=world.operator, outcome="silent")
    clock.advance(minutes=5)

    history = caller_history(number=PRANKSTER, now=clock.now)

    own_calls = list(Call.objects.filter(caller_number=PRANKSTER).order_by("-received_at"))
    assert [c.pk for c in history.calls] == [c.pk for c in own_calls]  # newest first
    assert len(history.calls) == 3 and info.pk in [c.pk for c in history.calls]
    assert [i.pk for i in history.incidents] == [flood.pk, fire.pk]
    assert theirs.pk not in [i.pk for i in history.incidents]
    assert history.total_calls == 3
    assert not history.flagged


def test_no_number_has_no_history(world, clock):
    call_log(by=world.operator, outcome="silent")
    call_log(by=world.operator, outcome="silent")

    history = caller_history(number="", now=clock.now)

    assert (history.calls, history.incidents, history.total_calls, history.flagged) == ([], [], 0, False)
