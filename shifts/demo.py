"""Demo shifts: the default shift types and a rotating roster of the demo users for the current
month. Idempotent: `make run` calls it on every start, and a month already rostered is kept."""

from datetime import date, time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dispatch112 import clock
from shifts.models import RosterEntry, ShiftType
from shifts.selectors import month_bounds
from shifts.services import roster_generate_pattern

DEFAULT_SHIFT_TYPES = [
    # code, name, starts (WITA), ends (WITA), order — the same as migration 0002
    ("pagi", "Pagi", time(7), time(15), 10),
    ("siang", "Siang", time(15), time(23), 20),
    ("malam", "Malam", time(23), time(7), 30),
]
DEMO_PATTERN = "pagi-pagi-siang-siang-malam-malam-libur-libur"
# Staggered two days apart on the eight-day pattern, four people cover every shift of every day
# (one person each: the calendar then shows the minimum-staffing gaps a real center would fill).
DEMO_TEAM = ["operator", "supervisor", "operator2", "admin"]
DEMO_STAGGER_DAYS = 2
# A fixed day the pattern counts from, so that consecutive months continue the same rotation.
PATTERN_ANCHOR = date(2024, 1, 1)


def ensure_default_shift_types():
    """Create pagi/siang/malam if missing; never overwrite times an admin has changed."""
    for code, name, starts_at, ends_at, order in DEFAULT_SHIFT_TYPES:
        ShiftType.objects.get_or_create(
            code=code, defaults={"name": name, "starts_at": starts_at, "ends_at": ends_at, "sort_order": order}
        )


@transaction.atomic
def seed_demo_shifts(*, today=None):
    ensure_default_shift_types()
    today = today or timezone.localtime(clock.now(), timezone.get_default_timezone()).date()
    first, last = month_bounds(today.year, today.month)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_TEAM)}
    team = [users[name] for name in DEMO_TEAM if name in users]
    if not team:
        return ["Shifts: no demo users to roster"]
    if RosterEntry.objects.filter(user__in=team, date__range=(first, last)).exists():
        return [f"Shifts: roster for {first:%B %Y} already present, kept as it is"]
    try:
        # A savepoint: a roster an admin edited by hand may refuse the pattern; the demo goes on.
        with transaction.atomic():
            result = roster_generate_pattern(
                users=team,
                pattern=DEMO_PATTERN,
                start=first,
                end=last,
                stagger_days=DEMO_STAGGER_DAYS,
                anchor=PATTERN_ANCHOR,
                by=None,
            )
    except ValidationError as error:
        return [f"Shifts: demo roster for {first:%B %Y} not generated: {'; '.join(error.messages)}"]
    return [f"Shifts: {len(result.entries)} roster entries for {first:%B %Y} ({', '.join(DEMO_TEAM)})"]
