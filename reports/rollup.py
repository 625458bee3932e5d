"""Monthly rollups of the response, call-handling and call-center answer-time tables (PostgreSQL
only), and reading them.

Over a whole year percentile_cont sorts ~1.5 M durations per step (bench/RESULTS.md, "reports").
Each closed WITA month is rolled up once (`build`): per group and step, a histogram of the
durations over fixed buckets (BOUNDS) and the counts (rows, measured, within each target), which
add up across months. A table over a period that covers clean rolled-up months is then read in
two phases (`summarise`), with the same figures as percentile_cont and COUNT FILTER over the rows:

1. the histogram of the period = the rolled-up months' rows + a GROUP BY over the facts of the
   rest of the period (the edges, the current month, dirty months); its cumulative counts say in
   which bucket each rank percentile_cont needs lies. The counts come the same way.
2. one scan of the period's facts keeps only the values in those buckets, numbers them in their
   order within their bucket and returns the values at those ranks: the exact values
   percentile_cont interpolates between. (Sorting them in Python was slower: a year's wanted
   buckets hold ~100,000 values at 200,000 incidents, more to transfer than to sort.)

Each month is also rolled up narrowed to each value of each incident filter of the page
(Source.narrows: kecamatan, category, agency, priority), for every grouping: a table with one
filter chosen (ReportFilter.rollup gives a Span with `narrow`) is read the same two ways, over the
narrowed rows and the facts that match the filter. Two filters at once read the facts. The
handling facts have no agency: the agency filter joins the call's facts (reports.models.CallFact,
a row per agency of the call's incident), as ReportFilter.handling_facts does.

The counts within target are not taken from the histogram: the acknowledgement's target depends
on each row's priority, which the buckets do not keep. They are stored per month instead.

Only closed months are built (by the beat task `reports.tasks.build_rollups` and
`manage.py report_facts --rebuild`), so intake never writes a rollup row of the current month.
`reports.facts.refresh` marks the month of a changed incident dirty when that month is closed;
`reports.facts.pbx_refresh` the month of a PBX call whose answer fact changed.
"""

import json
import math
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from itertools import accumulate
from operator import add
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from dispatch112 import clock
from reports.filters import day_start, wita
from reports.measures import GroupFigures, StepFigures, counts, interpolate, report_queries
from reports.models import AnswerFact, DurationRollup, HandlingFact, ResponseFact, RollupMonth


SUB_SECOND = 4  # buckets per second below 128 s
PER_OCTAVE = 128  # buckets per power of two from 128 s on


def _bounds():
    # The buckets' lower bounds: quarter seconds below 128 s, then 128 buckets per power of two
    # (each ≤ 0.8 % wide) up to 2^24 s; below 0 and from 2^24 on, one bucket each. All are
    # multiples of 1/4, exact as doubles: width_bucket in SQL and bisect in Python agree on every
    # value. Narrower buckets mean fewer values to sort in phase 2 and longer histograms to add
    # up in phase 1.
    bounds = [s / SUB_SECOND for s in range(128 * SUB_SECOND)]
    for power in range(7, 24):
        bounds += [float(2**power + i * 2**power / PER_OCTAVE) for i in range(PER_OCTAVE)]
    return bounds + [float(2**24)]


BOUNDS = _bounds()


def bucket(seconds):
    """PostgreSQL's width_bucket(seconds, BOUNDS): 0 below 0, i for BOUNDS[i-1] <= seconds < BOUNDS[i]."""
    return bisect_right(BOUNDS, seconds)


def bucket_range(index):
    """[low, high) of a bucket."""
    low = BOUNDS[index - 1] if index > 0 else -math.inf
    high = BOUNDS[index] if index < len(BOUNDS) else math.inf
    return low, high


