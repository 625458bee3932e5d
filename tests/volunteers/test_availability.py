"""Weekly availability in WITA, windows past midnight included, as coordinators write it."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from tests.volunteers.support import wita
from volunteers.availability import Window, availability_at, format_windows, parse_windows


def test_a_coordinators_line_reads_as_windows_in_wita():
    windows = parse_windows("Sen-Jum 18:00-22:00; Sab 22.00 - 06.00")
    assert windows == [Window(d, time(18), time(22)) for d in range(5)] + [Window(5, time(22), time(6))]


def test_english_days_ranges_lists_and_every_day_are_understood():
    assert parse_windows("mon,wed 08:00-12:00") == [Window(0, time(8), time(12)), Window(2, time(8), time(12))]
    assert len(parse_windows("setiap hari 06:00-18:00")) == 7
    assert parse_windows("Sab-Sen 20:00-24:00") == [Window(0, time(20), time(0)), Window(5, time(20), time(0)), Window(6, time(20), time(0))]
    assert parse_windows("selalu") == []


@pytest.mark.parametrize(
    ("text", "named"),
    [("Senen 08:00-12:00", "Senen"), ("Sen 25:00-26:00", "25:00"), ("Sen pagi", "Sen pagi"), ("Sen 08:00", "Sen 08:00")],
)
def test_a_bad_window_is_refused_naming_the_bad_part(text, named):
    with pytest.raises(ValidationError) as error:
        parse_windows(text)
    assert named in error.value.messages[0]


def test_written_back_grouped_and_parsed_again_the_same():
    windows = parse_windows("Sen-Jum 18:00-22:00; Sab 22:00-06:00; Min 07:00-12:00")
    text = format_windows(windows)
    assert text == "Sen-Jum 18:00-22:00; Sab 22:00-06:00; Min 07:00-12:00"
    assert parse_windows(text) == windows


def test_a_window_past_midnight_covers_the_small_hours_of_the_next_day():
    friday_night = parse_windows("Jum 22:00-06:00")
    # Friday 27 November 2026.
    assert not availability_at(always=False, windows=friday_night, moment=wita(2026, 11, 27, 21, 59)).available
    assert availability_at(always=False, windows=friday_night, moment=wita(2026, 11, 27, 22, 0)).available
    at_two = availability_at(always=False, windows=friday_night, moment=wita(2026, 11, 28, 2, 0))
    assert at_two.available and at_two.until == wita(2026, 11, 28, 6, 0)
    later = availability_at(always=False, windows=friday_night, moment=wita(2026, 11, 28, 6, 0))
    assert not later.available and later.next_from == wita(2026, 12, 4, 22, 0)


def test_a_sunday_night_window_runs_into_monday_across_the_week_boundary():
    sunday_night = parse_windows("Min 22:00-02:00")
    assert availability_at(always=False, windows=sunday_night, moment=wita(2026, 11, 30, 1, 30)).available  # Monday 01:30
    assert not availability_at(always=False, windows=sunday_night, moment=wita(2026, 11, 30, 2, 0)).available


def test_touching_windows_make_one_stretch():
    windows = parse_windows("Sen 18:00-00:00; Sel 00:00-06:00")
    now = availability_at(always=False, windows=windows, moment=wita(2026, 11, 30, 20, 0))
    assert now.available and now.until == wita(2026, 12, 1, 6, 0)


def test_always_is_always():
    assert availability_at(always=True, windows=[], moment=wita(2026, 11, 29, 3, 0)).available
