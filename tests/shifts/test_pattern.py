"""Rotating patterns and copying a week: what they roster, that they respect the rules all or
nothing, and that running them twice changes nothing."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from shifts.models import Duty, RosterEntry
from shifts.services import parse_pattern, roster_add, roster_copy_week, roster_generate_pattern

pytestmark = pytest.mark.django_db

PATTERN = "pagi-pagi-siang-siang-malam-malam-libur-libur"
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def codes(steps):
    return [step.code if step else None for step in steps]


def test_pattern_steps_are_codes_names_initials_and_libur(shift_types):
    assert codes(parse_pattern(PATTERN)) == ["pagi", "pagi", "siang", "siang", "malam", "malam", None, None]
    assert codes(parse_pattern("P P S S M M L L")) == ["pagi", "pagi", "siang", "siang", "malam", "malam", None, None]
    assert codes(parse_pattern("Pagi, Siang / malam, off")) == ["pagi", "siang", "malam", None]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "Write the pattern"),
        ("pagi-sore-malam", "Unknown step “sore” in the pattern: use pagi, siang, malam or libur."),
        ("libur-libur", "The pattern has no working day."),
        ("-".join(["pagi"] * 63), "At most 62 days"),
    ],
)
def test_a_bad_pattern_is_refused_naming_the_field(shift_types, pattern, message):
    with pytest.raises(ValidationError) as excinfo:
        parse_pattern(pattern)

    assert list(excinfo.value.message_dict) == ["pattern"]
    assert message in excinfo.value.message_dict["pattern"][0]


def test_one_person_follows_the_pattern_day_by_day(shift_types, operator):
    result = roster_generate_pattern(users=[operator], pattern=PATTERN, start=date(2026, 11, 1), end=date(2026, 11, 10), by=None)

    rostered = {e.date: e.shift_type.code for e in RosterEntry.objects.filter(user=operator).select_related("shift_type")}
    assert rostered == {
        date(2026, 11, 1): "pagi",
        date(2026, 11, 2): "pagi",
        date(2026, 11, 3): "siang",
        date(2026, 11, 4): "siang",
        date(2026, 11, 5): "malam",
        date(2026, 11, 6): "malam",
        # 7 and 8: libur
        date(2026, 11, 9): "pagi",
        date(2026, 11, 10): "pagi",
    }
    assert len(result.entries) == 8
    assert all(e.duty == Duty.OPERATOR for e in result.entries)


def test_four_people_staggered_by_two_days_cover_every_shift_of_the_month(shift_types, operator, operator2, operator3, supervisor):
    team = [operator, supervisor, operator2, operator3]

    result = roster_generate_pattern(users=team, pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], stagger_days=2, by=None)

    per_slot = Counter((e.date, e.shift_type.code) for e in RosterEntry.objects.select_related("shift_type"))
    assert len(per_slot) == 30 * 3
    assert set(per_slot.values()) == {1}
    # Each person's duty comes from their role when none is given.
    assert {e.user.username: e.duty for e in result.entries} == {
        "budi": Duty.OPERATOR, "sari": Duty.SUPERVISOR, "rina": Duty.OPERATOR, "yusuf": Duty.OPERATOR,
    }
    # The pattern itself respects the 8 h rest: every person's shifts are at least 8 h apart.
    for person in team:
        entries = list(RosterEntry.objects.filter(user=person).order_by("starts_at"))
        gaps = [(b.starts_at - a.ends_at).total_seconds() / 3600 for a, b in zip(entries, entries[1:])]
        assert min(gaps) >= 8
    # Understaffing (one person per shift; the minimum is 2 operators + 1 supervisor) is reported.
    assert result.warnings[:2] == [
        "Pagi, Sun 1 Nov 2026 is below minimum staffing: 1 operator short, no supervisor.",
        "Siang, Sun 1 Nov 2026 is below minimum staffing: 2 operators short.",
    ]
    assert result.warnings[-1] == "… and 82 more shifts below minimum staffing."


def test_generating_twice_changes_nothing(shift_types, operator, operator2):
    roster_generate_pattern(users=[operator, operator2], pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], stagger_days=4, by=None)
    before = RosterEntry.objects.count()

    again = roster_generate_pattern(users=[operator, operator2], pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], stagger_days=4, by=None)

    assert again.entries == []
    assert again.skipped == before
    assert RosterEntry.objects.count() == before


def test_a_conflict_refuses_the_whole_generation_and_lists_every_problem(shift_types, operator, operator2, operator3):
    # Budi already works the night of 1 November (the pattern has him on pagi on the 2nd), and Rina
    # the afternoon of the 2nd (the pattern has her on pagi that morning).
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 1), user=operator, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["siang"], date=date(2026, 11, 2), user=operator2, duty=Duty.OPERATOR, by=None)

    with pytest.raises(ValidationError) as excinfo:
        roster_generate_pattern(users=[operator, operator2, operator3], pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], by=None)

    problems = excinfo.value.message_dict["users"]
    assert list(excinfo.value.message_dict) == ["users"]
    assert any(p.startswith("Budi Operator would rest only 0 h after Malam, Sun 1 Nov 2026 (23:00–07:00)") for p in problems)
    assert any(p.startswith("Rina Operator would rest only 0 h before Siang, Mon 2 Nov 2026 (15:00–23:00)") for p in problems)
    # All or nothing: not even Yusuf's month was written.
    assert RosterEntry.objects.count() == 2


def test_replace_clears_the_peoples_entries_in_the_period_first(shift_types, operator):
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 1), user=operator, duty=Duty.OPERATOR, by=None)
    outside = roster_add(shift_type=shift_types["pagi"], date=date(2026, 12, 5), user=operator, duty=Duty.OPERATOR, by=None).entries[0]

    result = roster_generate_pattern(users=[operator], pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], replace=True, by=None)

    assert result.removed == 1
    assert RosterEntry.objects.get(user=operator, date=date(2026, 11, 1)).shift_type.code == "pagi"
    assert RosterEntry.objects.filter(pk=outside.pk).exists()


def test_an_anchor_continues_the_rotation_into_the_next_month(shift_types, operator):
    anchor = date(2026, 11, 1)
    roster_generate_pattern(users=[operator], pattern=PATTERN, start=date(2026, 11, 1), end=date(2026, 11, 30), anchor=anchor, by=None)

    roster_generate_pattern(users=[operator], pattern=PATTERN, start=date(2026, 12, 1), end=date(2026, 12, 31), anchor=anchor, by=None)

    days = list(RosterEntry.objects.filter(user=operator).order_by("date").select_related("shift_type"))
    for entry in days:
        step = ["pagi", "pagi", "siang", "siang", "malam", "malam", None, None][(entry.date - anchor).days % 8]
        assert entry.shift_type.code == step


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"users": []}, "users"),
        ({"end": date(2026, 10, 31)}, "end"),
        ({"end": date(2027, 12, 31)}, "end"),
        ({"stagger_days": -1}, "stagger_days"),
    ],
)
def test_bad_generation_input_names_the_field(shift_types, operator, kwargs, field):
    arguments = {"users": [operator], "pattern": PATTERN, "start": NOVEMBER[0], "end": NOVEMBER[1], "by": None, **kwargs}

    with pytest.raises(ValidationError) as excinfo:
        roster_generate_pattern(**arguments)

    assert list(excinfo.value.message_dict) == [field]


def test_an_operator_cannot_be_generated_into_supervisor_duty(shift_types, operator):
    with pytest.raises(ValidationError) as excinfo:
        roster_generate_pattern(users=[operator], pattern=PATTERN, start=NOVEMBER[0], end=NOVEMBER[1], duty=Duty.SUPERVISOR, by=None)

    assert "duty" in excinfo.value.message_dict


# --- copy a week ---------------------------------------------------------------------------------

WEEK = date(2026, 11, 2)  # a Monday


def roster_week(shift_types, people):
    # Budi mornings Mon–Fri, Rina nights Mon–Wed, Sari supervises siang on Saturday.
    operator, operator2, supervisor = people
    for offset in range(5):
        roster_add(shift_type=shift_types["pagi"], date=WEEK + timedelta(days=offset), user=operator, duty=Duty.OPERATOR, by=None)
    for offset in range(3):
        roster_add(shift_type=shift_types["malam"], date=WEEK + timedelta(days=offset), user=operator2, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["siang"], date=WEEK + timedelta(days=5), user=supervisor, duty=Duty.SUPERVISOR, by=None)


def test_copy_a_week_onto_the_next_weeks(shift_types, operator, operator2, supervisor):
    roster_week(shift_types, (operator, operator2, supervisor))

    result = roster_copy_week(week_start=WEEK, weeks=3, by=None)

    assert len(result.entries) == 9 * 3
    for week in range(4):
        monday = WEEK + timedelta(days=7 * week)
        assert RosterEntry.objects.filter(date__range=(monday, monday + timedelta(days=6))).count() == 9
        assert RosterEntry.objects.get(date=monday + timedelta(days=5)).duty == Duty.SUPERVISOR
    assert RosterEntry.objects.filter(date=WEEK + timedelta(days=28)).count() == 0


def test_copying_twice_changes_nothing(shift_types, operator, operator2, supervisor):
    roster_week(shift_types, (operator, operator2, supervisor))
    roster_copy_week(week_start=WEEK, weeks=2, by=None)

    again = roster_copy_week(week_start=WEEK, weeks=2, by=None)

    assert (len(again.entries), again.skipped) == (0, 18)


def test_copy_refuses_a_double_booking_in_the_target_week(shift_types, operator, operator2, supervisor):
    roster_week(shift_types, (operator, operator2, supervisor))
    # Next Monday Budi already has the night before his copied morning: no rest.
    roster_add(shift_type=shift_types["malam"], date=WEEK + timedelta(days=6), user=operator, duty=Duty.OPERATOR, by=None)
    before = RosterEntry.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        roster_copy_week(week_start=WEEK, weeks=1, by=None)

    assert list(excinfo.value.message_dict) == ["weeks"]
    assert "Budi Operator would rest only 0 h" in excinfo.value.message_dict["weeks"][0]
    assert RosterEntry.objects.count() == before


def test_copy_with_replace_clears_the_target_weeks(shift_types, operator, operator2, supervisor):
    roster_week(shift_types, (operator, operator2, supervisor))
    next_monday = WEEK + timedelta(days=7)
    # Budi is on siang next Monday: the copied pagi would leave him no rest...
    roster_add(shift_type=shift_types["siang"], date=next_monday, user=operator, duty=Duty.OPERATOR, by=None)
    with pytest.raises(ValidationError):
        roster_copy_week(week_start=WEEK, weeks=1, by=None)

    # ...unless the target week is cleared first.
    result = roster_copy_week(week_start=WEEK, weeks=1, replace=True, by=None)

    assert result.removed == 1
    assert len(result.entries) == 9
    assert RosterEntry.objects.get(user=operator, date=next_monday).shift_type.code == "pagi"


def test_copy_of_an_empty_week_says_so(shift_types):
    with pytest.raises(ValidationError) as excinfo:
        roster_copy_week(week_start=WEEK, weeks=1, by=None)

    assert "Nothing is rostered from Mon 2 Nov 2026 to Sun 8 Nov 2026" in excinfo.value.message_dict["week_start"][0]


@pytest.mark.parametrize("weeks", [0, 13, None])
def test_copy_weeks_must_be_1_to_12(shift_types, operator, weeks):
    roster_add(shift_type=shift_types["pagi"], date=WEEK, user=operator, duty=Duty.OPERATOR, by=None)

    with pytest.raises(ValidationError) as excinfo:
        roster_copy_week(week_start=WEEK, weeks=weeks, by=None)

    assert list(excinfo.value.message_dict) == ["weeks"]