@dataclass(frozen=True)
class Narrow:
    """An incident filter of the page as the facts of a source see it: `key` (the SQL of the
    filter's value per row), `join` (SQL joined to the facts `f`, or ""), reading the fact
    `columns`; and `narrowed(queryset, value)` the same for the ORM. Each fact has at most one value
    per filter (an incident has at most one assignment per agency)."""

    key: str
    join: str = ""
    columns: tuple = ()
    lookup: str = ""
    # The joined rows' own moment, equal to the fact's: a read bounds it to the fact's period too
    # (PostgreSQL does not carry a range across a join's equality, and without it the join read the
    # joined rows of the whole year for a month of facts).
    moment: str = ""

    def narrowed(self, queryset, value, start=None, end=None):
        if self.lookup:
            return queryset.filter(**{self.lookup: value})
        return handling_of_agency(queryset, value, start, end)


def _column(column):
    return Narrow(f"f.{column}", columns=(column,), lookup=column)


def handling_of_agency(queryset, agency, start=None, end=None):
    """The handling facts (a queryset) of calls whose incident was assigned to `agency` (an id or
    an Agency): found through the calls' facts, which have a row per agency of the call's incident
    (reading the assignments instead cost an index probe per fact, ~0.5 s over a month). `start`,
    `end`: the facts' period, if they are bounded to one; a call's facts share its received_at, so
    only that period's call facts are read (not the agency's whole history)."""
    from reports.models import CallFact

    call_facts = CallFact.objects.filter(agency=agency)
    if start is not None:
        call_facts = call_facts.filter(received_at__gte=start)
    if end is not None:
        call_facts = call_facts.filter(received_at__lt=end)
    return queryset.filter(call_id__in=call_facts.values("call_id"))


# A call's incident's agencies are in no handling fact: its call facts have them.
AGENCY_OF_INCIDENT = Narrow(
    "na.agency_id", "JOIN reports_callfact na ON na.call_id = f.call_id AND na.agency_id IS NOT NULL", ("call_id",), moment="na.received_at"
)


@dataclass(frozen=True)
class Source:
    name: str
    model: type
    moment: str  # the field that puts a fact in a period (and a month)
    dimensions: dict  # dimension → fact column
    # The incident filters (ReportFilter's names) the months are also rolled up for, one at a time.
    narrows: dict = field(default_factory=dict)


INCIDENT_COLUMNS = {"agency": "agency_id", "category": "category_id", "kecamatan": "kecamatan_id", "priority": "priority"}
SOURCES = {
    "response": Source("response", ResponseFact, "created_at", INCIDENT_COLUMNS, {name: _column(c) for name, c in INCIDENT_COLUMNS.items()}),
    "handling": Source(
        "handling", HandlingFact, "received_at", {"shift": "shift", "operator": "operator_id"},
        {"agency": AGENCY_OF_INCIDENT, **{name: _column(c) for name, c in INCIDENT_COLUMNS.items() if name != "agency"}},
    ),
    "answer": Source("answer", AnswerFact, "offered_at", {"hour": "hour"}),
}  # fmt: skip
ALL = "all"
NO_NARROW = Narrow("''::text")


@dataclass(frozen=True)
class Span:
    """What a duration table reads: the facts of `source` from `start` (inclusive) to `end`, with
    no incident filter or `narrow`ed to one: (filter name, its value as text) (ReportFilter.rollup)."""

    source: str
    start: datetime
    end: datetime
    narrow: tuple | None = None

    def condition(self, start, end):
        """(join, WHERE condition starting with AND, params) of the narrow over the facts `f` from
        `start` to `end` (the facts' own bounds are the caller's)."""
        if self.narrow is None:
            return "", "", []
        narrow = SOURCES[self.source].narrows[self.narrow[0]]
        if narrow.moment:
            return narrow.join, f"AND {narrow.key} = %s AND {narrow.moment} >= %s AND {narrow.moment} < %s", [int(self.narrow[1]), start, end]
        return narrow.join, f"AND {narrow.key} = %s", [int(self.narrow[1])]


def _steps(source):
    from reports.selectors import answer_steps, handling_steps, response_steps

    return {"response": response_steps, "handling": handling_steps, "answer": answer_steps}[source](facts=True)


