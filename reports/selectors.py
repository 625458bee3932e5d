"""Every figure of the reports page, computed in the database, as tables.

A table is what the page shows beside its chart, what its CSV export holds and what the API
returns: the same rows in all three. Each table is computed by one function of a ReportFilter
(TABLES), so one export computes only its own table.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch112.models import Kecamatan, Kelurahan, User
from incidents.models import Agency, CallOutcome, IncidentCategory, IncidentStatus, Priority
from reports.filters import wita
from reports.measures import Step, Target, summarise

PRANK_OUTCOMES = (CallOutcome.PRANK, CallOutcome.SILENT)
WEEKDAYS = [
    gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"),
    gettext_lazy("Fri"), gettext_lazy("Sat"), gettext_lazy("Sun"),
]  # fmt: skip


@dataclass
class Table:
    key: str
    title: str
    columns: list  # [(key, label)]
    rows: list  # [dict keyed by column key]
    note: str = ""
    # Extra figures a chart needs that are not columns (kept out of the CSV).
    extra: dict = field(default_factory=dict)
    # The first row is the "All" row of the rows after it.
    total_first: bool = False

    def as_dict(self):
        return {
            "key": self.key,
            "title": str(self.title),
            "note": str(self.note),
            "columns": [{"key": key, "label": str(label)} for key, label in self.columns],
            "rows": self.rows,
        }


def share(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def seconds(value):
    return round(value, 1) if value is not None else None


# --- steps and their targets --------------------------------------------------------------------


def use_facts():
    """Whether the response, call-handling and call-volume tables read the report facts and hourly
    call counts (reports/models.py, the default) or compute from the live incident tables
    (REPORTS_FACTS=false: the way to compare the two, or to report while the facts are rebuilt)."""
    return settings.REPORTS_FACTS


def handling_steps(facts=False):
    """With `facts`, the steps of HandlingFact rows (durations stored), else of Call rows."""
    return (
        Step("created", _("Call received → incident created"), "received_at", "incident__created_at", duration="created_s" if facts else ""),
        Step(
            "dispatched",
            _("Call answered → dispatched"),
            "answered_at",
            "incident__dispatched_at",
            targets=(Target(settings.REPORTS_DISPATCH_TARGET_SECONDS, settings.REPORTS_DISPATCH_TARGET_PERCENT),),
            duration="dispatched_s" if facts else "",
        ),
    )


def response_steps(facts=False):
    """With `facts`, the steps of ResponseFact rows (durations stored), else of Assignment rows."""
    return (
        Step(
            "ack",
            _("Dispatch → acknowledged"),
            "notified_at",
            "acknowledged_at",
            targets=(Target(dict(settings.ACK_TARGET_SECONDS), settings.REPORTS_ACK_TARGET_PERCENT),),
            priority_field="priority" if facts else "incident__priority",
            duration="ack_s" if facts else "",
        ),
        Step("en_route", _("Dispatch → en route"), "notified_at", "en_route_at", duration="en_route_s" if facts else ""),
        Step("on_scene", _("Dispatch → on scene"), "notified_at", "on_scene_at", duration="on_scene_s" if facts else ""),
        Step("resolved", _("Dispatch → incident resolved"), "notified_at", "incident__resolved_at", duration="resolved_s" if facts else ""),
    )


def answer_steps(facts=False):
    """With `facts`, the step of AnswerFact rows (duration stored), else of answered PbxCall rows."""
    return (
        Step(
            "answer",
            _("Time to answer (queued → answered)"),
            "queued_at",
            "answered_at",
            targets=tuple(Target(s, p) for s, p in settings.REPORTS_ANSWER_TARGETS),
            duration="answer_s" if facts else "",
        ),
    )


def volunteer_steps():
    return (Step("arrival", _("Activation sent → relawan arrived"), "sent_at", "arrived_at"),)


def target_text(step):
    parts = []
    for target in step.targets:
        if isinstance(target.seconds, dict):
            limits = ", ".join(f"P{p} {s} s" for p, s in sorted(target.seconds.items()))
            parts.append(_("%(percent)s%% within %(limits)s") % {"percent": target.percent, "limits": limits})
        else:
            parts.append(_("%(percent)s%% within %(seconds)s s") % {"percent": target.percent, "seconds": target.seconds})
    return "; ".join(parts)


# --- group labels --------------------------------------------------------------------------------

UNKNOWN = gettext_lazy("(not recorded)")


def _labels(group_by, keys):
    keys = {k for k in keys if k is not None}
    if group_by.endswith("agency_id"):
        return {a.pk: a.name for a in Agency.objects.filter(pk__in=keys)}
    if group_by.endswith("category_id"):
        language = get_language()
        return {c.pk: c.name_for(language) for c in IncidentCategory.objects.filter(pk__in=keys)}
    if group_by.endswith("kecamatan_id"):
        return {k.pk: k.name for k in Kecamatan.objects.filter(pk__in=keys)}
    if group_by.endswith("kelurahan_id"):
        return {k.pk: k.name for k in Kelurahan.objects.filter(pk__in=keys)}
    if group_by.endswith("priority"):
        return {p: f"P{p}" for p in keys}
    if group_by.endswith("operator_id"):
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if group_by == "shift":
        from shifts.models import ShiftType

        names = dict(ShiftType.objects.values_list("code", "name"))
        return {code: names.get(code, code) if code else str(UNKNOWN) for code in keys}
    return {k: str(k) for k in keys}


def _sort_key(group_by):
    if group_by.endswith("priority"):
        return lambda row: (row["_key"] is None, row["_key"] or 0)
    return lambda row: (row["_key"] is None or row["_key"] == "", str(row["label"]).lower())


# --- duration tables -----------------------------------------------------------------------------


def duration_columns(group_label, steps):
    columns = [("label", group_label), ("total", _("rows"))]
    for step in steps:
        columns += [(f"{step.key}_p50_s", _("%(step)s p50 (s)") % {"step": step.label}),
                    (f"{step.key}_p90_s", _("%(step)s p90 (s)") % {"step": step.label})]  # fmt: skip
        for index, target in enumerate(step.targets):
            limit = "P" if isinstance(target.seconds, dict) else f"{target.seconds} s"
            columns.append((f"{step.key}_within{index}_pct", _("%(step)s within target %(limit)s (%%)") % {"step": step.label, "limit": limit}))
        columns += [(f"{step.key}_measured", _("%(step)s measured") % {"step": step.label}),
                    (f"{step.key}_missing", _("%(step)s missing") % {"step": step.label})]  # fmt: skip
    return columns


def _duration_row(label, figures, steps, key=None):
    row = {"_key": key, "label": str(label), "total": figures.total}
    for step in steps:
        step_figures = figures.steps[step.key]
        row[f"{step.key}_p50_s"] = seconds(step_figures.p50)
        row[f"{step.key}_p90_s"] = seconds(step_figures.p90)
        for index in range(len(step.targets)):
            within = step_figures.within_share(index)
            row[f"{step.key}_within{index}_pct"] = round(within, 1) if within is not None else None
        row[f"{step.key}_measured"] = step_figures.measured
        row[f"{step.key}_missing"] = step_figures.missing
    return row


def duration_table(key, title, queryset, steps, *, group_by, group_label, note="", rollup=None):
    """One row per group, sorted by name, and an "All" row first."""
    overall, groups = summarise(queryset, steps, group_by=group_by, rollup=rollup)
    labels = _labels(group_by, [g.key for g in groups])
    rows = [_duration_row(labels.get(g.key) or UNKNOWN, g, steps, g.key) for g in groups]
    rows.sort(key=_sort_key(group_by))
    rows.insert(0, _duration_row(_("All"), overall, steps, "*"))
    targets = "; ".join(f"{s.label}: {target_text(s)}" for s in steps if s.targets)
    return Table(
        key=key,
        title=title,
        columns=duration_columns(group_label, steps),
        rows=[{k: v for k, v in row.items() if k != "_key"} | {"key": row["_key"]} for row in rows],
        note=" ".join(x for x in (note, targets) if x),
        extra={"steps": [{"key": s.key, "label": str(s.label), "targets": bool(s.targets)} for s in steps]},
        total_first=True,
    )


# --- call volume ---------------------------------------------------------------------------------


def _call_tally(report):
    """(rows, their time field, tally): the hourly call counts when they can answer for the
    period's calls (report.call_hours), the call facts with an incident filter (report.call_facts),
    else the calls themselves. tally(condition) counts the calls that meet it, either way."""
    hours = report.call_hours() if use_facts() else None
    if hours is not None:
        return hours, "hour", lambda condition=None: Coalesce(Sum("calls", filter=condition), 0)
    if report.narrows_incidents and use_facts():
        # Counted by a column of their indexes (never NULL), not the id: read from the index alone.
        return report.call_facts(), "received_at", lambda condition=None: Count("received_at", filter=condition)
    return report.calls(), "received_at", lambda condition=None: Count("id", filter=condition)


def calls_by_outcome(report):
    rows, _moment, tally = _call_tally(report)
    counts = dict(rows.values_list("outcome").annotate(n=tally()).order_by())
    total = sum(counts.values())
    rows = [
        {"outcome": outcome.value, "label": str(outcome.label), "calls": counts.get(outcome.value, 0), "share_pct": share(counts.get(outcome.value, 0), total)}
        for outcome in CallOutcome
    ]
    prank = sum(counts.get(o, 0) for o in PRANK_OUTCOMES)
    return Table(
        key="calls_by_outcome",
        title=_("Calls by outcome"),
        columns=[("label", _("Outcome")), ("outcome", _("code")), ("calls", _("Calls")), ("share_pct", _("Share (%)"))],
        rows=rows,
        note=_incident_filter_note(report),
        extra={"total": total, "prank_silent": prank, "prank_silent_pct": share(prank, total)},
    )


def local_part(part, field_name):
    """The WITA hour ("hour") or ISO weekday ("isodow") of a timestamp column. On PostgreSQL as
    date_part, an integer computed in double precision: Django's Extract is EXTRACT, which returns
    numeric since PostgreSQL 14 and costs several times more over a year of calls."""
    if connection.vendor == "postgresql":
        return Func(F(field_name), Value(str(wita())), template=f"date_part('{part}', %(expressions)s)::integer", arg_joiner=" AT TIME ZONE ",
                    output_field=IntegerField())  # fmt: skip
    return {"hour": ExtractHour, "isodow": ExtractIsoWeekDay}[part](field_name, tzinfo=wita())


def _incident_filter_note(report):
    if report.narrows_incidents:
        return _("With a kecamatan, category, agency or priority chosen, only calls about such incidents are counted: prank, silent, info and test calls have none.")
    return ""


def calls_heatmap(report):
    rows, moment, tally = _call_tally(report)
    counts = (
        rows.annotate(weekday=local_part("isodow", moment), local_hour=local_part("hour", moment))
        .values_list("weekday", "local_hour")
        .annotate(n=tally())
        .order_by()
    )
    grid = {(weekday, hour): n for weekday, hour, n in counts}
    rows = []
    for weekday in range(1, 8):
        row = {"weekday": weekday, "label": str(WEEKDAYS[weekday - 1])}
        for hour in range(24):
            row[f"h{hour:02d}"] = grid.get((weekday, hour), 0)
        row["total"] = sum(row[f"h{hour:02d}"] for hour in range(24))
        rows.append(row)
    return Table(
        key="calls_heatmap",
        title=_("Calls by hour of day and day of week (WITA)"),
        columns=[("label", _("Day")), *((f"h{h:02d}", f"{h:02d}") for h in range(24)), ("total", _("Total"))],
        rows=rows,
        note=_incident_filter_note(report),
    )


def calls_per_day(report):
    rows, moment, tally = _call_tally(report)
    counts = (
        rows.annotate(day=TruncDate(moment, tzinfo=wita()))
        .values("day")
        # Not named "calls": CallHour has a field of that name, which the tallies read.
        .annotate(n_calls=tally(), n_emergency=tally(Q(outcome=CallOutcome.EMERGENCY)), n_prank_silent=tally(Q(outcome__in=PRANK_OUTCOMES)))
        .order_by()
    )
    by_day = {row["day"]: {"calls": row["n_calls"], "emergency": row["n_emergency"], "prank_silent": row["n_prank_silent"]} for row in counts}
    rows = []
    for day in report.days():
        found = by_day.get(day, {})
        rows.append({"date": day.isoformat(), "calls": found.get("calls", 0), "emergency": found.get("emergency", 0), "prank_silent": found.get("prank_silent", 0)})
    return Table(
        key="calls_per_day",
        title=_("Calls per day (WITA)"),
        columns=[("date", _("Date")), ("calls", _("Calls")), ("emergency", _("Emergency")), ("prank_silent", _("Prank + silent"))],
        rows=rows,
        note=_incident_filter_note(report),
    )


# --- call handling -------------------------------------------------------------------------------


def _handled_calls(report):
    # The call that opened the incident (later calls about it are "duplicate"); a cancelled
    # incident is no measure of handling speed and is counted apart (see cancelled_incidents).
    return report.calls().filter(outcome=CallOutcome.EMERGENCY, incident__isnull=False).exclude(incident__status=IncidentStatus.CANCELLED)


def _handling_table(key, title, group_by, group_label):
    def table(report):
        facts = use_facts()
        rows = report.handling_facts() if facts else _handled_calls(report)
        rollup = report.rollup("handling") if facts else None
        return duration_table(key, title, rows, handling_steps(facts), group_by=group_by, group_label=group_label, rollup=rollup)

    table.__name__ = key
    return table


handling_by_shift = _handling_table("handling_by_shift", gettext_lazy("Call handling by shift"), "shift", gettext_lazy("Shift"))
handling_by_operator = _handling_table("handling_by_operator", gettext_lazy("Call handling by operator"), "operator_id", gettext_lazy("Operator"))


# --- response ------------------------------------------------------------------------------------

RESPONSE_NOTE = gettext_lazy(
    "Measured per agency assignment from its dispatch. Missing: the step has no time (not reached yet, skipped or declined). Cancelled incidents are left out and counted apart."
)


def _responses(report):
    return report.assignments().exclude(incident__status=IncidentStatus.CANCELLED)


def _response_table(key, title, group_by, group_label):
    """`group_by`: (path from a ResponseFact, path from an Assignment)."""

    def table(report):
        facts = use_facts()
        rows = report.response_facts() if facts else _responses(report)
        return duration_table(
            key, title, rows, response_steps(facts), group_by=group_by[0 if facts else 1], group_label=group_label, note=str(RESPONSE_NOTE),
            rollup=report.rollup("response") if facts else None,
        )  # fmt: skip

    table.__name__ = key
    return table


response_by_agency = _response_table("response_by_agency", gettext_lazy("Response by agency"), ("agency_id", "agency_id"), gettext_lazy("Agency"))
response_by_category = _response_table(
    "response_by_category", gettext_lazy("Response by category"), ("category_id", "incident__category_id"), gettext_lazy("Category")
)
response_by_kecamatan = _response_table(
    "response_by_kecamatan", gettext_lazy("Response by kecamatan"), ("kecamatan_id", "incident__kelurahan__kecamatan_id"), gettext_lazy("Kecamatan")
)
response_by_priority = _response_table(
    "response_by_priority", gettext_lazy("Response by priority"), ("priority", "incident__priority"), gettext_lazy("Priority")
)


def incident_counts(report):
    counts = report.incidents().aggregate(
        total=Count("id"),
        cancelled=Count("id", filter=Q(status=IncidentStatus.CANCELLED)),
        not_dispatched=Count("id", filter=Q(dispatched_at__isnull=True) & ~Q(status=IncidentStatus.CANCELLED)),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
    )
    return counts


# --- map -----------------------------------------------------------------------------------------


def incidents_by_kecamatan(report):
    counts = {
        row["kelurahan__kecamatan_id"]: row
        for row in report.incidents()
        .values("kelurahan__kecamatan_id")
        .annotate(incidents=Count("id"), p1=Count("id", filter=Q(priority=Priority.P1)), cancelled=Count("id", filter=Q(status=IncidentStatus.CANCELLED)))
        .order_by()
    }
    kecamatan = Kecamatan.objects.filter(region__code=settings.REGION_CODE).order_by("name")
    if report.kecamatan is not None:
        kecamatan = kecamatan.filter(pk=report.kecamatan.pk)
    rows = []
    for area in kecamatan:
        found = counts.get(area.pk, {})
        rows.append({
            "label": area.name, "code": area.code, "incidents": found.get("incidents", 0), "p1": found.get("p1", 0),
            "cancelled": found.get("cancelled", 0),
            "latitude": float(area.latitude) if area.latitude is not None else None,
            "longitude": float(area.longitude) if area.longitude is not None else None,
        })  # fmt: skip
    unknown = counts.get(None)
    if unknown:
        rows.append({"label": str(UNKNOWN), "code": "", "incidents": unknown["incidents"], "p1": unknown["p1"], "cancelled": unknown["cancelled"], "latitude": None, "longitude": None})
    return Table(
        key="incidents_by_kecamatan",
        title=_("Incidents per kecamatan"),
        columns=[("label", _("Kecamatan")), ("code", _("code")), ("incidents", _("Incidents")), ("p1", "P1"), ("cancelled", _("Cancelled")),
                 ("latitude", _("latitude")), ("longitude", _("longitude"))],  # fmt: skip
        rows=rows,
    )


# --- relawan -------------------------------------------------------------------------------------


def volunteers_by_kelurahan(report):
    activations = report.activations()
    counts = {
        row["incident__kelurahan_id"]: row
        for row in activations.values("incident__kelurahan_id")
        .annotate(
            sent=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            declined=Count("id", filter=Q(declined_at__isnull=False)),
            no_answer=Count("id", filter=Q(expired_at__isnull=False, accepted_at__isnull=True, declined_at__isnull=True)),
        )
        .order_by()
    }
    steps = volunteer_steps()
    overall, groups = summarise(activations, steps, group_by="incident__kelurahan_id")
    figures = {g.key: g for g in groups}
    labels = _labels("incident__kelurahan_id", counts)

    def row(label, found, group):
        arrival = group.steps["arrival"]
        return {
            "label": str(label), "sent": found.get("sent", 0), "accepted": found.get("accepted", 0),
            "declined": found.get("declined", 0), "no_answer": found.get("no_answer", 0),
            "accepted_pct": share(found.get("accepted", 0), found.get("sent", 0)),
            "arrival_p50_s": seconds(arrival.p50), "arrival_p90_s": seconds(arrival.p90),
            "arrived": arrival.measured, "arrival_missing": arrival.missing,
        }  # fmt: skip

    rows = sorted((row(labels.get(key, UNKNOWN), found, figures[key]) for key, found in counts.items()), key=lambda r: (-r["sent"], r["label"]))
    total = {k: sum(r[k] for r in rows) for k in ("sent", "accepted", "declined", "no_answer")}
    rows.insert(0, row(_("All"), total, overall))
    return Table(
        key="volunteers_by_kelurahan",
        title=_("Relawan activations per kelurahan"),
        columns=[
            ("label", _("Kelurahan")), ("sent", _("Activations")), ("accepted", _("Accepted")), ("declined", _("Declined")),
            ("no_answer", _("No answer")), ("accepted_pct", _("Acceptance (%)")), ("arrival_p50_s", _("Arrival p50 (s)")),
            ("arrival_p90_s", _("Arrival p90 (s)")), ("arrived", _("Arrived")), ("arrival_missing", _("Arrival missing")),
        ],  # fmt: skip
        rows=rows,
        note=_("Arrival is measured from the activation message; missing: the relawan did not report arriving."),
        total_first=True,
    )


# --- the call center (PBX records) ---------------------------------------------------------------


def pbx_available():
    try:
        from intake.models import PbxCall  # noqa: F401 — built by the intake app
    except ImportError:
        return False
    return True


PBX_COUNTS = ("offered", "answered", "abandoned", "abandoned_menu", "abandoned_queue")


def _pbx_counts(report):
    """{WITA hour of day: {count: n}} of PBX_COUNTS over the period's PBX calls: from the hourly
    counts when they can answer for the period (report.pbx_hours), else from the calls."""
    hours = report.pbx_hours() if use_facts() else None
    if hours is not None:
        rows = hours.annotate(local_hour=local_part("hour", "hour")).values("local_hour").annotate(**{f"n_{k}": Sum(k) for k in PBX_COUNTS})
    else:
        waiting = Q(answered_at__isnull=True)
        rows = (
            report.pbx_calls()
            .annotate(local_hour=local_part("hour", "offered_at"))
            .values("local_hour")
            .annotate(
                n_offered=Count("id"),
                n_answered=Count("id", filter=Q(answered_at__isnull=False)),
                n_abandoned=Count("id", filter=waiting & Q(abandoned_at__isnull=False)),
                n_abandoned_menu=Count("id", filter=waiting & Q(abandoned_stage="menu")),
                n_abandoned_queue=Count("id", filter=waiting & Q(abandoned_stage="queue")),
            )
        )
    return {row["local_hour"]: {k: row[f"n_{k}"] for k in PBX_COUNTS} for row in rows.order_by()}


def _answer_figures(report, steps):
    """(overall, [per WITA hour of day]) figures of the answered calls' time to answer."""
    if use_facts():
        return summarise(report.answer_facts(), steps, group_by="hour", rollup=report.rollup("answer"))
    answered = report.pbx_calls().filter(answered_at__isnull=False).annotate(hour=local_part("hour", "offered_at"))
    return summarise(answered, steps, group_by="hour")


