"""The PBX calls' report facts (reports/models.py PbxHour and AnswerFact) follow every PBX event
path of intake.services (in order, out of order, repeated, refused, the link to a logged call),
and the call-center table read from them, and from their monthly rollups, equals the table read
from the PBX call records, on a fixed set of calls whose figures were worked out by hand.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from dispatch112.clock import travel_to
from dispatch112.errors import TransitionNotAllowed
from incidents.models import Call
from intake.models import PbxCall
from intake.services import pbx_call_link, pbx_event_record
from reports import facts, rollup
from reports.filters import ReportFilter, parse_filter
from reports.models import AnswerFact, PbxHour, RollupMonth
from reports.selectors import answer_steps, callcenter_by_hour
from reports.tasks import build_rollups
from tests.factories import UserFactory

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=WITA)  # March is the current month; December–February are closed
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the rollups are read on PostgreSQL only")
pytestmark = pytest.mark.django_db


def local(y, m, d, hh=0, mm=0, ss=0, us=0):
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=WITA)


@pytest.fixture(autouse=True)
def now():
    with travel_to(NOW):
        yield NOW


@pytest.fixture
def pbx(db):
    """send(call id, event, at, **fields): one PBX event through the intake service."""
    by = UserFactory(username="pbx-test")

    def send(call_id, event, at, **fields):
        return pbx_event_record(by=by, pbx_call_id=call_id, event=event, at=at, **fields)

    send.by = by
    return send


def in_sync():
    found = facts.differences()
    assert found == [], found


def hours():
    """{WITA hour of day: (offered, answered, abandoned, in the menu, in the queue)}, as stored."""
    return {timezone.localtime(hour, WITA).hour: counts for hour, counts in facts.stored_pbx_hours().items() if any(counts)}


def answer(call_id):
    """(WITA hour, seconds to answer) of the call's answer fact, or None."""
    return AnswerFact.objects.filter(pbx_call__pbx_call_id=call_id).values_list("hour", "answer_s").first()


T = local(2026, 3, 10, 9, 59, 50)  # ten seconds before 10:00 WITA


def after(seconds):
    return T + timedelta(seconds=seconds)


# --- every event path --------------------------------------------------------------------------


def test_an_answered_call_in_order_is_counted_in_the_hour_it_was_offered(pbx):
    pbx("c1", "offered", T, caller_number="081234567890")
    in_sync()
    assert hours() == {9: (1, 0, 0, 0, 0)} and answer("c1") is None
    pbx("c1", "queued", after(12))
    in_sync()
    assert hours() == {9: (1, 0, 0, 0, 0)}
    pbx("c1", "answered", after(20))  # 10:00:10: the hour of the offer counts
    in_sync()
    assert hours() == {9: (1, 1, 0, 0, 0)} and answer("c1") == (9, 8.0)
    pbx("c1", "ended", after(95))
    in_sync()
    assert hours() == {9: (1, 1, 0, 0, 0)} and answer("c1") == (9, 8.0)


def test_events_out_of_order_the_offer_last(pbx):
    pbx("c2", "ended", after(80))
    pbx("c2", "answered", after(14))
    in_sync()
    # No offered time yet: in no hour, no answer fact (in no period, as the live query has it).
    assert hours() == {} and answer("c2") is None
    pbx("c2", "queued", after(10))
    in_sync()
    assert hours() == {} and answer("c2") is None
    pbx("c2", "offered", T)
    in_sync()
    assert hours() == {9: (1, 1, 0, 0, 0)} and answer("c2") == (9, 4.0)


def test_answered_before_queued_arrives_is_measured_once_it_does(pbx):
    pbx("c3", "offered", after(15))
    pbx("c3", "answered", after(40))
    in_sync()
    assert hours() == {10: (1, 1, 0, 0, 0)} and answer("c3") == (10, None)
    pbx("c3", "queued", after(21))
    in_sync()
    assert answer("c3") == (10, 19.0)


def test_repeated_events_change_nothing(pbx):
    pbx("c4", "offered", T)
    pbx("c4", "queued", after(5))
    assert pbx("c4", "offered", after(1))[1] is False
    assert pbx("c4", "queued", after(9))[1] is False
    pbx("c4", "answered", after(12))
    assert pbx("c4", "answered", after(30))[1] is False
    in_sync()
    assert hours() == {9: (1, 1, 0, 0, 0)} and answer("c4") == (9, 7.0)


def test_abandoned_in_the_menu_and_a_late_queued_refused(pbx):
    pbx("c5", "offered", after(20))
    pbx("c5", "abandoned", after(26))  # no queued: the stage is the menu
    in_sync()
    assert hours() == {10: (1, 0, 1, 1, 0)}
    with pytest.raises(TransitionNotAllowed):
        pbx("c5", "queued", after(24))
    with pytest.raises(TransitionNotAllowed):
        pbx("c5", "answered", after(30))
    in_sync()
    assert hours() == {10: (1, 0, 1, 1, 0)} and answer("c5") is None


