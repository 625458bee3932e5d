"""Durations between two timestamps, summarised per group: how many rows, how many were measured,
how many miss a step, p50/p90 and how many were within target.

On PostgreSQL everything is one aggregate query per grouping (percentile_cont, FILTER). SQLite has
no percentile function: there the two timestamps of each row are fetched and summarised in Python
with the same definition (linear interpolation between the closest ranks, as percentile_cont does),
so both give the same figures; tests/reports run on both.

A row whose step has no timestamp (not reached yet, skipped, declined) is counted as `missing`,
never dropped: `total = measured + missing` for every step.
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Func, IntegerField, Value, When


@dataclass(frozen=True)
class Target:
    """`seconds` is a number, or {priority: seconds} read from the row's `priority_field`."""

    seconds: int | dict
    percent: int

    def for_priority(self, priority):
        return self.seconds.get(priority) if isinstance(self.seconds, dict) else self.seconds


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    start: str  # field path from the queryset's model
    end: str
    targets: tuple = ()
    priority_field: str = ""
    # A field that holds end − start in seconds already (the report facts): read instead of the two.
    duration: str = ""


@dataclass
class StepFigures:
    measured: int = 0
    missing: int = 0
    p50: float | None = None
    p90: float | None = None
    within: list = field(default_factory=list)  # per target: how many measured were within it

    def within_share(self, index=0):
        """Percent of the measured rows within target `index` (None when nothing was measured)."""
        if not self.measured or index >= len(self.within):
            return None
        return 100.0 * self.within[index] / self.measured


@dataclass
class GroupFigures:
    key: object
    total: int
    steps: dict


def percentile(sorted_values, fraction):
    """PostgreSQL's percentile_cont on an ascending list."""
    if not sorted_values:
        return None
    return interpolate(len(sorted_values), fraction, sorted_values.__getitem__)


def interpolate(count, fraction, value_at):
    """percentile_cont of `count` values, `value_at(rank)` giving the rank-th smallest (0-based)."""
    position = fraction * (count - 1)
    low, high = math.floor(position), math.ceil(position)
    return value_at(low) + (value_at(high) - value_at(low)) * (position - low)


class Seconds(Func):
    """end − start in seconds (PostgreSQL only; NULL when either is missing)."""

    arg_joiner = " - "
    # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT returns numeric, several times slower
    # to compute and to sort than the double precision date_part returns.
    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


def uses_sql_percentiles():
    return connection.vendor == "postgresql"


# Sorting a year of durations for percentile_cont wants more than the default 4 MB of memory;
# without it PostgreSQL sorts on disk. Set per transaction, for the report queries only.
REPORT_WORK_MEM = "128MB"


@contextmanager
def report_queries():
    """Run the report queries of one table in one transaction with the memory their sorts need,
    and without JIT compilation: the rollups' phase 2 joins are estimated far above what they read,
    so PostgreSQL compiled them, ~150 ms of a ~100 ms query (EXPLAIN ANALYZE, bench/RESULTS.md)."""
    if not uses_sql_percentiles():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        yield


def summarise(queryset, steps, *, group_by=None, rollup=None):
    """(overall, [per group]) GroupFigures: the whole queryset, and one per value of `group_by` (a
    field path; None: no groups). Groups come in no particular order; NULL is a group too.
    `rollup`: the reports.rollup.Span the queryset holds the facts of, when the monthly rollups can
    answer for it (no incident filter); they are read when REPORTS_ROLLUPS is on and a month of the
    span is rolled up, with the same figures."""
    if rollup is not None and uses_sql_percentiles() and settings.REPORTS_ROLLUPS:
        from reports import rollup as rollups

        found = rollups.summarise(rollup, steps, group_by)
        if found is not None:
            return found
    if uses_sql_percentiles():
        return _summarise_in_sql(queryset, steps, group_by)
    return _summarise_in_python(queryset, steps, group_by)


def counts(queryset, steps, *, group_by=None):
    """summarise() without the percentiles (p50/p90 None), so without their sorts: the rows,
    measured, missing and within-target counts (PostgreSQL only)."""
    return _summarise_in_sql(queryset, steps, group_by, percentiles=False)


