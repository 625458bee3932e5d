"""Every figure of the fixed day (tests/reports/conftest.py) against values worked out by hand.

Percentiles are PostgreSQL's percentile_cont: the value at position p·(n−1) of the sorted list,
interpolated linearly. The same numbers are expected embedded (computed in Python) and on
PostgreSQL (computed in SQL).

Response, per assignment of the day's incidents that were not cancelled (I1 Damkar, I1 PSC, I2 Damkar):
  acknowledged  60 (P1, target 120 s: in), 200 (P1: late), 600 (P3, target 900 s: in)
                → p50 200, p90 200 + 0.8·400 = 520, within 2 of 3 = 66.7 %
  en route      90, —, 840 (PSC skipped it)          → p50 465, p90 90 + 0.9·750 = 765, 1 missing
  on scene      600, 900, 2940 (after midnight)      → p50 900, p90 900 + 0.8·2040 = 2532
  resolved      3600, 3600, — (I2 still on scene)    → p50 = p90 = 3600, 1 missing
Handling, per emergency call that opened an incident (I1, I2, I3; I4 is cancelled):
  call → created   40, 60, 65     → p50 60, p90 60 + 0.8·5 = 64
  answer → dispatch 60 (in target, ≤ 60 s), 110, — (I3 never dispatched)
                   → p50 85, p90 60 + 0.9·50 = 105, 1 of 2 within = 50 %, 1 missing
"""

import pytest
from django.utils import translation

from reports.filters import parse_filter
from reports.selectors import TABLES, dashboard, incident_counts
from tests.reports.conftest import DAY_PARAMS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=[True, False], ids=["facts", "live"])
def facts_or_live(request, settings):
    # The same hand-computed figures from the report facts and from the live incident tables.
    settings.REPORTS_FACTS = request.param


@pytest.fixture(autouse=True)
def english():
    # Rows are found by their labels ("All", "Tue"), which follow the language.
    with translation.override("en"):
        yield


def table(name, **params):
    report, errors = parse_filter({**DAY_PARAMS, **params})
    assert errors is None, errors
    return TABLES[name](report)


def row(found, label):
    return next(r for r in found.rows if r["label"] == label)


def test_response_percentiles_and_share_within_target_match_the_hand_computed_values(dataset):
    everything = row(table("response_by_agency"), "All")

    assert everything["total"] == 3
    assert (everything["ack_p50_s"], everything["ack_p90_s"], everything["ack_within0_pct"]) == (200.0, 520.0, 66.7)
    assert (everything["en_route_p50_s"], everything["en_route_p90_s"]) == (465.0, 765.0)
    assert (everything["en_route_measured"], everything["en_route_missing"]) == (2, 1)
    assert (everything["on_scene_p50_s"], everything["on_scene_p90_s"], everything["on_scene_missing"]) == (900.0, 2532.0, 0)
    assert (everything["resolved_p50_s"], everything["resolved_p90_s"], everything["resolved_missing"]) == (3600.0, 3600.0, 1)


def test_response_by_agency_splits_each_agencys_own_steps(dataset):
    found = table("response_by_agency")
    damkar, psc = row(found, "Damkar Uji"), row(found, "PSC Uji")

    assert (damkar["total"], damkar["ack_p50_s"], damkar["ack_p90_s"], damkar["ack_within0_pct"]) == (2, 330.0, 546.0, 100.0)
    assert (psc["total"], psc["ack_p50_s"], psc["ack_within0_pct"], psc["en_route_missing"]) == (1, 200.0, 0.0, 1)
    assert [r["label"] for r in found.rows] == ["All", "Damkar Uji", "PSC Uji"]


def test_response_by_priority_uses_each_prioritys_acknowledgement_target(dataset):
    found = table("response_by_priority")

    assert row(found, "P1")["ack_within0_pct"] == 50.0  # 60 s in, 200 s over the 120 s of P1
    assert row(found, "P3")["ack_within0_pct"] == 100.0  # 600 s within the 900 s of P3


def test_response_by_kecamatan_and_category(dataset):
    by_kecamatan = table("response_by_kecamatan")
    by_category = table("response_by_category")

    assert (row(by_kecamatan, "Alpha")["total"], row(by_kecamatan, "Beta")["total"]) == (2, 1)
    assert row(by_kecamatan, "Beta")["on_scene_p50_s"] == 2940.0
    assert row(by_category, "Test flood")["ack_p50_s"] == 600.0


def test_cancelled_incidents_are_left_out_of_durations_and_counted_apart(dataset):
    report, _ = parse_filter(DAY_PARAMS)

    assert incident_counts(report) == {"total": 4, "cancelled": 1, "not_dispatched": 1, "resolved": 1}
    assert "Cancelled" in table("response_by_agency").note


def test_call_handling_counts_the_undispatched_incident_as_missing(dataset):
    everything = row(table("handling_by_shift"), "All")

    assert (everything["created_p50_s"], everything["created_p90_s"]) == (60.0, 64.0)
    assert (everything["dispatched_p50_s"], everything["dispatched_p90_s"]) == (85.0, 105.0)
    assert (everything["dispatched_within0_pct"], everything["dispatched_measured"], everything["dispatched_missing"]) == (50.0, 2, 1)