def callcenter_by_hour(report):
    steps = answer_steps(use_facts())
    columns = [
        ("label", _("Hour (WITA)")), ("offered", _("Offered")), ("answered", _("Answered")), ("abandoned", _("Abandoned")),
        ("abandoned_menu", _("Abandoned in the voice menu")), ("abandoned_queue", _("Abandoned while queued")),
        ("abandoned_pct", _("Abandoned (%)")), ("answer_p50_s", _("Time to answer p50 (s)")), ("answer_p90_s", _("Time to answer p90 (s)")),
    ] + [(f"answer_within{i}_pct", _("Answered within %(seconds)s s (%%)") % {"seconds": s}) for i, (s, _p) in enumerate(settings.REPORTS_ANSWER_TARGETS)]  # fmt: skip
    title = _("Call center: offered, answered and abandoned calls by hour")
    if not pbx_available():
        return Table(key="callcenter_by_hour", title=title, columns=columns, rows=[], note=_("No PBX call records are available yet."))
    counts = _pbx_counts(report)
    overall, groups = _answer_figures(report, steps)
    overall = overall.steps["answer"]
    figures = {g.key: g.steps["answer"] for g in groups}

    def row(hour, found, answer):
        values = {
            "label": hour, "offered": found.get("offered", 0), "answered": found.get("answered", 0), "abandoned": found.get("abandoned", 0),
            "abandoned_menu": found.get("abandoned_menu", 0), "abandoned_queue": found.get("abandoned_queue", 0),
            "abandoned_pct": share(found.get("abandoned", 0), found.get("offered", 0)),
            "answer_p50_s": seconds(answer.p50) if answer else None, "answer_p90_s": seconds(answer.p90) if answer else None,
        }  # fmt: skip
        for index in range(len(settings.REPORTS_ANSWER_TARGETS)):
            within = answer.within_share(index) if answer else None
            values[f"answer_within{index}_pct"] = round(within, 1) if within is not None else None
        return values

    rows = [row(f"{hour:02d}", counts.get(hour, {}), figures.get(hour)) for hour in range(24)]
    total = {k: sum(r[k] for r in rows) for k in PBX_COUNTS}
    rows.insert(0, row(_("All"), total, overall))
    return Table(
        key="callcenter_by_hour",
        title=title,
        columns=columns,
        rows=rows,
        note=_("From the PBX call records. Time to answer runs from leaving the voice menu (queued) to an operator answering; targets: %(targets)s.")
        % {"targets": target_text(steps[0])},
        total_first=True,
    )


