"""The monthly rollups (reports/rollup.py) give exactly the figures of percentile_cont and COUNT
FILTER over the facts: every table is computed both ways over the same rows and compared to the
last bit. The data spans closed months (rolled up), a month at the edge of the period and the
current month (read live), with missing steps, values on bucket edges and on targets, and groups
with 0, 1 and 2 measured values.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from dispatch112.clock import travel_to
from incidents.models import IncidentStatus
from reports import facts, rollup
from reports.measures import summarise
from reports.models import HandlingFact, ResponseFact, RollupMonth
from reports.selectors import handling_steps, response_steps
from reports.tasks import build_rollups
from tests.reports.conftest import assign, make_incident

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=WITA)  # March is the current month; Dec–Feb are closed
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the rollups are read on PostgreSQL only")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with travel_to(NOW):
        yield NOW


EDGES = [-3.5, -0.0, 0.0, 0.5, 1.0, 59.999, 60.0, 60.001, 119.0, 120.0, 127.0, 127.99, 128.0, 131.9, 132.0, 300.0, 900.0, 3600.0, 2.0**24, 1e9]


def seconds(rng):
    """A duration: NULL (missing), on an edge or a target, or anywhere from 0 to 3 hours."""
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.35:
        return rng.choice(EDGES)
    return round(rng.uniform(0, 10800), rng.choice([0, 3, 6]))


def moment(rng, start, end):
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def local(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=WITA)


@pytest.fixture
def many_facts():
    """~1,600 facts from 20 Nov 2025 to now, and a few groups with hardly any values."""
    rng = random.Random(112)
    start, end = local(2025, 11, 20), NOW
    responses, handling = [], []
    for n in range(1, 1201):
        responses.append(ResponseFact(
            assignment_id=n, incident_id=n, created_at=moment(rng, start, end), agency_id=rng.randint(1, 3),
            category_id=rng.choice([1, 2, 3, 4]), kecamatan_id=rng.choice([1, 2, None]), priority=rng.randint(1, 4),
            ack_s=seconds(rng), en_route_s=seconds(rng), on_scene_s=seconds(rng), resolved_s=seconds(rng),
        ))  # fmt: skip
    for n in range(1, 401):
        handling.append(HandlingFact(
            call_id=n, incident_id=n, received_at=moment(rng, start, end), shift=rng.choice(["pagi", "siang", "malam", ""]),
            operator_id=rng.choice([1, 2, None]), category_id=1, kecamatan_id=None, priority=rng.randint(1, 4),
            created_s=seconds(rng), dispatched_s=seconds(rng),
        ))  # fmt: skip
    # Agency 7: one measured ack; agency 8: two; agency 9: none measured. Two exactly on a month's edge.
    for n, (agency, created, ack) in enumerate([
        (7, local(2026, 1, 10), 60.0), (8, local(2026, 1, 1), 128.0), (8, local(2026, 2, 1), 119.5), (9, local(2026, 2, 3), None),
        (9, local(2026, 3, 1), None), (7, local(2026, 1, 31, 23, 59, 59), 132.0),
    ], start=5000):  # fmt: skip
        responses.append(ResponseFact(assignment_id=n, incident_id=n, created_at=created, agency_id=agency, category_id=5,
                                      kecamatan_id=None, priority=1, ack_s=ack))  # fmt: skip
    ResponseFact.objects.bulk_create(responses)
    HandlingFact.objects.bulk_create(handling)


def by_key(groups):
    return sorted(groups, key=lambda g: (g.key is None, str(g.key)))


def both_ways(source, start, end, group_by):
    """(rolled up, plain) figures of the facts from start to end."""
    model, moment_field = (ResponseFact, "created_at") if source == "response" else (HandlingFact, "received_at")
    steps = response_steps(facts=True) if source == "response" else handling_steps(facts=True)
    queryset = model.objects.filter(**{f"{moment_field}__gte": start, f"{moment_field}__lt": end}).order_by()
    found = rollup.summarise(rollup.Span(source, start, end), steps, group_by)
    plain = summarise(queryset, steps, group_by=group_by)
    return found, plain


def assert_same(found, plain):
    assert found is not None, "the rollup was not read"
    assert found[0] == plain[0]
    assert by_key(found[1]) == by_key(plain[1])


def test_the_buckets_of_python_and_postgresql_agree():
    values = [*EDGES, *(b for b in rollup.BOUNDS), *(b - 0.001 for b in rollup.BOUNDS), *(b + 0.25 for b in rollup.BOUNDS[:200])]
    assert rollup.bucket(-1.0) == 0 and rollup.bucket(0.0) == 1 and rollup.bucket(127.5) == 511 and rollup.bucket(128.0) == 513
    assert all(rollup.bucket_range(rollup.bucket(v))[0] <= v < rollup.bucket_range(rollup.bucket(v))[1] for v in values)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT v, width_bucket(v, %s::float8[]) FROM unnest(%s::float8[]) AS v", [rollup.BOUNDS, values])
        assert all(rollup.bucket(v) == index for v, index in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize(
    "source, group_by",
    [("response", "agency_id"), ("response", "category_id"), ("response", "kecamatan_id"), ("response", "priority"), ("response", None),
     ("handling", "shift"), ("handling", "operator_id")],
)  # fmt: skip
def test_the_rollup_gives_the_figures_of_percentile_cont(many_facts, source, group_by):
    built = build_rollups()
    assert ("2026-01-01", source) in built and ("2026-02-01", source) in built
    assert all(month < "2026-03-01" for month, _source in built)
    # From the middle of a closed month (read live) over two rolled-up months to now.
    assert_same(*both_ways(source, local(2025, 12, 10), local(2026, 3, 16), group_by))
    # Exactly the rolled-up months, nothing read live but the values in the wanted buckets.
    assert_same(*both_ways(source, local(2026, 1, 1), local(2026, 3, 1), group_by))
    # Everything, from before the first fact.
    assert_same(*both_ways(source, local(2025, 1, 1), local(2026, 3, 16), group_by))


@postgres_only
def test_groups_with_zero_one_and_two_measured_values(many_facts):
    build_rollups()
    found, plain = both_ways("response", local(2026, 1, 1), local(2026, 3, 1), "agency_id")
    assert_same(found, plain)
    groups = {g.key: g.steps["ack"] for g in found[1]}
    assert (groups[7].measured, groups[7].p50, groups[7].p90) == (2, 96.0, 124.8)  # 60 and 132 s
    assert (groups[8].measured, groups[8].p50) == (2, 123.75)  # 119.5 and 128 s
    assert (groups[9].measured, groups[9].missing, groups[9].p50) == (0, 1, None)


@postgres_only
def test_a_period_without_a_rolled_up_month_is_read_plainly(many_facts):
    build_rollups()
    assert rollup.summarise(rollup.Span("response", local(2026, 1, 5), local(2026, 2, 20)), response_steps(facts=True), "agency_id") is None
    assert rollup.summarise(rollup.Span("response", local(2026, 3, 1), local(2026, 3, 16)), response_steps(facts=True), "agency_id") is None


@postgres_only
def test_the_tables_read_the_rollup_without_and_with_one_incident_filter(many_facts, settings):
    from reports.filters import parse_filter
    from reports.selectors import TABLES

    build_rollups()
    params = {"period": "custom", "from": "2025-12-01", "to": "2026-03-15"}
    report, errors = parse_filter(params, now=NOW)
    assert errors is None
    assert report.rollup("response") is not None
    narrowed, errors = parse_filter({**params, "priority": 1}, now=NOW)
    assert errors is None and narrowed.rollup("response").narrow == ("priority", "1")
    assert_same(*both_ways("response", report.start, report.end, "agency_id"))
    for name in ("response_by_agency", "response_by_priority", "handling_by_shift", "handling_by_operator"):
        settings.REPORTS_ROLLUPS = True
        rolled = TABLES[name](report)
        settings.REPORTS_ROLLUPS = False
        # Groups of the same label ("not recorded": these agencies do not exist) come in any order.
        assert sorted(TABLES[name](report).rows, key=str) == sorted(rolled.rows, key=str)


@postgres_only
def test_the_beat_task_builds_closed_months_only_and_once(many_facts):
    built = build_rollups()
    months = {date.fromisoformat(month) for month, _source in built}
    assert months == {date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)}
    assert not RollupMonth.objects.filter(month__gte=date(2026, 3, 1)).exists()
    assert build_rollups() == []
    assert rollup.differences() == []


@pytest.fixture
def january_incident(dataset):
    """An incident of 20 January (closed), with facts and rollups built."""
    ds = dataset
    created = local(2026, 1, 20, 10, 0)
    incident = make_incident(ds, "J1", category="fire", kelurahan=ds.incidents["I1"].kelurahan, priority=1, created=created,
                             call_received=created - timedelta(seconds=40), call_answered=created - timedelta(seconds=30),
                             dispatched=created + timedelta(seconds=30), operator=ds.users["ana"], shift="pagi",
                             shift_date=created.date())  # fmt: skip
    assignment = assign(incident, ds.agencies["damkar"], notified=created + timedelta(seconds=30), acknowledged=created + timedelta(seconds=90))
    facts.rebuild()
    build_rollups()
    return incident, assignment


def january_to_now(group_by="agency_id"):
    """January (rolled up, or live when dirty) and February (rolled up, empty)."""
    return both_ways("response", local(2026, 1, 1), local(2026, 3, 1), group_by)


@postgres_only
def test_a_late_change_marks_its_month_dirty_and_the_figures_stay_exact(january_incident):
    incident, assignment = january_incident
    before, plain = january_to_now()
    assert_same(before, plain)
    assert before[0].steps["ack"].p50 == 60.0

    # A late correction of the acknowledgement, through the facts' refresh as the services do.
    with transaction.atomic():
        assignment.acknowledged_at = assignment.notified_at + timedelta(seconds=400)
        assignment.save()
        facts.refresh([incident])
    assert RollupMonth.objects.get(month=date(2026, 1, 1), source="response").dirty
    assert RollupMonth.objects.get(month=date(2026, 1, 1), source="handling").dirty
    assert not RollupMonth.objects.get(month=date(2026, 2, 1), source="response").dirty
    # January is read live now, February still from its rollup.
    assert_same(*january_to_now())

    assert build_rollups() == [("2026-01-01", "response"), ("2026-01-01", "handling")]
    after, plain = january_to_now()
    assert_same(after, plain)
    assert after[0].steps["ack"].p50 == 400.0


@postgres_only
def test_a_change_in_the_current_month_writes_no_rollup_row(dataset):
    with travel_to(local(2026, 3, 10, 12)):
        build_rollups()
        count = RollupMonth.objects.count()
        facts.refresh([dataset.incidents["I1"]])  # 10 March 2026: the current month then
        assert RollupMonth.objects.count() == count
        assert not RollupMonth.objects.filter(dirty=True).exists()


@postgres_only
def test_check_catches_a_stale_rollup(january_incident, capsys):
    incident, _assignment = january_incident
    call_command("report_facts", "--check")
    assert "rolled-up months with the facts" in capsys.readouterr().out
    # A fact changed behind the services' back (no refresh, so no dirty mark).
    ResponseFact.objects.filter(incident=incident).update(ack_s=999.0)
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "2026-01 response" in capsys.readouterr().out
    call_command("report_facts", "--rebuild")
    assert "rolled up" in capsys.readouterr().out
    call_command("report_facts", "--check")


def test_without_postgresql_the_rollups_stay_empty(many_facts):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert build_rollups() == []
    assert not RollupMonth.objects.exists()


def test_a_cancelled_incident_leaves_its_month_rolled_up_without_it(january_incident):
    if connection.vendor != "postgresql":
        pytest.skip("the rollups are read on PostgreSQL only")
    incident, _assignment = january_incident
    with transaction.atomic():
        incident.status = IncidentStatus.CANCELLED
        incident.save()
        facts.refresh([incident])
    build_rollups()
    found, plain = january_to_now("priority")
    assert_same(found, plain)
    assert not ResponseFact.objects.filter(incident=incident).exists()


@postgres_only
def test_a_month_is_due_an_hour_after_it_closed(many_facts):
    with travel_to(local(2026, 3, 1, 0, 30)):
        assert (date(2026, 2, 1), "response") not in rollup.due_months()
    with travel_to(local(2026, 3, 1, 1, 0)):
        assert (date(2026, 2, 1), "response") in rollup.due_months()


@postgres_only
def test_a_call_logged_late_marks_its_closed_month_dirty_and_one_of_this_month_does_not(dataset):
    from incidents.services import IncidentInput, call_log

    intake = IncidentInput(category=dataset.categories["fire"], kelurahan=dataset.incidents["I1"].kelurahan)
    ana = dataset.users["ana"]
    with travel_to(local(2026, 3, 1, 0, 2)):
        build_rollups()
        before = set(RollupMonth.objects.filter(dirty=True).values_list("month", "source"))
        call_log(by=ana, outcome="emergency", caller_number="081200000001", received_at=local(2026, 3, 1, 0, 1), new_incident=intake)
        assert set(RollupMonth.objects.filter(dirty=True).values_list("month", "source")) == before
        # Received at 23:59 on the last day of February, logged two minutes into March.
        late = call_log(by=ana, outcome="emergency", caller_number="081200000002", received_at=local(2026, 2, 28, 23, 59), new_incident=intake)
    assert RollupMonth.objects.get(month=date(2026, 2, 1), source="handling").dirty
    assert not RollupMonth.objects.filter(month=date(2026, 2, 1), source="response", dirty=True).exists()
    assert HandlingFact.objects.get(call_id=late.pk).created_s == 180.0  # 23:59 → 00:02
    assert not ResponseFact.objects.filter(incident_id=late.incident_id).exists()


@postgres_only
def test_the_report_queries_run_without_jit_and_with_their_work_mem():
    """The rollups' phase 2 joins are estimated far above what they read: PostgreSQL compiled
    them (JIT), ~150 ms of a ~100 ms query at 1,000,000 incidents."""
    from reports.measures import REPORT_WORK_MEM, report_queries

    def show(name):
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    with report_queries():
        assert show("jit") == "off"
        assert show("work_mem") == REPORT_WORK_MEM