def _targets(steps):
    """The targets as JSON stores them, to compare with a month's."""
    found = {}
    for step in steps:
        found[step.key] = [sorted(t.seconds.items()) if isinstance(t.seconds, dict) else t.seconds for t in step.targets]
    return json.loads(json.dumps(found))


# --- months --------------------------------------------------------------------------------------


def month_of(moment):
    local = timezone.localtime(moment, wita())
    return date(local.year, local.month, 1)


def next_month(month):
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month):
    return day_start(month), day_start(next_month(month))


def current_month(now=None):
    return month_of(now or clock.now())


def mark_dirty_sql(ids):
    """(sql, params) that marks the closed months of these incidents' facts dirty: the month of
    each incident's created_at (its responses) and of its calls' received_at (handling). One
    statement in the service's transaction. It writes only months that are closed, never the
    current month's; and it locks the month's row even when it is dirty already (ON CONFLICT DO
    UPDATE locks every conflicting row, also those its WHERE leaves as they are): a build that
    starts before this transaction commits waits for it, so it reads the facts written here."""
    tz = str(wita())
    sql = f"""
        INSERT INTO {RollupMonth._meta.db_table} (month, source, dirty, targets)
        SELECT m, s, true, '{{}}' FROM (
            SELECT date_trunc('month', created_at AT TIME ZONE %s)::date, 'response' FROM incidents_incident WHERE id = ANY(%s)
            UNION
            SELECT date_trunc('month', received_at AT TIME ZONE %s)::date, 'handling' FROM incidents_call WHERE incident_id = ANY(%s)
        ) AS changed (m, s)
        WHERE m < %s
        ON CONFLICT (month, source) DO UPDATE SET dirty = true WHERE NOT {RollupMonth._meta.db_table}.dirty
    """
    return sql, [tz, ids, tz, ids, current_month()]


def mark_months_dirty_sql(source, months):
    """(sql, params) that marks these months of `source` dirty, those that are closed: as
    mark_dirty_sql, for facts whose months the caller knows (a PBX call's answer fact)."""
    sql = f"""
        INSERT INTO {RollupMonth._meta.db_table} (month, source, dirty, targets)
        SELECT m, %s, true, '{{}}' FROM unnest(%s::date[]) AS m
        WHERE m < %s
        ON CONFLICT (month, source) DO UPDATE SET dirty = true WHERE NOT {RollupMonth._meta.db_table}.dirty
    """
    return sql, [source, sorted(months), current_month()]


# --- building ------------------------------------------------------------------------------------


def _step_rows(source, steps):
    """SQL of a LATERAL VALUES giving each fact's steps as rows (step, seconds, target…)."""
    width = max((len(s.targets) for s in steps), default=0)
    rows, params = [], []
    for step in steps:
        columns = ["%s", f"f.{step.duration}"]
        params.append(step.key)
        for index in range(width):
            target = step.targets[index] if index < len(step.targets) else None
            if target is None:
                columns.append("NULL::float8")
            elif isinstance(target.seconds, dict):
                cases = " ".join("WHEN %s THEN %s" for _ in target.seconds)
                columns.append(f"(CASE f.{step.priority_field} {cases} END)::float8")
                for priority, seconds in target.seconds.items():
                    params += [priority, seconds]
            else:
                columns.append("%s::float8")
                params.append(target.seconds)
        rows.append(f"({', '.join(columns)})")
    names = ", ".join(["step", "v"] + [f"t{i}" for i in range(width)])
    return f"CROSS JOIN LATERAL (VALUES {', '.join(rows)}) AS s ({names})", params, width


