"""The report facts (reports/models.py) stay equal to the incidents' rows on every write path of the
incident services, and the reports read from them give what the live tables give.

Each test walks an incident through the real services (tests/incidents' fixtures) and after every
step compares the stored facts with the facts computed afresh from the live rows
(reports.facts.differences), and checks the duration a user would see.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Assignment, AssignmentStatus
from incidents.services import (
    IncidentInput,
    assignment_acknowledge,
    assignment_decline,
    assignment_transition,
    call_log,
    incident_cancel,
    incident_close,
    incident_dispatch,
    incident_reopen,
    incident_resolve,
    incident_update,
)
from reports import facts
from reports.filters import parse_filter
from reports.models import CallFact, HandlingFact, ResponseFact
from reports.selectors import TABLES
from tests.incidents.conftest import _clear_default_cache, clock, dispatched, new_incident, world  # noqa: F401 — fixtures
from tests.incidents.helpers import CITY_CENTRE, START

pytestmark = pytest.mark.django_db


def in_sync():
    found = facts.differences()
    assert found == [], found


def response(assignment):
    return ResponseFact.objects.get(assignment_id=assignment.pk)


def test_create_makes_the_handling_fact_and_dispatch_the_response_facts(world, new_incident, clock):
    incident = new_incident("kebakaran")
    in_sync()
    handling = HandlingFact.objects.get(incident=incident)
    assert handling.dispatched_s is None and handling.created_s is not None
    assert not ResponseFact.objects.filter(incident=incident).exists()

    clock.advance(seconds=45)
    assignments = incident_dispatch(incident=incident, agencies=list(world.category("kebakaran").default_agencies.all()), by=world.operator)
    in_sync()
    handling.refresh_from_db()
    assert handling.dispatched_s is not None
    assert ResponseFact.objects.filter(incident=incident).count() == len(assignments) > 0
    assert all(response(a).ack_s is None for a in assignments)


def test_acknowledge_en_route_on_scene_complete_resolve_close(world, dispatched, clock):
    incident, assignments = dispatched("kebakaran")
    first = assignments[0]
    clock.advance(seconds=30)
    assignment_acknowledge(assignment=first, by=world.damkar_staff)
    in_sync()
    assert response(first).ack_s == 30.0
    clock.advance(seconds=60)
    assignment_transition(assignment=first, to=AssignmentStatus.EN_ROUTE, by=world.damkar_staff)
    in_sync()
    assert response(first).en_route_s == 90.0
    clock.advance(seconds=300)
    assignment_transition(assignment=first, to=AssignmentStatus.ON_SCENE, by=world.damkar_staff)
    in_sync()
    assert response(first).on_scene_s == 390.0
    for other in assignments[1:]:
        assignment_decline(assignment=other, by=world.operator, reason="Unit sedang bertugas di tempat lain")
        in_sync()
        assert response(other).ack_s is None
    clock.advance(seconds=600)
    assignment_transition(assignment=first, to=AssignmentStatus.COMPLETED, by=world.damkar_staff)
    in_sync()
    clock.advance(seconds=60)
    incident_resolve(incident=incident, by=world.operator)
    in_sync()
    assert response(first).resolved_s == 1050.0
    incident_close(incident=incident, by=world.operator, note="Api padam")
    in_sync()


def test_cancel_removes_the_facts_and_reopen_brings_them_back(world, dispatched, clock):
    incident, assignments = dispatched("kebakaran")
    clock.advance(seconds=20)
    assignment_acknowledge(assignment=assignments[0], by=world.damkar_staff)
    incident_cancel(incident=incident, by=world.operator, reason="Tidak ditemukan di lokasi")
    in_sync()
    assert not ResponseFact.objects.filter(incident=incident).exists()
    assert not HandlingFact.objects.filter(incident=incident).exists()
    incident_reopen(incident=incident, by=world.supervisor, reason="Pelapor menelepon lagi")
    in_sync()
    assert response(assignments[0]).ack_s == 20.0
    assert HandlingFact.objects.filter(incident=incident).count() == 1


def test_reopening_a_resolved_incident_clears_its_resolved_step(world, dispatched, clock):
    incident, assignments = dispatched("kebakaran")
    for assignment in assignments:
        assignment_decline(assignment=assignment, by=world.operator, reason="Unit sedang bertugas di tempat lain")
    clock.advance(seconds=10)
    incident_resolve(incident=incident, by=world.operator)
    assert response(assignments[0]).resolved_s is not None
    incident_reopen(incident=incident, by=world.supervisor, reason="Belum selesai")
    in_sync()
    assert response(assignments[0]).resolved_s is None


def test_an_edit_moves_the_facts_to_the_new_category_and_priority(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    flood = world.category("banjir")
    incident_update(incident=incident, by=world.operator, version=incident.version, changes={"category": flood, "priority": 4})
    in_sync()
    fact = response(assignments[0])
    assert (fact.category_id, fact.priority) == (flood.pk, 4)
    assert HandlingFact.objects.get(incident=incident).priority == 4


def test_a_further_call_joins_without_a_handling_fact_of_its_own(world, new_incident):
    incident = new_incident("kebakaran")
    call_log(by=world.operator, outcome="emergency", link_to=incident)  # becomes a duplicate call
    in_sync()
    assert HandlingFact.objects.filter(incident=incident).count() == 1


def test_a_second_dispatch_adds_its_assignment(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    assigned = {a.agency_id for a in assignments}
    extra = next(a for a in world.category("banjir").default_agencies.all() if a.pk not in assigned)
    incident_dispatch(incident=incident, agencies=[extra], by=world.operator)
    in_sync()
    assert ResponseFact.objects.filter(incident=incident).count() == len(assignments) + 1


def test_the_call_facts_follow_the_incident_and_its_agencies(world, dispatched):
    incident, assignments = dispatched("kebakaran")
    call_log(by=world.operator, outcome="emergency", link_to=incident)  # a further call: its rows too
    in_sync()
    agencies = sorted(a.agency_id for a in assignments)
    rows = sorted((f.agency_id or 0, f.outcome, f.priority) for f in CallFact.objects.filter(incident=incident))
    priority = incident.priority
    expected = [(agency, outcome, priority) for agency in [0, *agencies] for outcome in ("duplicate", "emergency")]
    assert rows == sorted(expected)
    incident.refresh_from_db()
    incident_update(incident=incident, by=world.operator, version=incident.version, changes={"priority": 4})
    in_sync()
    assert set(CallFact.objects.filter(incident=incident).values_list("priority", flat=True)) == {4}


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the statements counted are PostgreSQL's")
def test_a_call_intake_and_a_dispatch_write_the_call_facts_in_one_statement(world, clock):
    data = IncidentInput(category=world.category("banjir"), latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1])
    with CaptureQueriesContext(connection) as captured:
        call = call_log(by=world.operator, outcome="emergency", new_incident=data)
    facts_sql = [q["sql"] for q in captured if "reports_" in q["sql"]]
    # The hourly count, the handling and the call facts (a new incident in the current month has
    # no response facts and no closed month to mark: reports.facts.refresh_new).
    assert len(facts_sql) == 3, facts_sql
    assert len([sql for sql in facts_sql if "reports_callfact" in sql]) == 1
    assert CallFact.objects.filter(call=call, agency=None).exists()
    # Any later refresh (a dispatch refreshes once or more) replaces them in one statement too.
    incident = call.incident
    with CaptureQueriesContext(connection) as captured:
        incident_dispatch(incident=incident, agencies=list(world.category("banjir").default_agencies.all()[:1]), by=world.operator)
    refreshes = [q for q in captured if q["sql"].startswith('DELETE FROM "reports_responsefact"')]
    assert refreshes and len([q for q in captured if "reports_callfact" in q["sql"]]) == len(refreshes)
    assert CallFact.objects.filter(call=call).count() == 2
    in_sync()


def test_logged_calls_are_counted_in_the_hour_they_were_received(world, new_incident, clock):
    call_log(by=world.operator, outcome="prank")
    clock.advance(minutes=59, seconds=59)
    new_incident("kebakaran")
    clock.advance(seconds=1)
    call_log(by=world.operator, outcome="prank")
    call_log(by=world.operator, outcome="emergency", link_to=new_incident("kebakaran"))
    in_sync()
    counts = dict(facts.stored_call_hours())
    later = START.replace(hour=START.hour + 1)
    assert counts == {(START, "prank"): 1, (START, "emergency"): 1, (later, "prank"): 1, (later, "emergency"): 1, (later, "duplicate"): 1}


def test_the_hourly_counts_answer_only_for_whole_hours_without_incident_filters(world, new_incident, clock):
    report, _errors = parse_filter({"period": "7d"}, now=clock.now)
    assert report.call_hours() is not None
    narrowed, _errors = parse_filter({"period": "7d", "category": world.category("kebakaran").pk}, now=clock.now)
    assert narrowed.call_hours() is None


def test_rebuild_and_check_commands(world, dispatched, capsys):
    incident, assignments = dispatched("kebakaran")
    ResponseFact.objects.all().delete()
    Assignment.objects.filter(pk=assignments[0].pk).update(status=AssignmentStatus.ACKNOWLEDGED, acknowledged_at=incident.created_at)
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "differ" in capsys.readouterr().out
    call_command("report_facts", "--rebuild")
    in_sync()
    call_command("report_facts", "--check")
    assert "agree" in capsys.readouterr().out


def test_the_tables_from_facts_equal_the_tables_from_the_live_rows(world, dispatched, clock, settings):
    """A few incidents in several states, then every duration table both ways."""
    done, done_assignments = dispatched("kebakaran")
    clock.advance(seconds=75)
    assignment_acknowledge(assignment=done_assignments[0], by=world.damkar_staff)
    clock.advance(seconds=200)
    assignment_transition(assignment=done_assignments[0], to=AssignmentStatus.ON_SCENE, by=world.damkar_staff)
    for other in done_assignments[1:]:
        assignment_decline(assignment=other, by=world.operator, reason="Unit sedang bertugas di tempat lain")
    assignment_transition(assignment=done_assignments[0], to=AssignmentStatus.COMPLETED, by=world.damkar_staff)
    incident_resolve(incident=done, by=world.operator)
    clock.advance(seconds=33)
    _waiting, waiting_assignments = dispatched("banjir")
    cancelled, _ = dispatched("kebakaran")
    incident_cancel(incident=cancelled, by=world.operator, reason="Tidak ditemukan di lokasi")
    call_log(by=world.operator, outcome="emergency", new_incident=IncidentInput(category=world.category("banjir"), latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1]))

    report, errors = parse_filter({"period": "today"}, now=clock.now)
    assert errors is None
    call_log(by=world.operator, outcome="prank")
    call_log(by=world.operator, outcome="silent")
    keys = [k for k in TABLES if k.startswith(("response_", "handling_", "calls_"))]
    settings.REPORTS_FACTS = True
    from_facts = {k: TABLES[k](report).rows for k in keys}
    settings.REPORTS_FACTS = False
    from_live = {k: TABLES[k](report).rows for k in keys}
    assert from_facts == from_live
    assert from_facts["response_by_agency"][0]["total"] == len(done_assignments) + len(waiting_assignments)
