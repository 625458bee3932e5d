"""Shift types are configured in the admin: times and minimum staffing. Overlapping times are
refused with the reason; new times apply to shifts not yet started, never to worked ones."""

from datetime import date, time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from dispatch112 import clock
from shifts.models import Duty, RosterEntry, ShiftType
from shifts.services import roster_add, shift_type_check, shift_type_save
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db


def test_overlapping_shift_types_are_refused_naming_both(shift_types):
    siang = shift_types["siang"]
    siang.starts_at = time(14)

    with pytest.raises(ValidationError) as excinfo:
        shift_type_check(shift_type=siang)

    assert excinfo.value.message_dict == {
        "starts_at": ["Siang (14:00–23:00) overlaps Pagi (07:00–15:00): the shifts of a day must not overlap."]
    }


def test_a_night_shift_overlapping_the_morning_across_midnight_is_refused(shift_types):
    malam = shift_types["malam"]
    malam.ends_at = time(8)

    with pytest.raises(ValidationError) as excinfo:
        shift_type_check(shift_type=malam)

    assert "overlaps Pagi" in excinfo.value.message_dict["starts_at"][0]


def test_new_times_move_coming_shifts_but_not_worked_ones(shift_types, operator):
    pagi = shift_types["pagi"]
    worked = roster_add(shift_type=pagi, date=date(2026, 11, 20), user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    coming = roster_add(shift_type=pagi, date=date(2026, 11, 30), user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    pagi.ends_at = time(14)  # a shorter morning; siang still starts at 15:00 (a gap is allowed)

    with clock.travel_to(wita(2026, 11, 25, 12, 0)):
        moved = shift_type_save(shift_type=pagi)

    assert moved == 1
    assert RosterEntry.objects.get(pk=worked.pk).ends_at == wita(2026, 11, 20, 15, 0)
    assert RosterEntry.objects.get(pk=coming.pk).ends_at == wita(2026, 11, 30, 14, 0)


def test_the_admin_form_shows_the_overlap_on_the_field(admin_client, shift_types):
    siang = shift_types["siang"]
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        f"/admin/shifts/shifttype/{siang.pk}/change/",
        {"code": "siang", "name": "Siang", "starts_at": "14:00", "ends_at": "23:00", "min_operators": 2, "min_supervisors": 1, "sort_order": 20, "active": "on"},
    )

    assert response.status_code == 200
    assert "overlaps" in response.content.decode()
    assert ShiftType.objects.get(pk=siang.pk).starts_at == time(15)


def test_the_admin_changes_minimum_staffing(admin_client, shift_types):
    pagi = shift_types["pagi"]

    response = admin_client.post(
        f"/admin/shifts/shifttype/{pagi.pk}/change/",
        {"code": "pagi", "name": "Pagi", "starts_at": "07:00", "ends_at": "15:00", "min_operators": 3, "min_supervisors": 1, "sort_order": 10, "active": "on"},
    )

    assert response.status_code == 302
    assert ShiftType.objects.get(pk=pagi.pk).min_operators == 3


def test_the_roster_is_read_only_in_the_django_admin(admin_client, shift_types):
    assert admin_client.get("/admin/shifts/rosterentry/").status_code == 200
    assert admin_client.get("/admin/shifts/rosterentry/add/").status_code == 403
