"""Which shift a moment belongs to: the boundaries to the second, the night shift across midnight,
month end and year end, and the date the night shift belongs to — in Python and in SQL."""

from datetime import date, datetime, time, timezone as dt_timezone

import pytest
from django.db.models import Count

from dispatch112 import clock
from dispatch112.models import Event
from shifts.models import ShiftType
from shifts.selectors import on_duty, shift_at, shift_stamp, with_shift
from shifts.services import shift_type_save
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db

BOUNDARIES = [
    # moment (WITA), shift, the date it belongs to
    (wita(2026, 11, 27, 6, 59, 59), "malam", date(2026, 11, 26)),
    (wita(2026, 11, 27, 7, 0, 0), "pagi", date(2026, 11, 27)),
    (wita(2026, 11, 27, 14, 59, 59), "pagi", date(2026, 11, 27)),
    (wita(2026, 11, 27, 15, 0, 0), "siang", date(2026, 11, 27)),
    (wita(2026, 11, 27, 22, 59, 59), "siang", date(2026, 11, 27)),
    (wita(2026, 11, 27, 23, 0, 0), "malam", date(2026, 11, 27)),
    (wita(2026, 11, 27, 23, 59, 59), "malam", date(2026, 11, 27)),
    (wita(2026, 11, 28, 0, 0, 0), "malam", date(2026, 11, 27)),
    (wita(2026, 11, 28, 3, 0, 0), "malam", date(2026, 11, 27)),
    # Across the month end and the year end, the night still belongs to the day it started.
    (wita(2026, 12, 1, 2, 30), "malam", date(2026, 11, 30)),
    (wita(2027, 1, 1, 0, 0, 1), "malam", date(2026, 12, 31)),
    (wita(2026, 3, 1, 6, 0), "malam", date(2026, 2, 28)),
    (wita(2028, 3, 1, 6, 0), "malam", date(2028, 2, 29)),
]


@pytest.mark.parametrize(("moment", "code", "day"), BOUNDARIES, ids=lambda v: str(v))
def test_a_moment_belongs_to_one_shift_and_its_date(shift_types, moment, code, day):
    slot = shift_at(moment)

    assert (slot.shift_type.code, slot.date) == (code, day)
    assert slot.starts_at <= moment < slot.ends_at
    assert shift_stamp(moment) == {"shift": code, "shift_date": day}


def test_a_call_at_225959_is_siang_and_at_230000_is_malam(shift_types):
    assert shift_stamp(wita(2026, 11, 27, 22, 59, 59))["shift"] == "siang"
    assert shift_stamp(wita(2026, 11, 27, 23, 0, 0))["shift"] == "malam"


def test_the_same_moment_in_utc_gives_the_same_shift(shift_types):
    # 23:00 WITA is 15:00 UTC: the zone of the datetime must not matter.
    utc = datetime(2026, 11, 27, 15, 0, tzinfo=dt_timezone.utc)

    assert shift_stamp(utc) == {"shift": "malam", "shift_date": date(2026, 11, 27)}
    assert shift_stamp(datetime(2026, 11, 27, 14, 59, 59, tzinfo=dt_timezone.utc))["shift"] == "siang"


def test_night_shift_runs_from_2300_to_0700_next_day(malam):
    start, end = malam.interval(date(2026, 1, 31))

    assert (start, end) == (wita(2026, 1, 31, 23), wita(2026, 2, 1, 7))
    assert malam.crosses_midnight
    assert malam.duration.total_seconds() == 8 * 3600


def test_a_naive_moment_is_refused(shift_types):
    with pytest.raises(ValueError):
        shift_at(datetime(2026, 11, 27, 12, 0))


def test_no_shift_covers_a_moment_outside_every_shift_type(shift_types):
    malam = shift_types["malam"]
    malam.active = False
    malam.save()

    assert shift_at(wita(2026, 11, 28, 2, 0)) is None
    assert shift_stamp(wita(2026, 11, 28, 2, 0)) == {"shift": "", "shift_date": None}


def test_changed_shift_times_move_the_boundary(shift_types):
    # A center that runs 06–14, 14–22, 22–06: the boundaries follow the configuration.
    for code, start, end in (("malam", time(22), time(6)), ("siang", time(14), time(22)), ("pagi", time(6), time(14))):
        shift_type = ShiftType.objects.get(code=code)
        shift_type.starts_at, shift_type.ends_at = start, end
        shift_type.active = False  # free the old times first, as an admin edits one at a time
        shift_type.save()
    for shift_type in ShiftType.objects.all():
        shift_type.active = True
        shift_type_save(shift_type=shift_type)

    assert shift_stamp(wita(2026, 11, 27, 21, 59, 59))["shift"] == "siang"
    assert shift_stamp(wita(2026, 11, 27, 22, 0))["shift"] == "malam"
    assert shift_stamp(wita(2026, 11, 28, 5, 59))["shift_date"] == date(2026, 11, 27)


def test_on_duty_uses_the_frozen_clock(shift_types):
    with clock.travel_to(wita(2026, 12, 1, 2, 30)):
        result = on_duty()

    assert (result.slot.shift_type.code, result.slot.date) == ("malam", date(2026, 11, 30))
    assert (result.next_slot.shift_type.code, result.next_slot.date) == ("pagi", date(2026, 12, 1))


def test_with_shift_annotates_rows_in_sql_like_shift_at(shift_types):
    moments = [moment for moment, _code, _day in BOUNDARIES]
    for moment in moments:
        Event.objects.create(kind="test.moment", audience="console", created_at=moment)

    rows = list(with_shift(Event.objects.filter(kind="test.moment"), "created_at").order_by("created_at"))

    assert [(row.shift, row.shift_date) for row in rows] == [(code, day) for _m, code, day in sorted(BOUNDARIES)]


def test_with_shift_counts_per_shift_for_a_report(shift_types):
    for moment in (wita(2026, 11, 30, 23, 10), wita(2026, 12, 1, 1, 0), wita(2026, 12, 1, 6, 59, 59), wita(2026, 12, 1, 7, 0)):
        Event.objects.create(kind="test.call", audience="console", created_at=moment)

    per_shift = (
        with_shift(Event.objects.filter(kind="test.call"), "created_at")
        .values("shift_date", "shift")
        .annotate(calls=Count("id"))
        .order_by("shift_date", "shift")
    )

    assert list(per_shift) == [
        {"shift_date": date(2026, 11, 30), "shift": "malam", "calls": 3},
        {"shift_date": date(2026, 12, 1), "shift": "pagi", "calls": 1},
    ]
