"""seed_demo's shifts: the default shift types and a rotating roster of the demo users for the
current month, the same however often it runs."""

from collections import Counter
from datetime import date

import pytest

from dispatch112 import clock
from dispatch112.demo import seed_core
from shifts.demo import seed_demo_shifts
from shifts.models import RosterEntry, ShiftType
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    with clock.travel_to(wita(2026, 2, 10, 9, 0)), django_capture_on_commit_callbacks(execute=True):
        seed_core()


def test_the_demo_month_has_every_shift_covered_by_one_demo_user(seeded):
    entries = RosterEntry.objects.select_related("shift_type", "user")

    assert {(t.code, t.starts_at.hour, t.ends_at.hour) for t in ShiftType.objects.all()} == {("pagi", 7, 15), ("siang", 15, 23), ("malam", 23, 7)}
    per_slot = Counter((e.date, e.shift_type.code) for e in entries)
    assert len(per_slot) == 28 * 3 and set(per_slot.values()) == {1}
    assert {e.date for e in entries} == {date(2026, 2, d) for d in range(1, 29)}
    assert {e.user.username: e.duty for e in entries} == {
        "operator": "operator", "operator2": "operator", "supervisor": "supervisor", "admin": "supervisor",
    }


def test_seeding_again_keeps_the_roster(seeded):
    before = sorted(RosterEntry.objects.values_list("pk", "date", "shift_type_id", "user_id"))

    with clock.travel_to(wita(2026, 2, 20, 9, 0)):
        report = seed_demo_shifts()

    assert sorted(RosterEntry.objects.values_list("pk", "date", "shift_type_id", "user_id")) == before
    assert report == ["Shifts: roster for February 2026 already present, kept as it is"]


def test_the_next_month_continues_the_rotation_without_breaking_the_rest_rule(seeded):
    with clock.travel_to(wita(2026, 3, 1, 9, 0)):
        report = seed_demo_shifts()

    assert report[0].startswith("Shifts: 93 roster entries for March 2026")
    for username in ("operator", "operator2", "supervisor", "admin"):
        entries = list(RosterEntry.objects.filter(user__username=username).order_by("starts_at"))
        assert min((b.starts_at - a.ends_at).total_seconds() for a, b in zip(entries, entries[1:])) >= 8 * 3600


def test_an_admin_edit_that_blocks_the_pattern_does_not_stop_the_demo(seeded):
    from dispatch112.models import User
    from shifts.services import roster_add

    # On 28 February (her day off) the supervisor was put on the night by hand; the rotation has
    # her on pagi on 1 March, which would leave her no rest.
    with clock.travel_to(wita(2026, 2, 27, 9, 0)):
        roster_add(shift_type=ShiftType.objects.get(code="malam"), date=date(2026, 2, 28), user=User.objects.get(username="supervisor"), duty="supervisor", by=None)
    with clock.travel_to(wita(2026, 3, 1, 9, 0)):
        report = seed_demo_shifts()

    assert report[0].startswith("Shifts: demo roster for March 2026 not generated: Sari Supervisor would rest only 0 h")
    assert not RosterEntry.objects.filter(date__month=3).exists()