def build(month, sources=tuple(SOURCES)):
    """Roll up one closed month from the facts (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    if month >= current_month():
        raise ValueError(f"{month} is not a closed month")
    for name in sources:
        steps = _steps(name)
        with transaction.atomic(), connection.cursor() as cursor:
            # First, so that a service's transaction that marked this month (and holds its row)
            # commits before the facts are read below.
            cursor.execute(
                f"INSERT INTO {RollupMonth._meta.db_table} (month, source, dirty, built_at, targets) VALUES (%s, %s, false, %s, %s::jsonb) "
                "ON CONFLICT (month, source) DO UPDATE SET dirty = false, built_at = EXCLUDED.built_at, targets = EXCLUDED.targets",
                [month, name, clock.now(), json.dumps(_targets(steps))],
            )
            DurationRollup.objects.filter(month=month, source=name).delete()
            with _month_rows(cursor, month, name, steps):
                for sql, params in _month_selects(month, name, steps):
                    cursor.execute(sql, params)


MONTH_ROWS = "rollup_month_rows"


@contextmanager
def _month_rows(cursor, month, name, steps):
    """The month's facts, a row per step, in a temporary table (MONTH_ROWS) that _month_selects
    reads: the grouping and filter columns, the step, its bucket and whether it was within each
    target. Made once, then aggregated once per filter and grouping (~30 times a month): expanding
    and bucketing the facts for each of those took most of a build."""
    source = SOURCES[name]
    start, end = month_bounds(month)
    lateral, lateral_params, width = _step_rows(name, steps)
    columns = sorted({*source.dimensions.values(), *(c for narrow in source.narrows.values() for c in narrow.columns)})
    within = "".join(f", s.v <= s.t{i} AS w{i}" for i in range(width))
    cursor.execute(f"DROP TABLE IF EXISTS {MONTH_ROWS}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {MONTH_ROWS} AS SELECT {', '.join(f'f.{c}' for c in columns)}, s.step, width_bucket(s.v, %s::float8[]) AS b{within} "
        f"FROM {source.model._meta.db_table} f {lateral} WHERE f.{source.moment} >= %s AND f.{source.moment} < %s",
        [BOUNDS, *lateral_params, start, end],
    )
    try:
        yield
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {MONTH_ROWS}")


def _month_selects(month, name, steps, *, insert=True):
    """[(sql, params)]: a month's histogram and total rows per dimension, with no incident filter
    and narrowed to each value of each filter (Source.narrows), computed from the month's rows
    (_month_rows, which must exist); with `insert`, inserting them (build), else selecting them
    (differences)."""
    source = SOURCES[name]
    width = max((len(s.targets) for s in steps), default=0)
    insert = (
        f"INSERT INTO {DurationRollup._meta.db_table} (month, source, narrow, narrow_key, dimension, key, step, rows, measured, within, histogram) "
        if insert
        else ""
    )
    counted = "".join(f", count(*) FILTER (WHERE f.w{i}) AS w{i}" for i in range(width))
    within = ", ".join(f"coalesce(sum(w{i}), 0)::bigint" for i in range(width))
    selects = []
    for narrow_name, narrow in [("", NO_NARROW), *source.narrows.items()]:
        # A fact without the filter's value (no kecamatan) is in no narrowed row: no filter picks it.
        where = f"WHERE {narrow.key} IS NOT NULL" if narrow_name else ""
        for dimension, column in [*source.dimensions.items(), (ALL, None)]:
            # Grouped by the keys as they are, made text once per group (not per row).
            key = f"f.{column}" if column else "NULL::text"
            selects.append((
                f"""{insert}
                WITH buckets AS (
                    SELECT {narrow.key} AS nk, {key} AS key, f.step, f.b, count(*) AS n{counted}
                    FROM {MONTH_ROWS} f {narrow.join} {where} GROUP BY 1, 2, 3, 4
                ), totals AS (
                    SELECT nk, key, step, sum(n)::bigint AS rows, coalesce(sum(n) FILTER (WHERE b IS NOT NULL), 0)::bigint AS measured,
                           jsonb_build_array({within}) AS within
                    FROM buckets GROUP BY 1, 2, 3
                ), histograms AS (
                    SELECT nk, key, step, min(b) AS first, max(b) AS last, jsonb_object_agg(b, n) AS counts FROM buckets WHERE b IS NOT NULL GROUP BY 1, 2, 3
                )
                SELECT %s::date, %s, %s, t.nk::text, %s, t.key::text, t.step, t.rows, t.measured, t.within, coalesce((
                    SELECT jsonb_build_array(h.first) || jsonb_agg(coalesce((h.counts ->> i::text)::int, 0) ORDER BY i)
                    FROM generate_series(h.first, h.last) AS i
                ), '[]'::jsonb)
                FROM totals t LEFT JOIN histograms h ON h.nk = t.nk AND h.key IS NOT DISTINCT FROM t.key AND h.step = t.step""",
                [month, name, narrow_name, dimension],
            ))  # fmt: skip
    return selects


def differences(limit=20):
    """Clean rolled-up months whose rows differ from what their facts give now (a rollup gone
    stale without being marked dirty): [(month, source)], at most `limit`."""
    if connection.vendor != "postgresql":
        return []
    found = []
    for month, name in RollupMonth.objects.filter(dirty=False).order_by("month", "source").values_list("month", "source"):
        steps = _steps(name)
        with transaction.atomic(), connection.cursor() as cursor:
            expected = set()
            with _month_rows(cursor, month, name, steps):
                for sql, params in _month_selects(month, name, steps, insert=False):
                    cursor.execute(sql, params)
                    expected |= {_comparable(row) for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT month, source, narrow, narrow_key, dimension, key, step, rows, measured, within, histogram FROM {DurationRollup._meta.db_table} "
                "WHERE month = %s AND source = %s",
                [month, name],
            )
            if {_comparable(row) for row in cursor.fetchall()} != expected:
                found.append((month, name))
        if len(found) >= limit:
            break
    return found


def _comparable(row):
    return tuple(json.dumps(json.loads(x) if isinstance(x, str) and x[:1] in "[{" else x, sort_keys=True) for x in row[7:]) + tuple(row[:7])


def due_months(now=None):
    """The closed months that have facts and no clean rollup with today's targets: [(month, source)]."""
    if connection.vendor != "postgresql":
        return []
    # A month is due an hour after it closed: a service's transaction that began before midnight
    # saw the month as current and marked nothing; by then it has committed.
    current = current_month((now or clock.now()) - timedelta(hours=1))
    due = []
    for name, source in SOURCES.items():
        first = source.model.objects.order_by(source.moment).values_list(source.moment, flat=True).first()
        if first is None:
            continue
        targets = _targets(_steps(name))
        clean = {
            month for month, stored in RollupMonth.objects.filter(source=name, dirty=False).values_list("month", "targets") if stored == targets
        }
        month = month_of(first)
        while month < current:
            if month not in clean:
                due.append((month, name))
            month = next_month(month)
    return due