# --- everything ----------------------------------------------------------------------------------

TABLES = {
    table.__name__: table
    for table in (
        calls_by_outcome,
        calls_heatmap,
        calls_per_day,
        handling_by_shift,
        handling_by_operator,
        response_by_agency,
        response_by_category,
        response_by_kecamatan,
        response_by_priority,
        callcenter_by_hour,
        incidents_by_kecamatan,
        volunteers_by_kelurahan,
    )
}

SECTIONS = {
    "calls": ("calls_by_outcome", "calls_heatmap", "calls_per_day"),
    "handling": ("handling_by_shift", "handling_by_operator"),
    "response": ("response_by_agency", "response_by_category", "response_by_kecamatan", "response_by_priority"),
    "callcenter": ("callcenter_by_hour",),
    "map": ("incidents_by_kecamatan",),
    "volunteers": ("volunteers_by_kelurahan",),
}


def headline(report, tables):
    """The numbers at the top of the page, from tables already computed."""
    outcome = tables["calls_by_outcome"].extra
    handling = tables["handling_by_shift"].rows[0]
    response = tables["response_by_agency"].rows[0]
    figures = {
        "calls": outcome["total"],
        "prank_silent": outcome["prank_silent"],
        "prank_silent_pct": outcome["prank_silent_pct"],
        **{f"incidents_{k}": v for k, v in incident_counts(report).items()},
        "dispatch_p50_s": handling["dispatched_p50_s"],
        "dispatch_within_pct": handling["dispatched_within0_pct"],
        "ack_p50_s": response["ack_p50_s"],
        "ack_within_pct": response["ack_within0_pct"],
        "ack_missing": response["ack_missing"],
        "on_scene_p50_s": response["on_scene_p50_s"],
    }
    if "callcenter_by_hour" in tables and tables["callcenter_by_hour"].rows:
        centre = tables["callcenter_by_hour"].rows[0]
        figures.update(
            offered=centre["offered"], abandoned=centre["abandoned"], abandoned_pct=centre["abandoned_pct"],
            abandoned_menu=centre["abandoned_menu"], answer_within0_pct=centre["answer_within0_pct"],
        )  # fmt: skip
    return figures


