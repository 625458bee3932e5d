"""The one filter: periods in WITA days, the kecamatan/category/agency/priority choices applied to
every figure, and bad input named by its field."""

from datetime import datetime, timedelta

import pytest
from django.utils import translation

from reports.filters import parse_filter
from reports.selectors import TABLES, incident_counts
from tests.reports.conftest import DAY_PARAMS, WITA, at

pytestmark = pytest.mark.django_db


def figures(**params):
    report, errors = parse_filter({**DAY_PARAMS, **params})
    assert errors is None, errors
    with translation.override("en"):
        return report, {name: TABLES[name](report) for name in ("calls_by_outcome", "response_by_agency", "incidents_by_kecamatan")}


def everything(table):
    return table.rows[0]


@pytest.mark.parametrize(
    ("period", "now", "start", "end"),
    [
        # 00:30 WITA on 10 March is still 9 March in UTC: "today" is the WITA day.
        ("today", at(0, 30), at(0, 0), at(0, 0) + timedelta(days=1)),
        ("7d", at(0, 30), at(0, 0) - timedelta(days=6), at(0, 0) + timedelta(days=1)),
        ("30d", at(0, 30), at(0, 0) - timedelta(days=29), at(0, 0) + timedelta(days=1)),
        ("year", at(0, 30), datetime(2026, 1, 1, tzinfo=WITA), at(0, 0) + timedelta(days=1)),
        # The night shift of 9 March runs 23:00 – 07:00 across midnight.
        ("shift", at(0, 30), at(23, 0) - timedelta(days=1), at(7, 0)),
        ("shift", at(15, 0), at(15, 0), at(23, 0)),
    ],
)
def test_periods_are_wita_days_and_shifts(period, now, start, end):
    report, errors = parse_filter({"period": period}, now=now)

    assert errors is None
    assert (report.start, report.end) == (start, end)


def test_a_custom_range_includes_its_last_day():
    report, _ = parse_filter({"period": "custom", "from": "2026-03-01", "to": "2026-03-10"})

    assert (report.start, report.end) == (datetime(2026, 3, 1, tzinfo=WITA), datetime(2026, 3, 11, tzinfo=WITA))
    assert len(list(report.days())) == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "custom", "from": "2026-03-10"}, "to"),
        ({"period": "custom", "from": "2026-03-10", "to": "2026-03-01"}, "to"),
        ({"period": "custom", "from": "2026-13-45", "to": "2026-03-11"}, "from"),
        ({"priority": "9"}, "priority"),
        ({"kecamatan": "999999"}, "kecamatan"),
        ({"agency": "x"}, "agency"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(db, params, field):
    report, errors = parse_filter(params)

    assert report is None
    assert field in errors


def test_a_kecamatan_narrows_calls_incidents_responses_and_the_map(dataset):
    report, tables = figures(kecamatan=dataset.kecamatan["a"].pk)

    # Only the calls about Alpha's incidents (I1, I3): prank calls have no kecamatan.
    assert tables["calls_by_outcome"].extra["total"] == 2
    assert tables["calls_by_outcome"].extra["prank_silent"] == 0
    assert "prank" in tables["calls_by_outcome"].note
    assert everything(tables["response_by_agency"])["total"] == 2
    assert everything(tables["response_by_agency"])["ack_p50_s"] == 130.0  # 60 and 200
    assert [r["label"] for r in tables["incidents_by_kecamatan"].rows] == ["Alpha"]
    assert incident_counts(report)["total"] == 2


def test_a_category_narrows_everything(dataset):
    report, tables = figures(category=dataset.categories["flood"].pk)

    assert incident_counts(report)["total"] == 1
    assert everything(tables["response_by_agency"])["ack_p50_s"] == 600.0
    assert tables["calls_by_outcome"].extra["total"] == 1


def test_an_agency_keeps_its_own_assignments_and_the_incidents_it_served(dataset):
    report, tables = figures(agency=dataset.agencies["psc"].pk)

    response = tables["response_by_agency"]
    assert [r["label"] for r in response.rows] == ["All", "PSC Uji"]
    assert everything(response)["ack_p50_s"] == 200.0
    assert incident_counts(report)["total"] == 1  # I1 only
    assert tables["calls_by_outcome"].extra["total"] == 1


def test_a_priority_narrows_everything(dataset):
    report, tables = figures(priority="3")

    assert incident_counts(report)["total"] == 1
    assert everything(tables["response_by_agency"])["ack_within0_pct"] == 100.0


def test_no_filter_has_no_calls_note(dataset):
    _, tables = figures()

    assert tables["calls_by_outcome"].note == ""