def build_due(now=None):
    """Build every due month (the beat task). Returns [(month, source)] built."""
    due = due_months(now)
    for month, name in due:
        build(month, sources=(name,))
    return due


def rebuild():
    """Forget every rollup and build all closed months again (after the facts were rebuilt)."""
    forget()
    return build_due()


def forget(sources=tuple(SOURCES)):
    """Drop the rollups of these sources (their facts are rewritten)."""
    if connection.vendor != "postgresql" or RollupMonth._meta.db_table not in connection.introspection.table_names():
        # Migration 0003 rebuilds the facts before this table exists.
        return
    with connection.cursor() as cursor:
        if set(sources) == set(SOURCES):
            cursor.execute(f"TRUNCATE {RollupMonth._meta.db_table}, {DurationRollup._meta.db_table}")
            return
        for model in (RollupMonth, DurationRollup):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE source = ANY(%s)", [list(sources)])


# --- reading -------------------------------------------------------------------------------------


def clean_months(span, steps, now=None):
    """The months wholly inside the span that can be read from the rollup."""
    current = current_month(now)
    targets = _targets(steps)
    found = []
    rows = RollupMonth.objects.filter(source=span.source, dirty=False, month__gte=month_of(span.start), month__lt=current)
    for month, stored in rows.values_list("month", "targets"):
        start, end = month_bounds(month)
        if span.start <= start and end <= span.end and stored == targets:
            found.append(month)
    return sorted(found)


def _rest(span, months):
    """The parts of the span outside these (sorted) months: [(start, end)]."""
    parts, cursor = [], span.start
    for month in months:
        start, end = month_bounds(month)
        if cursor < start:
            parts.append((cursor, start))
        cursor = end
    if cursor < span.end:
        parts.append((cursor, span.end))
    return parts


