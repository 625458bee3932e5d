"""Weekly availability in WITA: reading and writing the text coordinators keep in spreadsheets
("Sen-Jum 18:00-22:00; Sab 22:00-06:00"), and whether a volunteer is available at a moment.

A window whose end is at or before its start runs past midnight into the next day: "Jum 22:00-06:00"
is Friday 22:00 to Saturday 06:00. Equal times mean 24 hours from the start.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

WITA = ZoneInfo("Asia/Makassar")
DAY = timedelta(days=1)
WEEK = timedelta(days=7)

# Stored and exported as Indonesian abbreviations; English is read too.
EXPORT_DAY_NAMES = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
DAY_NAMES = {
    0: ("sen", "senin", "mon", "monday"),
    1: ("sel", "selasa", "tue", "tues", "tuesday"),
    2: ("rab", "rabu", "wed", "wednesday"),
    3: ("kam", "kamis", "thu", "thur", "thurs", "thursday"),
    4: ("jum", "jumat", "jum'at", "fri", "friday"),
    5: ("sab", "sabtu", "sat", "saturday"),
    6: ("min", "minggu", "ahad", "sun", "sunday"),
}
_DAY_LOOKUP = {name: number for number, names in DAY_NAMES.items() for name in names}
EVERY_DAY_WORDS = {"setiap hari", "tiap hari", "daily", "every day", "sen-min", "mon-sun"}
ALWAYS_WORDS = {"always", "selalu", "24 jam", "24/7", "kapan saja"}
SHORT_DAY_LABELS = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)
_TIME = r"(\d{1,2})[:.](\d{2})"
_ITEM = re.compile(rf"^(?P<days>.+?)\s+{_TIME}\s*(?:-|–|—|s/d|sampai)\s*{_TIME}$", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    weekday: int
    starts: time
    ends: time

    @property
    def duration(self):
        start = self.starts.hour * 60 + self.starts.minute
        end = self.ends.hour * 60 + self.ends.minute
        return timedelta(minutes=end - start if end > start else 24 * 60 - (start - end))


def is_always_text(text):
    return (text or "").strip().lower() in ALWAYS_WORDS


def _parse_time(hours, minutes, *, item, end):
    hours, minutes = int(hours), int(minutes)
    if end and hours == 24 and minutes == 0:
        return time(0, 0)
    if hours > 23 or minutes > 59:
        raise ValidationError(_("“%(item)s”: %(hours)02d:%(minutes)02d is not a time of day.") % {"item": item, "hours": hours, "minutes": minutes})
    return time(hours, minutes)


def _parse_days(text, *, item):
    text = text.strip().lower()
    if text in EVERY_DAY_WORDS:
        return list(range(7))
    days = []
    for part in re.split(r"\s*,\s*|\s+", text):
        if not part:
            continue
        if "-" in part:
            first, _sep, last = part.partition("-")
            if first not in _DAY_LOOKUP or last not in _DAY_LOOKUP:
                raise ValidationError(_("“%(item)s”: unknown day “%(day)s” (use Sen, Sel, Rab, Kam, Jum, Sab, Min).") % {"item": item, "day": part})
            start, stop = _DAY_LOOKUP[first], _DAY_LOOKUP[last]
            span = (stop - start) % 7
            days.extend((start + offset) % 7 for offset in range(span + 1))
        elif part in _DAY_LOOKUP:
            days.append(_DAY_LOOKUP[part])
        else:
            raise ValidationError(_("“%(item)s”: unknown day “%(day)s” (use Sen, Sel, Rab, Kam, Jum, Sab, Min).") % {"item": item, "day": part})
    return days


def parse_windows(text):
    """The windows a text describes, sorted; [] for "always". Raises ValidationError naming the bad part."""
    text = (text or "").strip()
    if not text or is_always_text(text):
        return []
    windows = set()
    for raw in re.split(r"[;\n]+", text):
        item = raw.strip()
        if not item:
            continue
        match = _ITEM.match(item)
        if not match:
            raise ValidationError(
                _("“%(item)s” is not a time window; write e.g. “Sen-Jum 18:00-22:00” or “Sab 22:00-06:00”.") % {"item": item}
            )
        days = _parse_days(match.group("days"), item=item)
        starts = _parse_time(match.group(2), match.group(3), item=item, end=False)
        ends = _parse_time(match.group(4), match.group(5), item=item, end=True)
        windows.update(Window(day, starts, ends) for day in days)
    return sorted(windows, key=lambda w: (w.weekday, w.starts, w.ends))


def _compress_days(days):
    """[0,1,2,3,4,6] → [(0,4),(6,6)]."""
    runs = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [tuple(run) for run in runs]


def format_windows(windows, *, day_names=EXPORT_DAY_NAMES):
    """The text form: windows with the same hours grouped, consecutive days as ranges."""
    by_hours = {}
    for window in windows:
        by_hours.setdefault((window.starts, window.ends), []).append(window.weekday)
    parts = []
    for (starts, ends), days in sorted(by_hours.items(), key=lambda item: (min(item[1]), item[0])):
        if len(set(days)) == 7:
            day_text = "Sen-Min" if day_names is EXPORT_DAY_NAMES else f"{day_names[0]}-{day_names[6]}"
        else:
            day_text = ",".join(
                str(day_names[a]) if a == b else f"{day_names[a]}-{day_names[b]}" for a, b in _compress_days(days)
            )
        parts.append(f"{day_text} {starts:%H:%M}-{ends:%H:%M}")
    return "; ".join(parts)


def format_windows_for_display(windows):
    return format_windows(windows, day_names=[str(label) for label in SHORT_DAY_LABELS])


# --- at a moment ------------------------------------------------------------------------------------


def _intervals(windows, moment):
    """The windows as concrete [start, end) intervals from a week before `moment` to a week after,
    merged where they touch or overlap."""
    local = moment.astimezone(WITA)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), tzinfo=WITA)
    raw = []
    for week in (-1, 0, 1):
        for window in windows:
            start = datetime.combine((monday + week * WEEK + window.weekday * DAY).date(), window.starts, tzinfo=WITA)
            raw.append((start, start + window.duration))
    raw.sort()
    merged = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class AvailabilityNow:
    available: bool
    # When this changes: the end of the current window, or the start of the next one (None: never).
    until: datetime | None = None
    next_from: datetime | None = None


def availability_at(*, always, windows, moment=None):
    if always:
        return AvailabilityNow(True)
    moment = moment or timezone.now()
    for start, end in _intervals(windows, moment):
        if start <= moment < end:
            return AvailabilityNow(True, until=end)
        if start > moment:
            return AvailabilityNow(False, next_from=start)
    return AvailabilityNow(False)


def windows_of(volunteer):
    """A volunteer's stored windows (prefetched `windows`) as Window values."""
    return [Window(w.weekday, w.starts, w.ends) for w in volunteer.windows.all()]


def volunteer_availability(volunteer, moment=None):
    from volunteers.models import Availability

    return availability_at(always=volunteer.availability == Availability.ALWAYS, windows=windows_of(volunteer), moment=moment)