def test_the_night_shift_across_midnight_is_one_shift(dataset):
    found = table("handling_by_shift")
    malam, pagi = row(found, "Malam"), row(found, "Pagi")

    # 23:29 on the day and 00:03:55 the same WITA day, of the night shifts of the 10th and the 9th.
    assert (malam["total"], malam["created_p50_s"], malam["created_p90_s"]) == (2, 62.5, 64.5)
    assert (malam["dispatched_measured"], malam["dispatched_missing"], malam["dispatched_within0_pct"]) == (1, 1, 0.0)
    assert (pagi["total"], pagi["dispatched_p50_s"], pagi["dispatched_within0_pct"]) == (1, 60.0, 100.0)


def test_handling_per_operator(dataset):
    found = table("handling_by_operator")

    assert (row(found, "Ana")["total"], row(found, "Budi")["total"]) == (1, 2)


def test_call_volume_by_outcome_with_the_prank_and_silent_share(dataset):
    found = table("calls_by_outcome")
    counts = {r["outcome"]: r["calls"] for r in found.rows}

    assert counts == {"emergency": 4, "prank": 2, "silent": 1, "info": 1, "test": 0, "duplicate": 0}
    assert (found.extra["total"], found.extra["prank_silent"], found.extra["prank_silent_pct"]) == (8, 3, 37.5)


def test_the_heatmap_puts_calls_in_their_wita_hour_and_weekday(dataset):
    found = table("calls_heatmap")
    tuesday = row(found, "Tue")

    # 00:03:55 WITA is 16:03:55 on Monday in UTC: it belongs to Tuesday, hour 00.
    assert {h: tuesday[h] for h in ("h00", "h03", "h09", "h10", "h11", "h16", "h23")} == {
        "h00": 1, "h03": 1, "h09": 1, "h10": 2, "h11": 1, "h16": 1, "h23": 1
    }  # fmt: skip
    assert tuesday["total"] == 8
    assert sum(r["total"] for r in found.rows) == 8


def test_calls_per_day_covers_the_wita_day_only(dataset):
    found = table("calls_per_day")

    assert found.rows == [{"date": "2026-03-10", "calls": 8, "emergency": 4, "prank_silent": 3}]


def test_incidents_per_kecamatan_for_the_map(dataset):
    found = table("incidents_by_kecamatan")

    assert {(r["label"], r["incidents"], r["p1"], r["cancelled"]) for r in found.rows} == {("Alpha", 2, 2, 0), ("Beta", 2, 1, 1)}
    assert row(found, "Alpha")["latitude"] == -0.5


def test_volunteer_acceptance_and_arrival(volunteer_activations):
    everything = row(table("volunteers_by_kelurahan"), "All")
    alpha = row(table("volunteers_by_kelurahan"), "Alpha Satu")

    assert (everything["sent"], everything["accepted"], everything["declined"], everything["accepted_pct"]) == (2, 1, 1, 50.0)
    assert (alpha["arrival_p50_s"], alpha["arrived"], alpha["arrival_missing"]) == (600.0, 1, 1)


def test_call_center_offered_answered_abandoned_and_time_to_answer(pbx_calls):
    found = table("callcenter_by_hour")
    everything, ten, eleven_pm = found.rows[0], row(found, "All"), None

    assert everything is ten
    assert (everything["offered"], everything["answered"], everything["abandoned"], everything["abandoned_pct"]) == (5, 3, 2, 40.0)
    assert (everything["abandoned_menu"], everything["abandoned_queue"]) == (1, 1)
    # Queued → answered: 10, 18, 25 s.
    assert (everything["answer_p50_s"], everything["answer_p90_s"]) == (18.0, 23.6)
    assert (everything["answer_within0_pct"], everything["answer_within1_pct"]) == (33.3, 66.7)
    hours = {r["label"]: r for r in found.rows[1:]}
    eleven_pm = hours["23"]
    assert (hours["10"]["offered"], hours["10"]["answered"], hours["10"]["abandoned_menu"]) == (4, 3, 1)
    assert (eleven_pm["offered"], eleven_pm["abandoned_queue"], eleven_pm["answer_p50_s"]) == (1, 1, None)


def test_the_dashboard_headline(pbx_calls):
    report, _ = parse_filter(DAY_PARAMS)
    headline = dashboard(report)["headline"]

    assert (headline["calls"], headline["prank_silent_pct"], headline["incidents_total"], headline["incidents_cancelled"]) == (8, 37.5, 4, 1)
    assert (headline["ack_p50_s"], headline["ack_within_pct"], headline["dispatch_within_pct"]) == (200.0, 66.7, 50.0)
    assert (headline["offered"], headline["abandoned_menu"]) == (5, 1)


def test_the_acknowledgement_tile_does_not_show_the_target_met_while_some_were_never_acknowledged():
    from reports.presentation import headline_tiles

    base = {
        "calls": 10, "prank_silent_pct": 10.0, "prank_silent": 1, "incidents_total": 3, "incidents_cancelled": 0, "incidents_not_dispatched": 0,
        "dispatch_within_pct": 95.0, "dispatch_p50_s": 40.0, "ack_within_pct": 100.0, "ack_p50_s": 60.0, "ack_missing": 0, "on_scene_p50_s": 900.0,
    }  # fmt: skip

    def ack_state(**changes):
        tiles = headline_tiles({**base, **changes})
        return next(state for label, _value, _detail, state in tiles if str(label) == "Acknowledged within target")

    assert ack_state() == "ok"
    assert ack_state(ack_missing=2) == "warn", "100 % of the measured ones, but 2 were never acknowledged"
    assert ack_state(ack_within_pct=50.0, ack_missing=2) == "bad"
    assert ack_state(ack_within_pct=None, ack_missing=2) == ""