def test_abandoned_in_the_queue_before_queued_and_offered_arrive(pbx):
    pbx("c6", "abandoned", after(40), stage="queue")
    in_sync()
    assert hours() == {}
    pbx("c6", "queued", after(25))
    pbx("c6", "offered", after(11))
    in_sync()
    assert hours() == {10: (1, 0, 1, 0, 1)}
    pbx("c7", "offered", T)
    pbx("c7", "queued", after(8))
    pbx("c7", "abandoned", after(50))  # queued: the stage is the queue
    in_sync()
    assert hours() == {9: (1, 0, 1, 0, 1), 10: (1, 0, 1, 0, 1)}


def test_an_event_whose_time_contradicts_the_call_changes_nothing(pbx):
    pbx("c8", "queued", after(10))
    pbx("c8", "answered", after(14))
    with pytest.raises(ValidationError):
        pbx("c8", "offered", after(12))  # after it was queued
    in_sync()
    assert hours() == {} and not AnswerFact.objects.exists()


def test_the_link_to_a_logged_call_keeps_the_facts(pbx):
    pbx("c9", "offered", T, caller_number="081234567890")
    pbx("c9", "queued", after(4))
    pbx("c9", "answered", after(9))
    call = Call.objects.create(caller_number="+6281234567890", received_at=after(9), answered_at=after(9), outcome="emergency")
    facts.count_call(call)  # as incidents.services.call_log does
    assert pbx_call_link(call=call, by=pbx.by) == PbxCall.objects.get(pbx_call_id="c9")
    in_sync()
    assert hours() == {9: (1, 1, 0, 0, 0)} and answer("c9") == (9, 5.0)


def test_many_calls_of_one_hour_add_up_over_the_shards(pbx):
    for n in range(20):
        pbx(f"s{n}", "offered", after(n))
        if n % 2:
            pbx(f"s{n}", "answered", after(30 + n))
        else:
            pbx(f"s{n}", "abandoned", after(30 + n))
    in_sync()
    assert hours() == {9: (10, 5, 5, 5, 0), 10: (10, 5, 5, 5, 0)}
    assert PbxHour.objects.values("shard").distinct().count() > 1


# --- a fixed set of calls, figures worked out by hand -------------------------------------------

# (call, [(event, at, fields)]), each in the order the PBX sends it (some out of order).
CALLS = [
    # On the first second of January WITA (16:00 UTC the day before): hour 0, answered in 10 s.
    ("A", [("offered", local(2026, 1, 1, 0, 0, 0), {}), ("queued", local(2026, 1, 1, 0, 0, 5), {}), ("answered", local(2026, 1, 1, 0, 0, 15), {})]),
    # Offered one second before the period, answered inside it: outside every figure of the period.
    ("B", [("answered", local(2026, 1, 1, 0, 0, 24), {}), ("offered", local(2025, 12, 31, 23, 59, 59), {}), ("queued", local(2026, 1, 1, 0, 0, 4), {})]),
    # Offered half a second before February, answered in February: January's, hour 23, 20 s.
    ("C", [("offered", local(2026, 1, 31, 23, 59, 59, 500000), {}), ("queued", local(2026, 2, 1, 0, 0, 10), {}), ("answered", local(2026, 2, 1, 0, 0, 30), {})]),
    # The first second of February: hour 0, 12 s.
    ("D", [("queued", local(2026, 2, 1, 0, 0, 2), {}), ("offered", local(2026, 2, 1), {}), ("answered", local(2026, 2, 1, 0, 0, 14), {}),
           ("ended", local(2026, 2, 1, 0, 3), {})]),
    # Hung up in the voice menu, offered a second before 08:00: hour 7.
    ("E", [("offered", local(2026, 2, 10, 7, 59, 59), {}), ("abandoned", local(2026, 2, 10, 8, 0, 10), {})]),
    # Hung up while queued: hour 8.
    ("F", [("offered", local(2026, 2, 10, 8), {}), ("queued", local(2026, 2, 10, 8, 0, 8), {}), ("abandoned", local(2026, 2, 10, 8, 0, 40), {})]),
    # Answered, the PBX never said it was queued: answered, not measured.
    ("G", [("offered", local(2026, 2, 10, 8, 30), {}), ("answered", local(2026, 2, 10, 8, 30, 20), {})]),
    # January, hour 15, 20 s.
    ("K", [("offered", local(2026, 1, 15, 15), {}), ("queued", local(2026, 1, 15, 15, 0, 1), {}), ("answered", local(2026, 1, 15, 15, 0, 21), {})]),
    # March, the current month: hour 10, 16 s and 25 s (the second answered at 11:00:30).
    ("H", [("offered", local(2026, 3, 10, 10), {}), ("queued", local(2026, 3, 10, 10, 0, 3), {}), ("answered", local(2026, 3, 10, 10, 0, 19), {})]),
    ("I", [("answered", local(2026, 3, 10, 11, 0, 30), {}), ("queued", local(2026, 3, 10, 11, 0, 5), {}), ("offered", local(2026, 3, 10, 10, 59, 59), {})]),
    # No offered time ever came: in no period.
    ("J", [("queued", local(2026, 3, 10, 12), {}), ("answered", local(2026, 3, 10, 12, 0, 9), {})]),
]
PERIOD = {"period": "custom", "from": "2026-01-01", "to": "2026-03-15"}


