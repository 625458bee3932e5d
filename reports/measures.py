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
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, IntegerField, Q, Value, When


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
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction, **extra):
        # A literal in the SQL: only numbers we chose ourselves ever get here.
        super().__init__(expression, fraction=float(fraction), **extra)


class Seconds(Func):
    """end − start in seconds (PostgreSQL only; NULL when either is missing)."""

    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
    output_field = FloatField()


def uses_sql_percentiles():
    return connection.vendor == "postgresql"


def summarise(queryset, steps, *, group_by=None):
    """[GroupFigures] per value of `group_by` (a field path; None: one group for everything).
    Groups come in no particular order; a NULL group value is a group too."""
    if uses_sql_percentiles():
        return _summarise_in_sql(queryset, steps, group_by)
    return _summarise_in_python(queryset, steps, group_by)


def _target_expression(step, target):
    if not isinstance(target.seconds, dict):
        return Value(target.seconds)
    return Case(
        *(When(**{step.priority_field: priority}, then=Value(seconds)) for priority, seconds in target.seconds.items()),
        output_field=IntegerField(),
    )


def _summarise_in_sql(queryset, steps, group_by):
    annotations, aggregates = {}, {"n": Count("pk")}
    for step in steps:
        name = f"_s_{step.key}"
        annotations[name] = Seconds(F(step.end), F(step.start))
        aggregates[f"{step.key}__measured"] = Count(name)
        aggregates[f"{step.key}__p50"] = PercentileCont(F(name), fraction=0.5)
        aggregates[f"{step.key}__p90"] = PercentileCont(F(name), fraction=0.9)
        for index, target in enumerate(step.targets):
            aggregates[f"{step.key}__within{index}"] = Count("pk", filter=Q(**{f"{name}__lte": _target_expression(step, target)}))
    queryset = queryset.annotate(**annotations)
    if group_by is None:
        rows = [{"_group": None, **queryset.aggregate(**aggregates)}]
    else:
        rows = queryset.values(_group=F(group_by)).annotate(**aggregates).order_by()
    result = []
    for row in rows:
        figures = {}
        for step in steps:
            measured = row[f"{step.key}__measured"]
            figures[step.key] = StepFigures(
                measured=measured,
                missing=row["n"] - measured,
                p50=row[f"{step.key}__p50"],
                p90=row[f"{step.key}__p90"],
                within=[row[f"{step.key}__within{i}"] for i in range(len(step.targets))],
            )
        result.append(GroupFigures(key=row["_group"], total=row["n"], steps=figures))
    return result


def _summarise_in_python(queryset, steps, group_by):
    paths = []
    for step in steps:
        for path in (step.start, step.end, step.priority_field):
            if path and path not in paths:
                paths.append(path)
    index = {path: i for i, path in enumerate(paths)}
    fields = ([group_by] if group_by else []) + paths
    groups = {}
    for values in queryset.values_list(*fields).iterator(chunk_size=5000):
        key = values[0] if group_by else None
        row = values[1:] if group_by else values
        groups.setdefault(key, []).append(row)
    result = []
    for key, rows in groups.items():
        figures = {}
        for step in steps:
            durations, within = [], [0] * len(step.targets)
            for row in rows:
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
                measured=len(durations),
                missing=len(rows) - len(durations),
                p50=percentile(durations, 0.5),
                p90=percentile(durations, 0.9),
                within=within,
            )
        result.append(GroupFigures(key=key, total=len(rows), steps=figures))
    if group_by is None and not result:
        result.append(GroupFigures(key=None, total=0, steps={s.key: StepFigures(within=[0] * len(s.targets)) for s in steps}))
    return result