def _native(dimension, key):
    """A key stored as text, back as the fact's value."""
    return key if key is None or dimension == "shift" else int(key)


def summarise(span, steps, group_by, now=None):
    """As reports.measures.summarise over the span's facts, or None when no month of the span is
    rolled up (then the plain query is as fast)."""
    months = clean_months(span, steps, now)
    if not months:
        return None
    source = SOURCES[span.source]
    dimension = next((d for d, column in source.dimensions.items() if column == group_by), None) if group_by else ALL
    if dimension is None or (span.narrow is not None and span.narrow[0] not in source.narrows):
        return None
    rest = _rest(span, months)
    keys = {step.key for step in steps}
    dimensions = [dimension, ALL] if dimension != ALL else [ALL]
    histograms = defaultdict(lambda: [0] * (len(BOUNDS) + 1))  # (group, step) → count per bucket
    totals = defaultdict(lambda: {"rows": 0, "steps": {}})  # group → rows, {step: [measured, [within…]]}

    def add_total(group, step, rows, measured, within):
        total = totals[group]
        if step == steps[0].key:
            total["rows"] += rows
        figures = total["steps"].setdefault(step, [0, [0] * len(within)])
        figures[0] += measured
        figures[1] = [a + b for a, b in zip(figures[1], within, strict=True)]

    with report_queries(), connection.cursor() as cursor:
        narrow, narrow_key = span.narrow or ("", "")
        cursor.execute(
            f"SELECT dimension, key, step, rows, measured, within, histogram FROM {DurationRollup._meta.db_table} "
            "WHERE source = %s AND narrow = %s AND narrow_key = %s AND dimension = ANY(%s) AND month = ANY(%s)",
            [span.source, narrow, narrow_key, dimensions, months],
        )
        for dimension_name, key, step, rows, measured, within, histogram in cursor.fetchall():
            if step in keys:
                group = _group(dimension_name, key)
                add_total(group, step, rows, measured, _within(within, steps, step))
                counts, stored = histograms[(group, step)], json.loads(histogram)
                if stored:
                    first, end = stored[0], stored[0] + len(stored) - 1
                    counts[first:end] = map(add, counts[first:end], stored[1:])
        if rest:
            _rest_histograms(cursor, span, steps, group_by, rest, histograms)
            for group in _rest_totals(span, steps, group_by, rest):
                for step in steps:
                    figures = group.steps[step.key]
                    add_total(group.key, step.key, group.total, figures.measured, figures.within)
        wanted = _ranks(histograms)
        values = _values_at_ranks(cursor, span, source, steps, group_by, wanted)

    overall, groups = None, []
    for key, total in totals.items():
        figures = {}
        for step in steps:
            measured, within = total["steps"].get(step.key, [0, [0] * len(step.targets)])
            p50 = p90 = None
            if measured:
                p50, p90 = (interpolate(measured, fraction, lambda rank: values[(key, step.key, rank)]) for fraction in (0.5, 0.9))  # noqa: B023
            figures[step.key] = StepFigures(measured=measured, missing=total["rows"] - measured, p50=p50, p90=p90, within=within)
        # The plain query's overall row has the key None, or 0 when there are no groups.
        found = GroupFigures(key=(None if group_by else 0) if key is OVERALL else key, total=total["rows"], steps=figures)
        if key is OVERALL:
            overall = found
        elif group_by:
            groups.append(found)
    if overall is None:  # no rows at all
        overall = GroupFigures(key=None, total=0, steps={s.key: StepFigures(within=[0] * len(s.targets)) for s in steps})
    return overall, groups


class _Overall:
    """The key of the overall row, apart from any group's (a NULL group's key is None)."""

    def __repr__(self):
        return "OVERALL"


OVERALL = _Overall()


def _group(dimension, key):
    return OVERALL if dimension == ALL else _native(dimension, key)