@pytest.fixture
def fixed_calls(pbx):
    for call_id, events in CALLS:
        for event, at, fields in events:
            pbx(call_id, event, at, **fields)
    in_sync()


def table(settings, params=PERIOD, *, facts_on=True, rollups=True):
    settings.REPORTS_FACTS = facts_on
    settings.REPORTS_ROLLUPS = rollups
    report, errors = parse_filter(params, now=NOW)
    assert errors is None, errors
    return callcenter_by_hour(report).rows


def three_ways(settings, params=PERIOD):
    """The rows from the PBX calls, from the facts, from the facts and the rollups; all equal."""
    live = table(settings, params, facts_on=False)
    assert table(settings, params, rollups=False) == live
    assert table(settings, params) == live
    return live


def by_hour(rows):
    return {row["label"]: row for row in rows[1:] if row["offered"]}


def figures(row, *names):
    return tuple(row[name] for name in names)


COUNTS = ("offered", "answered", "abandoned", "abandoned_menu", "abandoned_queue", "abandoned_pct")
ANSWERS = ("answer_p50_s", "answer_p90_s", "answer_within0_pct", "answer_within1_pct")


def test_the_hand_checked_figures_three_ways(fixed_calls, settings):
    assert settings.REPORTS_ANSWER_TARGETS[0][0] == 15 and settings.REPORTS_ANSWER_TARGETS[1][0] == 20
    rows = three_ways(settings)
    everything = rows[0]
    # Offered A C D E F G K H I; answered A C D G K H I; abandoned E (menu), F (queue).
    assert figures(everything, *COUNTS) == (9, 7, 2, 1, 1, 22.2)
    # Measured 10, 12, 16, 20, 20, 25 s (G not measured): p50 between 16 and 20, p90 between 20 and 25.
    assert figures(everything, *ANSWERS) == (18.0, 22.5, 33.3, 83.3)
    hours = by_hour(rows)
    assert set(hours) == {"00", "07", "08", "10", "15", "23"}
    assert figures(hours["00"], *COUNTS, *ANSWERS) == (2, 2, 0, 0, 0, 0.0, 11.0, 11.8, 100.0, 100.0)  # A 10 s, D 12 s
    assert figures(hours["07"], *COUNTS, *ANSWERS) == (1, 0, 1, 1, 0, 100.0, None, None, None, None)  # E
    assert figures(hours["08"], *COUNTS, *ANSWERS) == (2, 1, 1, 0, 1, 50.0, None, None, None, None)  # F, G
    assert figures(hours["10"], *COUNTS, *ANSWERS) == (2, 2, 0, 0, 0, 0.0, 20.5, 24.1, 0.0, 50.0)  # H 16 s, I 25 s
    assert figures(hours["15"], *ANSWERS) == (20.0, 20.0, 0.0, 100.0)  # K
    assert figures(hours["23"], *ANSWERS) == (20.0, 20.0, 0.0, 100.0)  # C, in January


def test_february_alone_and_the_last_30_days(fixed_calls, settings):
    february = three_ways(settings, {"period": "custom", "from": "2026-02-01", "to": "2026-02-28"})
    assert figures(february[0], *COUNTS, *ANSWERS) == (4, 2, 2, 1, 1, 50.0, 12.0, 12.0, 100.0, 100.0)  # D E F G
    last_30_days = three_ways(settings, {"period": "30d"})  # 14 February – 15 March: H and I
    assert figures(last_30_days[0], *COUNTS) == (2, 2, 0, 0, 0, 0.0)


def test_a_period_of_part_hours_counts_from_the_calls(fixed_calls, settings):
    report = ReportFilter(start=local(2026, 2, 10, 7, 30), end=local(2026, 2, 10, 8, 15))
    assert report.pbx_hours() is None
    settings.REPORTS_FACTS = False
    live = callcenter_by_hour(report).rows
    settings.REPORTS_FACTS = True
    assert callcenter_by_hour(report).rows == live
    assert figures(live[0], *COUNTS) == (2, 0, 2, 1, 1, 100.0)  # E, F