def _target_expression(step, target):
    if not isinstance(target.seconds, dict):
        return Value(target.seconds)
    return Case(
        *(When(**{step.priority_field: priority}, then=Value(seconds)) for priority, seconds in target.seconds.items()),
        output_field=IntegerField(),
    )


def _summarise_in_sql(queryset, steps, group_by, *, percentiles=True):
    """`percentiles` False: the counts only (p50 and p90 None), without the sorts."""
    # Django builds the rows (filters, joins, each duration and target once per row); the
    # aggregation around them is plain SQL: one percentile_cont over an array of fractions sorts
    # each step once, and GROUPING SETS gives the groups and the overall row in one scan.
    columns = {"_g": F(group_by) if group_by else Value(0)}
    aggregates = ['COUNT(*) AS "n"']
    for step in steps:
        duration = f"_s_{step.key}"
        columns[duration] = F(step.duration) if step.duration else Seconds(F(step.end), F(step.start))
        percentile = f'PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY "{duration}")' if percentiles else "NULL"
        aggregates += [f'COUNT("{duration}")', percentile]
        for index, target in enumerate(step.targets):
            limit = f"_t_{step.key}{index}"
            columns[limit] = _target_expression(step, target)
            aggregates.append(f'COUNT(*) FILTER (WHERE "{duration}" <= "{limit}")')
    inner, params = queryset.annotate(**columns).values(*columns).query.sql_with_params()
    grouping = 'GROUPING SETS (("_g"), ())' if group_by else '"_g"'
    sql = f'SELECT "_g", GROUPING("_g"), {", ".join(aggregates)} FROM ({inner}) AS "report_rows" GROUP BY {grouping}'
    with report_queries(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    overall, groups = None, []
    for row in rows:
        key, is_total, total, *values = row
        figures, position = {}, 0
        for step in steps:
            measured, percentiles = values[position], values[position + 1]
            within = list(values[position + 2 : position + 2 + len(step.targets)])
            position += 2 + len(step.targets)
            p50, p90 = percentiles if percentiles else (None, None)
            figures[step.key] = StepFigures(measured=measured, missing=total - measured, p50=p50, p90=p90, within=within)
        group = GroupFigures(key=key, total=total, steps=figures)
        if is_total or not group_by:
            overall = group
        else:
            groups.append(group)
    if overall is None:  # no row at all: GROUPING SETS gives none for an empty input
        overall = _empty(steps)
    return overall, groups


def _empty(steps):
    return GroupFigures(key=None, total=0, steps={s.key: StepFigures(within=[0] * len(s.targets)) for s in steps})


def _figures(rows, steps, index):
    figures = {}
    for step in steps:
        durations, within = [], [0] * len(step.targets)
        for row in rows:
            if step.duration:
                seconds = row[index[step.duration]]
                if seconds is None:
                    continue
            else:
                start, end = row[index[step.start]], row[index[step.end]]
                if start is None or end is None:
                    continue
                seconds = (end - start).total_seconds()
            durations.append(seconds)
            priority = row[index[step.priority_field]] if step.priority_field else None
            for i, target in enumerate(step.targets):
                limit = target.for_priority(priority)
                if limit is not None and seconds <= limit:
                    within[i] += 1
        durations.sort()
        figures[step.key] = StepFigures(
            measured=len(durations), missing=len(rows) - len(durations), p50=percentile(durations, 0.5), p90=percentile(durations, 0.9), within=within
        )
    return figures


def _summarise_in_python(queryset, steps, group_by):
    paths = []
    for step in steps:
        for path in ((step.duration,) if step.duration else (step.start, step.end)) + (step.priority_field,):
            if path and path not in paths:
                paths.append(path)
    index = {path: i for i, path in enumerate(paths)}
    fields = ([group_by] if group_by else []) + paths
    groups, everything = {}, []
    for values in queryset.values_list(*fields).iterator(chunk_size=5000):
        row = values[1:] if group_by else values
        everything.append(row)
        if group_by:
            groups.setdefault(values[0], []).append(row)
    overall = GroupFigures(key=None, total=len(everything), steps=_figures(everything, steps, index)) if everything else _empty(steps)
    return overall, [GroupFigures(key=key, total=len(rows), steps=_figures(rows, steps, index)) for key, rows in groups.items()]
