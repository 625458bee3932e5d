"""Calls and incidents carry the shift they were taken in (pagi 07–15, siang 15–23, malam 23–07
WITA; a night shift belongs to the date it starts)."""

from datetime import UTC, date, datetime

import pytest

from incidents.models import Call, Incident

WITA_OFFSET_HOURS = 8


def wita(year, month, day, hour, minute=0, second=0):
    utc_hour = hour - WITA_OFFSET_HOURS
    day_shift = -1 if utc_hour < 0 else 0
    return datetime(year, month, day + day_shift, utc_hour % 24, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment, shift, shift_date",
    [
        (wita(2026, 11, 27, 22, 59, 59), "siang", date(2026, 11, 27)),
        (wita(2026, 11, 27, 23, 0, 0), "malam", date(2026, 11, 27)),
        (wita(2026, 11, 28, 6, 59, 59), "malam", date(2026, 11, 27)),
        (wita(2026, 11, 28, 7, 0, 0), "pagi", date(2026, 11, 28)),
    ],
)
def test_a_call_and_its_incident_are_stamped_with_the_shift(world, new_incident, clock, moment, shift, shift_date):
    clock.set(moment)
    incident = new_incident("kebakaran")

    call = Call.objects.get(incident=incident)
    assert (call.shift, call.shift_date) == (shift, shift_date)
    assert (Incident.objects.get(pk=incident.pk).shift, incident.shift_date) == (shift, shift_date)