def dashboard(report, sections=None):
    """{"headline": {...}, "tables": {key: Table}} for the chosen sections (default: all)."""
    keys = [key for section in (sections or SECTIONS) for key in SECTIONS[section]]
    tables = {key: TABLES[key](report) for key in keys}
    result = {"tables": tables}
    if {"calls_by_outcome", "handling_by_shift", "response_by_agency"} <= tables.keys():
        result["headline"] = headline(report, tables)
    return result


# --- the incident list behind the figures ----------------------------------------------------------

INCIDENT_COLUMNS = [
    ("reference", gettext_lazy("Reference")), ("created_at", gettext_lazy("Created (WITA)")), ("shift", gettext_lazy("Shift")),
    ("shift_date", gettext_lazy("Shift date")), ("category", gettext_lazy("Category")), ("priority", gettext_lazy("Priority")),
    ("status", gettext_lazy("Status")), ("kecamatan", gettext_lazy("Kecamatan")), ("kelurahan", gettext_lazy("Kelurahan")),
    ("address", gettext_lazy("Address")), ("agencies", gettext_lazy("Agencies")), ("dispatched_at", gettext_lazy("Dispatched")),
    ("first_acknowledged_at", gettext_lazy("First acknowledged")), ("first_on_scene_at", gettext_lazy("First on scene")),
    ("resolved_at", gettext_lazy("Resolved")), ("closed_at", gettext_lazy("Closed")), ("cancelled_at", gettext_lazy("Cancelled")),
    ("created_to_dispatched_s", gettext_lazy("Created → dispatched (s)")), ("dispatched_to_ack_s", gettext_lazy("Dispatched → first acknowledged (s)")),
    ("dispatched_to_on_scene_s", gettext_lazy("Dispatched → first on scene (s)")), ("dispatched_to_resolved_s", gettext_lazy("Dispatched → resolved (s)")),
]  # fmt: skip