def test_the_incident_filters_leave_the_call_center_alone(fixed_calls, settings):
    report, _errors = parse_filter({**PERIOD, "priority": 1}, now=NOW)
    assert report.rollup("answer").narrow is None and report.rollup("response").narrow == ("priority", "1")
    assert three_ways(settings, {**PERIOD, "priority": 1}) == three_ways(settings)


@postgres_only
def test_the_rollups_are_read_and_give_the_same_figures(fixed_calls, settings):
    built = build_rollups()
    assert sorted(built) == [("2025-12-01", "answer"), ("2026-01-01", "answer"), ("2026-02-01", "answer")]
    report, _errors = parse_filter(PERIOD, now=NOW)
    assert rollup.clean_months(report.rollup("answer"), answer_steps(facts=True)) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert rollup.summarise(report.rollup("answer"), answer_steps(facts=True), "hour") is not None
    rows = three_ways(settings)
    assert figures(rows[0], *COUNTS, *ANSWERS) == (9, 7, 2, 1, 1, 22.2, 18.0, 22.5, 33.3, 83.3)
    # Exactly the two rolled-up months.
    three_ways(settings, {"period": "custom", "from": "2026-01-01", "to": "2026-02-28"})
    assert build_rollups() == []
    assert rollup.differences() == []


@postgres_only
def test_a_late_event_marks_its_closed_month_dirty_and_the_figures_stay_exact(fixed_calls, pbx, settings):
    build_rollups()
    # G's "queued" arrives weeks late: G is measured now, 15 s.
    pbx("G", "queued", local(2026, 2, 10, 8, 30, 5))
    in_sync()
    assert RollupMonth.objects.get(month=date(2026, 2, 1), source="answer").dirty
    assert not RollupMonth.objects.get(month=date(2026, 1, 1), source="answer").dirty
    # February is read from the facts now, January still from its rollup.
    rows = three_ways(settings)
    # Measured 10, 12, 15, 16, 20, 20, 25 s.
    assert figures(rows[0], *ANSWERS) == (16.0, 22.0, 42.9, 85.7)
    assert figures(by_hour(rows)["08"], *ANSWERS) == (15.0, 15.0, 100.0, 100.0)
    assert build_rollups() == [("2026-02-01", "answer")]
    assert three_ways(settings) == rows


@postgres_only
def test_an_event_of_the_current_month_writes_no_rollup_row(fixed_calls, pbx):
    build_rollups()
    count = RollupMonth.objects.count()
    pbx("late", "offered", local(2026, 3, 14, 9))
    pbx("late", "queued", local(2026, 3, 14, 9, 0, 3))
    pbx("late", "answered", local(2026, 3, 14, 9, 0, 9))
    assert RollupMonth.objects.count() == count
    assert not RollupMonth.objects.filter(dirty=True).exists()


def test_check_catches_a_stale_answer_fact_and_a_stale_hour(fixed_calls, capsys):
    call_command("report_facts", "--check")
    assert "agree" in capsys.readouterr().out
    AnswerFact.objects.filter(pbx_call__pbx_call_id="D").update(answer_s=999.0)
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "AnswerFact" in capsys.readouterr().out
    call_command("report_facts", "--rebuild")
    assert "PBX answer facts" in capsys.readouterr().out
    call_command("report_facts", "--check")
    PbxHour.objects.filter(pk=PbxHour.objects.order_by("pk").values("pk")[:1]).update(offered=F("offered") + 1)
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "PbxHour" in capsys.readouterr().out


@postgres_only
def test_check_catches_a_stale_answer_rollup(fixed_calls, capsys):
    build_rollups()
    # A fact changed behind the services' back (no dirty mark): the facts are fixed by a rebuild,
    # the rollup of its month is stale.
    AnswerFact.objects.filter(pbx_call__pbx_call_id="K").update(answer_s=3.0)
    with pytest.raises(SystemExit):
        call_command("report_facts", "--check")
    assert "2026-01 answer" in capsys.readouterr().out


def test_rebuild_gives_the_facts_the_services_kept(fixed_calls):
    kept = sorted(AnswerFact.objects.values_list("pbx_call_id", "offered_at", "hour", "answer_s"))
    counts = facts.stored_pbx_hours()
    assert facts.rebuild_pbx() == len(kept) == 8  # A B C D G K H I answered with an offer; J none
    assert sorted(AnswerFact.objects.values_list("pbx_call_id", "offered_at", "hour", "answer_s")) == kept
    assert facts.stored_pbx_hours() == {hour: n for hour, n in counts.items() if any(n)}
    if connection.vendor == "postgresql":
        assert PbxHour.objects.filter(shard__gt=0).count() == 0
