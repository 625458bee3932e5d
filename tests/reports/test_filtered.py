"""Every table with one incident filter (and with two) gives the same rows three ways: from the
live tables (REPORTS_FACTS=false), from the report facts (REPORTS_ROLLUPS=false) and from the
facts with the monthly rollups narrowed to that filter and the call facts (reports/models.py
CallFact). Then an incident of a rolled-up month changes its kecamatan and priority and gets
another agency, through the services: its calls and durations move to the new filter values, the
month is read from the facts until it is built again, and the figures stay the same three ways.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch112.clock import travel_to
from incidents.models import Call, IncidentStatus
from incidents.services import incident_dispatch, incident_update
from reports import facts, rollup
from reports.filters import parse_filter
from reports.models import CallFact, DurationRollup, RollupMonth
from reports.selectors import TABLES, handling_steps, incident_counts, response_steps
from reports.tasks import build_rollups
from tests.reports.conftest import assign, make_incident, other_call

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=WITA)  # March is the current month; Dec–Feb are closed
WHOLE = {"period": "custom", "from": "2025-12-10", "to": "2026-03-15"}  # an edge of December, two rolled-up months, March
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with travel_to(NOW):
        yield NOW


def local(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=WITA)


def after(moment, rng, low, high):
    """A moment `low`–`high` seconds later, or None (the step never happened)."""
    return None if rng.random() < 0.15 else moment + timedelta(seconds=round(rng.uniform(low, high), rng.choice([0, 3])))


@pytest.fixture
def history(dataset):
    """The hand-computed day of the dataset and ~120 incidents from December to now, in both
    kecamatan and none, every priority, one agency, both or none, some cancelled, some with a
    further call; and calls that are no incident. Facts and rollups built."""
    ds, rng = dataset, random.Random(9)
    kelurahan = [ds.incidents["I1"].kelurahan, ds.incidents["I2"].kelurahan, None]
    start, span = local(2025, 12, 1), (NOW - local(2025, 12, 1)).total_seconds()
    for n in range(120):
        created = start + timedelta(seconds=rng.uniform(0, span - 7200))
        received = created - timedelta(seconds=rng.uniform(20, 70))
        cancelled = rng.random() < 0.08
        dispatched = None if rng.random() < 0.1 else created + timedelta(seconds=rng.uniform(10, 150))
        resolved = None if dispatched is None or rng.random() < 0.3 else dispatched + timedelta(seconds=rng.uniform(600, 5400))
        status = IncidentStatus.CANCELLED if cancelled else IncidentStatus.RESOLVED if resolved else IncidentStatus.DISPATCHED if dispatched else IncidentStatus.NEW
        incident = make_incident(
            ds, f"H{n}", category=rng.choice(["fire", "flood"]), kelurahan=rng.choice(kelurahan), priority=rng.randint(1, 4), created=created,
            call_received=received, call_answered=received + timedelta(seconds=rng.uniform(2, 10)), dispatched=dispatched, resolved=resolved,
            operator=rng.choice(list(ds.users.values())), shift=rng.choice(["pagi", "siang", "malam"]), shift_date=created.date(), status=status,
        )  # fmt: skip
        if dispatched is not None:
            for agency in rng.sample(list(ds.agencies.values()), rng.randint(0, 2)):
                acknowledged = after(dispatched, rng, 5, 600)
                on_scene = after(acknowledged or dispatched, rng, 60, 1500)
                assign(incident, agency, notified=dispatched, acknowledged=acknowledged, en_route=after(acknowledged or dispatched, rng, 5, 200), on_scene=on_scene)
        if rng.random() < 0.2:
            further = created + timedelta(seconds=rng.uniform(60, 3600))
            Call.objects.create(received_at=further, answered_at=further, ended_at=further, operator=ds.users["ana"], outcome="duplicate",
                                incident=incident, shift="pagi", shift_date=further.date())  # fmt: skip
        if rng.random() < 0.3:
            other_call(rng.choice(["prank", "silent", "info"]), start + timedelta(seconds=rng.uniform(0, span)), ds.users["budi"])
    facts.rebuild()
    build_rollups()
    return ds


def filters(ds):
    """Each filter alone at each value, and two at once."""
    return [
        *({"kecamatan": k.pk} for k in ds.kecamatan.values()),
        *({"category": c.pk} for c in ds.categories.values()),
        *({"agency": a.pk} for a in ds.agencies.values()),
        *({"priority": p} for p in (1, 2, 3, 4)),
        {"priority": 1, "agency": ds.agencies["damkar"].pk},
        {"kecamatan": ds.kecamatan["a"].pk, "category": ds.categories["fire"].pk},
    ]


def three_ways(settings, params):
    """{table: rows} from the live tables, from the facts, and from the facts with the rollups."""
    report, errors = parse_filter(params, now=NOW)
    assert errors is None, errors
    found = []
    for facts_on, rollups_on in ((False, False), (True, False), (True, True)):
        settings.REPORTS_FACTS, settings.REPORTS_ROLLUPS = facts_on, rollups_on
        tables = {name: table(report).rows for name, table in TABLES.items()}
        found.append({**tables, "incident_counts": incident_counts(report)})
    return found


def assert_same_three_ways(settings, params):
    live, plain, rolled = three_ways(settings, params)
    for name in live:
        assert plain[name] == live[name], (name, params, "facts")
        assert rolled[name] == live[name], (name, params, "rollups")
    return live


def test_every_table_with_a_filter_is_the_same_three_ways(history, settings):
    for narrow in filters(history):
        for period in (WHOLE, {"period": "custom", "from": "2026-01-01", "to": "2026-02-28"}):
            assert_same_three_ways(settings, {**period, **narrow})


def test_the_figures_with_a_filter_are_not_empty(history, settings):
    """The comparisons above compare something: each filter keeps some calls and durations."""
    for narrow in filters(history)[:-2]:
        live = assert_same_three_ways(settings, {**WHOLE, **narrow})
        assert live["calls_by_outcome"][0]["calls"] > 0, narrow
        assert live["response_by_agency"][0]["ack_measured"] > 0, narrow
        assert live["handling_by_shift"][0]["dispatched_measured"] > 0, narrow


def test_with_a_filter_the_call_tables_read_the_call_facts(history, settings):
    report, _errors = parse_filter({**WHOLE, "agency": history.agencies["psc"].pk}, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        TABLES["calls_per_day"](report)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "reports_callfact" in sql and "incidents_call" not in sql


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the rollups are read on PostgreSQL only")
def test_one_filter_reads_the_narrowed_rollups_two_do_not(history):
    for narrow in filters(history):
        report, _errors = parse_filter({**WHOLE, **narrow}, now=NOW)
        for source, steps, group_by in (("response", response_steps(facts=True), "agency_id"), ("handling", handling_steps(facts=True), "shift")):
            span = report.rollup(source)
            if len(narrow) > 1:
                assert span is None
            else:
                assert span.narrow == (next(iter(narrow)), str(next(iter(narrow.values()))))
                assert rollup.summarise(span, steps, group_by) is not None
    assert DurationRollup.objects.filter(source="handling", narrow="agency").exists()
    assert not DurationRollup.objects.filter(source="answer").exclude(narrow="").exists()


@pytest.fixture
def january(history):
    """An incident of 20 January (a rolled-up month) in kecamatan A, priority 1, sent to Damkar,
    with a further call; facts and rollups built."""
    ds = history
    created = local(2026, 1, 20, 10, 0)
    incident = make_incident(ds, "J1", category="fire", kelurahan=ds.incidents["I1"].kelurahan, priority=1, created=created,
                             call_received=created - timedelta(seconds=40), call_answered=created - timedelta(seconds=30),
                             dispatched=created + timedelta(seconds=30), operator=ds.users["ana"], shift="pagi",
                             shift_date=created.date())  # fmt: skip
    assign(incident, ds.agencies["damkar"], notified=created + timedelta(seconds=30), acknowledged=created + timedelta(seconds=90))
    Call.objects.create(received_at=created + timedelta(minutes=5), answered_at=created + timedelta(minutes=5), ended_at=created + timedelta(minutes=6),
                        operator=ds.users["budi"], outcome="duplicate", incident=incident, shift="pagi", shift_date=created.date())  # fmt: skip
    facts.rebuild()
    build_rollups()
    return incident


def january_calls(settings, **narrow):
    rows = assert_same_three_ways(settings, {"period": "custom", "from": "2026-01-20", "to": "2026-01-20", **narrow})["calls_by_outcome"]
    return {row["outcome"]: row["calls"] for row in rows if row["calls"]}


def test_a_late_change_moves_the_calls_and_durations_to_the_new_filter_values(january, history, settings):
    ds = history
    old = {"kecamatan": ds.kecamatan["a"].pk, "priority": 1, "agency": ds.agencies["damkar"].pk}
    new = {"kecamatan": ds.kecamatan["b"].pk, "priority": 4, "agency": ds.agencies["psc"].pk}
    before = {name: january_calls(settings, **{name: value}) for name, value in new.items()}

    incident_update(incident=january, by=ds.users["ana"], version=january.version,
                    changes={"kelurahan": ds.incidents["I2"].kelurahan, "priority": 4})  # fmt: skip
    january.refresh_from_db()
    incident_dispatch(incident=january, agencies=[ds.agencies["psc"]], by=ds.users["ana"])
    assert facts.differences() == []
    moved = {(f.agency_id, f.kecamatan_id, f.priority) for f in CallFact.objects.filter(incident=january)}
    assert moved == {(None, ds.kecamatan["b"].pk, 4), (ds.agencies["damkar"].pk, ds.kecamatan["b"].pk, 4), (ds.agencies["psc"].pk, ds.kecamatan["b"].pk, 4)}
    if connection.vendor == "postgresql":
        assert RollupMonth.objects.get(month=date(2026, 1, 1), source="response").dirty
        assert RollupMonth.objects.get(month=date(2026, 1, 1), source="handling").dirty
    # Both calls of the incident (its emergency call and the further one) moved to the new values;
    # Damkar keeps them (still assigned); kecamatan A and priority 1 lose them.
    for name, value in new.items():
        gained = january_calls(settings, **{name: value})
        assert sum(gained.values()) == sum(before[name].values()) + 2, name
    assert january_calls(settings, agency=old["agency"]).get("duplicate", 0) >= 1
    for name in ("kecamatan", "priority"):
        for narrow in ({name: old[name]}, {name: new[name]}):
            assert_same_three_ways(settings, {**WHOLE, **narrow})
    assert_same_three_ways(settings, {**WHOLE, "agency": new["agency"]})

    built = build_rollups()
    if connection.vendor == "postgresql":
        assert ("2026-01-01", "response") in built and ("2026-01-01", "handling") in built
        assert rollup.differences() == []
    for narrow in (*({k: v} for k, v in old.items()), *({k: v} for k, v in new.items())):
        assert_same_three_ways(settings, {**WHOLE, **narrow})


def test_check_and_rebuild_cover_the_call_facts_and_the_narrowed_rollups(january, capsys):
    call_command("report_facts", "--check")
    assert "agree" in capsys.readouterr().out
    CallFact.objects.filter(incident=january, agency__isnull=False).delete()
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "CallFact" in capsys.readouterr().out
    call_command("report_facts", "--rebuild")
    capsys.readouterr()
    call_command("report_facts", "--check")
    assert facts.differences() == []
    if connection.vendor != "postgresql":
        return
    # A narrowed rollup row changed behind the services' back.
    row = DurationRollup.objects.filter(month=date(2026, 1, 1), source="response", narrow="priority").first()
    row.rows += 1
    row.save()
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "2026-01 response" in capsys.readouterr().out
    call_command("report_facts", "--rebuild")
    call_command("report_facts", "--check")
