"""How each table is shown on the page: its chart, its legend and its cells (the CSV and the API
carry the raw figures; the page formats them)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import charts
from reports.charts import human_seconds

HIDDEN_COLUMNS = {"key", "weekday", "outcome", "code", "latitude", "longitude"}

SECTION_TITLES = {
    "calls": gettext_lazy("Call volume"),
    "handling": gettext_lazy("Call handling"),
    "response": gettext_lazy("Response"),
    "callcenter": gettext_lazy("Call center"),
    "map": gettext_lazy("Map"),
    "volunteers": gettext_lazy("Relawan"),
}


@dataclass
class Chart:
    svg: str
    legend: list  # [(css class, label)]


def _handling(table):
    target = settings.REPORTS_DISPATCH_TARGET_SECONDS
    series = [("dispatched_p50_s", "p50", "s1"), ("dispatched_p90_s", "p90", "s2")]
    return Chart(
        charts.hbars(table.rows, series, _("Call answered → dispatched"), target=target),
        [("s1", "p50"), ("s2", "p90"), ("target", _("target %(seconds)s s") % {"seconds": target})],
    )


def _ack_within(table):
    percent = settings.REPORTS_ACK_TARGET_PERCENT
    return Chart(
        charts.hbars(table.rows, [("ack_within0_pct", _("acknowledged within target"), "s1")], _("Acknowledged within target"), target=percent, percent=True),
        [("s1", _("acknowledged within the priority's target (%)")), ("target", _("target %(percent)s %%") % {"percent": percent})],
    )


def _on_scene(table):
    series = [("on_scene_p50_s", "p50", "s1"), ("on_scene_p90_s", "p90", "s2")]
    return Chart(charts.hbars(table.rows, series, _("Dispatch → on scene")), [("s1", _("dispatch → on scene p50")), ("s2", "p90")])


def _outcomes(table):
    return Chart(charts.hbars(table.rows, [("calls", _("Calls"), "s1")], str(table.title)), [])


def _heatmap(table):
    return Chart(charts.heatmap(table), [("hm", _("darker: more calls"))])


def _per_day(table):
    series = [("calls", _("Calls"), "s1"), ("emergency", _("Emergency"), "s2"), ("prank_silent", _("Prank + silent"), "s3")]
    return Chart(charts.line(table.rows, "date", series, str(table.title)), [(css, label) for _k, label, css in series])


def _callcenter(table):
    series = [("answered", _("Answered"), "s-ok"), ("abandoned_queue", _("Abandoned while queued"), "s-warn"),
              ("abandoned_menu", _("Abandoned in the voice menu"), "s-danger")]  # fmt: skip
    return Chart(charts.columns(table.rows[1:], series, str(table.title)), [(css, label) for _k, label, css in series])


def _kecamatan(table):
    rows = sorted(table.rows, key=lambda r: -r["incidents"])
    return Chart(charts.hbars(rows, [("incidents", _("Incidents"), "s1"), ("p1", "P1", "s-danger")], str(table.title), limit=30),
                 [("s1", _("Incidents")), ("s-danger", "P1")])  # fmt: skip


def _volunteers(table):
    percent_chart = charts.hbars(table.rows, [("accepted_pct", _("Acceptance (%)"), "s1")], str(table.title), percent=True)
    return Chart(percent_chart, [("s1", _("activations accepted (%)"))])


CHARTS = {
    "calls_by_outcome": _outcomes,
    "calls_heatmap": _heatmap,
    "calls_per_day": _per_day,
    "handling_by_shift": _handling,
    "handling_by_operator": _handling,
    "response_by_agency": _ack_within,
    "response_by_category": _on_scene,
    "response_by_kecamatan": _on_scene,
    "response_by_priority": _on_scene,
    "callcenter_by_hour": _callcenter,
    "incidents_by_kecamatan": _kecamatan,
    "volunteers_by_kelurahan": _volunteers,
}


def cell(key, value):
    if value is None:
        return "—"
    if key.endswith("_s"):
        return human_seconds(value)
    if key.endswith("_pct"):
        return f"{value:g} %"
    return str(value)


SUB_HEADERS = (("_p50_s", "p50"), ("_p90_s", "p90"), ("_within0_pct", gettext_lazy("in target")), ("_within1_pct", gettext_lazy("in target 2")),
               ("_missing", gettext_lazy("missing")))  # fmt: skip


def page_table(table):
    """Headers and formatted rows; the "measured" counts stay in the CSV (total − missing).
    Duration tables get two header rows: the step, then p50 / p90 / in target / missing."""
    columns = [(key, label) for key, label in table.columns if key not in HIDDEN_COLUMNS and not key.endswith("_measured")]
    groups, short = [], {}
    steps = table.extra.get("steps")
    if steps:
        by_key = {key for key, _label in columns}
        groups = [("", 2)]
        for step in steps:
            keys = [(step["key"] + suffix, label) for suffix, label in SUB_HEADERS if step["key"] + suffix in by_key]
            groups.append((step["label"], len(keys)))
            short.update({key: str(label) for key, label in keys})
    return {
        "groups": groups,
        "headers": [short.get(key, str(label)) for key, label in columns],
        "rows": [[cell(key, row.get(key)) for key, _label in columns] for row in table.rows],
    }


def present(table):
    chart = CHARTS[table.key](table)
    return {"table": table, "chart": chart, "cells": page_table(table)}


def _percent(value):
    return "—" if value is None else f"{value:g} %"


def _state(value, target):
    if value is None:
        return ""
    return "ok" if value >= target else "bad"


def _unless_missing(state, missing):
    """The share within target is of the measured steps: with some never recorded (an assignment
    never acknowledged), it cannot show the target as met."""
    return "warn" if state == "ok" and missing else state


def headline_tiles(headline):
    """(label, value, detail, state) for the top of the page; state compares with the target."""
    dispatch_target = settings.REPORTS_DISPATCH_TARGET_PERCENT
    ack_target = settings.REPORTS_ACK_TARGET_PERCENT
    tiles = [
        (_("Calls"), str(headline["calls"]), "", ""),
        (_("Prank + silent calls"), _percent(headline["prank_silent_pct"]), _("%(count)s calls") % {"count": headline["prank_silent"]}, "warn" if (headline["prank_silent_pct"] or 0) >= 30 else ""),
        (_("Incidents"), str(headline["incidents_total"]),
         _("%(cancelled)s cancelled, %(waiting)s not dispatched") % {"cancelled": headline["incidents_cancelled"], "waiting": headline["incidents_not_dispatched"]}, ""),
        (_("Answer → dispatch within %(seconds)s s") % {"seconds": settings.REPORTS_DISPATCH_TARGET_SECONDS}, _percent(headline["dispatch_within_pct"]),
         _("target %(percent)s %%, p50 %(p50)s") % {"percent": dispatch_target, "p50": human_seconds(headline["dispatch_p50_s"])},
         _state(headline["dispatch_within_pct"], dispatch_target)),
        (_("Acknowledged within target"), _percent(headline["ack_within_pct"]),
         _("target %(percent)s %%, p50 %(p50)s, %(missing)s missing") % {"percent": ack_target, "p50": human_seconds(headline["ack_p50_s"]), "missing": headline["ack_missing"]},
         _unless_missing(_state(headline["ack_within_pct"], ack_target), headline["ack_missing"])),
        (_("Dispatch → on scene (p50)"), human_seconds(headline["on_scene_p50_s"]), "", ""),
    ]  # fmt: skip
    if headline.get("offered"):
        answer_seconds, answer_percent = settings.REPORTS_ANSWER_TARGETS[0]
        tiles += [
            (_("Abandoned calls"), _percent(headline["abandoned_pct"]),
             _("%(abandoned)s of %(offered)s offered, %(menu)s in the voice menu") % {"abandoned": headline["abandoned"], "offered": headline["offered"], "menu": headline["abandoned_menu"]}, ""),
            (_("Answered within %(seconds)s s") % {"seconds": answer_seconds}, _percent(headline["answer_within0_pct"]),
             _("target %(percent)s %%") % {"percent": answer_percent}, _state(headline["answer_within0_pct"], answer_percent)),
        ]  # fmt: skip
    return tiles