def _between(start, end):
    return round((end - start).total_seconds(), 1) if start and end else None


def incident_rows(report):
    """Each incident of the filter, oldest first, as a list in INCIDENT_COLUMNS order (streamed)."""
    from django.db.models import Prefetch

    from incidents.models import Assignment

    language = get_language()
    queryset = (
        report.incidents()
        .select_related("category", "kelurahan__kecamatan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("agency").order_by("id")))
        .order_by("created_at", "id")
    )
    for incident in queryset.iterator(chunk_size=2000):
        kelurahan = incident.kelurahan
        yield [
            incident.reference, incident.created_at, incident.shift, incident.shift_date.isoformat() if incident.shift_date else "",
            incident.category.name_for(language), f"P{incident.priority}", str(IncidentStatus(incident.status).label),
            kelurahan.kecamatan.name if kelurahan else "", kelurahan.name if kelurahan else "", incident.address,
            ", ".join(a.agency.name for a in incident.assignments.all()), incident.dispatched_at, incident.first_acknowledged_at,
            incident.first_on_scene_at, incident.resolved_at, incident.closed_at, incident.cancelled_at,
            _between(incident.created_at, incident.dispatched_at), _between(incident.dispatched_at, incident.first_acknowledged_at),
            _between(incident.dispatched_at, incident.first_on_scene_at), _between(incident.dispatched_at, incident.resolved_at),
        ]  # fmt: skip