def _within(stored, steps, step_key):
    """The within counts of a step, as many as it has targets (the SQL pads to the widest step)."""
    step = next(s for s in steps if s.key == step_key)
    if isinstance(stored, str):  # jsonb from a raw cursor: Django's connection leaves it as text
        stored = json.loads(stored)
    return [int(x or 0) for x in list(stored)[: len(step.targets)]]


def _rest_histograms(cursor, span, steps, group_by, rest, histograms):
    """Add the histograms of the facts outside the rolled-up months: one scan, a grouping set per
    step and group; the overall row's are added up here (half the sets to hash)."""
    source = SOURCES[span.source]
    group = f"f.{group_by}" if group_by else "0"
    buckets = ", ".join(f"width_bucket(f.{step.duration}, %s::float8[]) AS b{i}" for i, step in enumerate(steps))
    sets = ", ".join(f"(g, b{i})" for i in range(len(steps)))
    flags = ", ".join(f"GROUPING(b{i})" for i in range(len(steps)))
    columns = ", ".join(f"b{i}" for i in range(len(steps)))
    # One SELECT per part, not an OR of ranges: each is an index range scan of its part only.
    parts, params = [], []
    for start, end in rest:
        join, condition, narrow_params = span.condition(start, end)
        parts.append(f"SELECT {group} AS g, {buckets} FROM {source.model._meta.db_table} f {join} WHERE f.{source.moment} >= %s AND f.{source.moment} < %s {condition}")
        params += [*([BOUNDS] * len(steps)), start, end, *narrow_params]
    cursor.execute(f"SELECT {flags}, g, {columns}, count(*) FROM ({' UNION ALL '.join(parts)}) AS r GROUP BY GROUPING SETS ({sets})", params)
    width = len(steps)
    for row in cursor.fetchall():
        flags, key, indexes, count = row[:width], row[width], row[width + 1 : -1], row[-1]
        i = flags.index(0)
        if indexes[i] is None:  # the step's NULL durations: missing, counted by the totals
            continue
        step = steps[i].key
        histograms[(OVERALL, step)][indexes[i]] += count
        if group_by:
            histograms[(key, step)][indexes[i]] += count


def _rest_totals(span, steps, group_by, rest):
    """The counts of the facts outside the rolled-up months, a query per part (each an index range
    scan): [overall, *groups] GroupFigures, the overall row's key OVERALL."""
    source = SOURCES[span.source]
    found = []
    for start, end in rest:
        queryset = source.model.objects.filter(**{f"{source.moment}__gte": start, f"{source.moment}__lt": end}).order_by()
        if span.narrow:
            queryset = source.narrows[span.narrow[0]].narrowed(queryset, int(span.narrow[1]), start, end)
        overall, groups = counts(queryset, steps, group_by=group_by)
        overall.key = OVERALL
        found += [overall, *groups]
    return found


def _ranks(histograms):
    """{(group, step): {bucket: (how many values lie below it, [ranks within it])}} for the buckets
    that hold the ranks percentile_cont reads for p50 and p90 (floor and ceil of f·(n−1), 0-based)."""
    wanted = {}
    for (group, step), histogram in histograms.items():
        cumulative = list(accumulate(histogram))
        measured = cumulative[-1]
        found = {}
        if measured:
            for rank in sorted({r for f in (0.5, 0.9) for r in (math.floor(f * (measured - 1)), math.ceil(f * (measured - 1)))}):
                index = bisect_right(cumulative, rank)
                below = cumulative[index - 1] if index else 0
                found.setdefault(index, (below, []))[1].append(rank - below)
        wanted[(group, step)] = found
    return wanted


