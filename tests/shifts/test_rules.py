"""Roster rules: nobody in two shifts at once, a minimum rest between shifts (configurable), only
people with a console role (supervisor duty needs the role), and understaffing warns but never blocks."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from shifts.models import Duty, RosterEntry, ShiftType
from shifts.services import roster_add, roster_remove

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 27)
NEXT_DAY = date(2026, 11, 28)


def add(shift_type, day, user, duty=Duty.OPERATOR, by=None):
    return roster_add(shift_type=shift_type, date=day, user=user, duty=duty, by=by)


def error_of(excinfo):
    return excinfo.value.message_dict


def test_a_person_is_rostered_with_the_shift_interval(pagi, operator, admin):
    result = add(pagi, DAY, operator, by=admin)

    entry = result.entries[0]
    assert (entry.shift_type, entry.date, entry.user, entry.duty) == (pagi, DAY, operator, Duty.OPERATOR)
    assert entry.created_by == admin
    assert RosterEntry.objects.count() == 1


def test_the_same_person_twice_on_one_shift_is_refused_naming_the_person(pagi, operator):
    add(pagi, DAY, operator)

    with pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, operator)

    errors = error_of(excinfo)
    assert list(errors) == ["user"]
    assert "Budi Operator is already rostered on Pagi" in errors["user"][0]
    assert "two shifts at once" in errors["user"][0]
    assert RosterEntry.objects.count() == 1


def test_overlapping_shifts_are_refused(shift_types, operator):
    # A center that also runs a 12-hour day shift (07–19) overlapping siang (15–23).
    long_day = ShiftType.objects.create(code="panjang", name="Panjang", starts_at=time(7), ends_at=time(19), sort_order=5)
    add(long_day, DAY, operator)

    with pytest.raises(ValidationError) as excinfo:
        add(shift_types["siang"], DAY, operator)

    assert "already rostered on Panjang" in error_of(excinfo)["user"][0]


def test_night_then_morning_leaves_no_rest_and_is_refused(malam, pagi, operator):
    add(malam, DAY, operator)  # 27th 23:00 → 28th 07:00

    with pytest.raises(ValidationError) as excinfo:
        add(pagi, NEXT_DAY, operator)  # 28th 07:00

    message = error_of(excinfo)["user"][0]
    assert "would rest only 0 h after Malam" in message
    assert "minimum rest between shifts is 8 h" in message


def test_the_rest_rule_looks_forward_too(malam, pagi, operator):
    add(pagi, NEXT_DAY, operator)

    with pytest.raises(ValidationError) as excinfo:
        add(malam, DAY, operator)

    assert "would rest only 0 h before Pagi" in error_of(excinfo)["user"][0]


def test_exactly_the_minimum_rest_is_allowed(siang, pagi, operator):
    add(siang, DAY, operator)  # ends 23:00

    add(pagi, NEXT_DAY, operator)  # starts 07:00: 8 h later

    assert RosterEntry.objects.filter(user=operator).count() == 2


def test_minimum_rest_is_configurable(siang, pagi, operator, settings):
    settings.SHIFT_MIN_REST_HOURS = 10
    add(siang, DAY, operator)

    with pytest.raises(ValidationError) as excinfo:
        add(pagi, NEXT_DAY, operator)

    assert "would rest only 8 h after Siang" in error_of(excinfo)["user"][0]
    assert "minimum rest between shifts is 10 h" in error_of(excinfo)["user"][0]


def test_two_shifts_back_to_back_the_same_day_are_refused(pagi, siang, operator):
    add(pagi, DAY, operator)

    with pytest.raises(ValidationError) as excinfo:
        add(siang, DAY, operator)

    assert "would rest only 0 h after Pagi" in error_of(excinfo)["user"][0]


def test_rest_across_the_month_end(malam, pagi, operator):
    add(malam, date(2026, 11, 30), operator)

    with pytest.raises(ValidationError):
        add(pagi, date(2026, 12, 1), operator)
    add(pagi, date(2026, 12, 2), operator)  # 24 h later: fine


def test_other_people_are_not_affected_by_ones_rest(malam, pagi, operator, operator2):
    add(malam, DAY, operator)

    add(pagi, NEXT_DAY, operator2)

    assert RosterEntry.objects.count() == 2


def test_only_console_roles_can_be_rostered(pagi, opd_staff):
    with pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, opd_staff)

    assert "has no operator, supervisor or admin role" in error_of(excinfo)["user"][0]


def test_an_inactive_account_cannot_be_rostered(pagi, operator):
    operator.is_active = False
    operator.save()

    with pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, operator)

    assert "not active" in error_of(excinfo)["user"][0]


def test_supervisor_duty_needs_the_supervisor_role(pagi, operator, supervisor, admin):
    with pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, operator, duty=Duty.SUPERVISOR)

    assert error_of(excinfo) == {"duty": ["Budi Operator is not a supervisor and cannot take supervisor duty."]}
    add(pagi, DAY, supervisor, duty=Duty.SUPERVISOR)
    add(pagi, DAY, admin, duty=Duty.SUPERVISOR)


def test_an_inactive_shift_type_cannot_be_rostered(pagi, operator):
    pagi.active = False
    pagi.save()

    with pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, operator)

    assert list(error_of(excinfo)) == ["shift_type"]


def test_a_note_with_control_characters_is_refused(pagi, operator):
    with pytest.raises(ValidationError) as excinfo:
        roster_add(shift_type=pagi, date=DAY, user=operator, duty=Duty.OPERATOR, by=None, note="sakit\x00")

    assert list(error_of(excinfo)) == ["note"]


def test_understaffing_is_a_warning_not_a_block(pagi, operator, operator2, supervisor):
    first = add(pagi, DAY, operator)
    assert first.entries  # rostered although the shift is still short
    assert first.warnings == ["Pagi, Fri 27 Nov 2026 is below minimum staffing: 1 operator short, no supervisor."]

    add(pagi, DAY, operator2)
    full = add(pagi, DAY, supervisor, duty=Duty.SUPERVISOR)

    assert full.warnings == []


def test_removing_a_person_warns_when_the_shift_becomes_short(pagi, operator, operator2, supervisor):
    entries = [add(pagi, DAY, u).entries[0] for u in (operator, operator2)]
    add(pagi, DAY, supervisor, duty=Duty.SUPERVISOR)

    result = roster_remove(entry=entries[0], by=None)

    assert result.removed == 1
    assert result.warnings == ["Pagi, Fri 27 Nov 2026 is below minimum staffing: 1 operator short."]
    assert not RosterEntry.objects.filter(pk=entries[0].pk).exists()


def test_messages_are_in_bahasa_indonesia_for_an_indonesian_admin(pagi, operator):
    from django.utils import translation

    add(pagi, DAY, operator)
    with translation.override("id"), pytest.raises(ValidationError) as excinfo:
        add(pagi, DAY, operator)

    message = error_of(excinfo)["user"][0]
    assert "Budi Operator" in message
    assert "already rostered" not in message