def _values_at_ranks(cursor, span, source, steps, group_by, wanted):
    """Phase 2: {(group, step, rank): value} for the ranks `wanted`, from one query over the span's
    facts: per step, the values in the wanted buckets' ranges are read from the step's index (an
    index range scan each: only those values are read, not the year). The wanted buckets' edges
    make a short array: width_bucket over it gives each value its slot; the values of a wanted
    (group, step, bucket) are numbered in their order, and only the ones at a wanted rank come
    back. Groups, steps and slots are numbered so that the sort compares integers."""
    groups = sorted({group for group, _step in wanted if group is not OVERALL and group is not None}, key=str)
    ids = {OVERALL: 0, None: 1} | {group: i + 2 for i, group in enumerate(groups)}
    number = {step.key: i for i, step in enumerate(steps)}
    edges, slots = {}, {}  # step → edges; (step, bucket) → slot
    for step in steps:
        indexes = sorted({index for (_group, key), found in wanted.items() if key == step.key for index in found})
        edges[step.key] = sorted({edge for index in indexes for edge in bucket_range(index)})
        for index in indexes:
            slots[(step.key, index)] = bisect_right(edges[step.key], bucket_range(index)[0])
    active = [step for step in steps if edges[step.key]]
    if not active:
        return {}
    buckets = ([], [], [])  # (group, step, slot) of each wanted bucket
    ranks = ([], [], [], [])  # (group, step, slot, rank within the bucket) of each wanted rank
    for (group, step), found in wanted.items():
        for index, (_below, inside) in found.items():
            for column, value in zip(buckets, (ids[group], number[step], slots[(step, index)]), strict=True):
                column.append(value)
            for rank in inside:
                for column, value in zip(ranks, (ids[group], number[step], slots[(step, index)], rank), strict=True):
                    column.append(value)
    group = f"f.{group_by}" if group_by else "NULL"
    table, moment = source.model._meta.db_table, source.moment
    join, condition, narrow_params = span.condition(span.start, span.end)
    ranges, params = [], []
    for step in active:
        merged = []  # adjacent wanted buckets as one range: one index range scan
        for low, high in (bucket_range(index) for (key, index) in sorted(slots) if key == step.key):
            if merged and merged[-1][1] == low:
                merged[-1][1] = high
            else:
                merged.append([low, high])
        for low, high in merged:
            ranges.append(
                f"SELECT {group} AS g, {number[step.key]} AS step, width_bucket(f.{step.duration}, %s::float8[]) AS slot, f.{step.duration} AS v "
                f"FROM {table} f {join} WHERE f.{step.duration} >= %s AND f.{step.duration} < %s AND f.{moment} >= %s AND f.{moment} < %s {condition}"
            )
            params += [edges[step.key], low, high, span.start, span.end, *narrow_params]
    sql = f"""
        WITH kept AS MATERIALIZED (
            SELECT CASE WHEN c.g IS NULL THEN 1 ELSE m.id END AS k, c.step, c.slot, c.v
            FROM ({" UNION ALL ".join(ranges)}) AS c LEFT JOIN unnest(%s::text[], %s::int[]) AS m (g, id) ON m.g = c.g::text
        ), buckets AS (
            SELECT * FROM unnest(%s::int[], %s::int[], %s::int[]) AS w (k, step, slot)
        ), numbered AS (
            SELECT k, step, slot, v, row_number() OVER (PARTITION BY k, step, slot ORDER BY v) - 1 AS r FROM (
                SELECT s.k, s.step, s.slot, s.v FROM kept s JOIN buckets w USING (k, step, slot)
                UNION ALL
                SELECT 0, s.step, s.slot, s.v FROM kept s JOIN buckets w ON w.k = 0 AND w.step = s.step AND w.slot = s.slot
            ) AS wanted
        )
        SELECT k, step, slot, r, v FROM numbered JOIN unnest(%s::int[], %s::int[], %s::int[], %s::bigint[]) AS q (k, step, slot, r) USING (k, step, slot, r)
    """
    params += [[str(g) for g in groups], [ids[g] for g in groups], *buckets, *ranks]
    cursor.execute(sql, params)
    group_of = {i: group for group, i in ids.items()}
    bucket_of = {(number[key], slot): index for (key, index), slot in slots.items()}
    values = {}
    for k, step_number, slot, rank, value in cursor.fetchall():
        group, step = group_of[k], steps[step_number].key
        index = bucket_of[(step_number, slot)]
        values[(group, step, wanted[(group, step)][index][0] + rank)] = value
    return values
