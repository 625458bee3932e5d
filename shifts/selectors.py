"""Reads: which shift a moment belongs to, who is on duty, staffing and gaps, the month calendar,
handovers and swaps. Each does its own select_related: a month of 90 shifts is a handful of queries."""

import calendar as pycalendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.db.models import Case, CharField, DateField, F, Q, TextField, Value, When
from django.db.models.functions import Cast, TruncDate, TruncTime
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispatch112 import clock
from dispatch112.roles import CONSOLE_ROLES, Role
from shifts.models import Duty, Handover, RosterEntry, ShiftType, SwapRequest, SwapStatus

logger = logging.getLogger(__name__)

# --- which shift a moment belongs to ------------------------------------------------------------


@dataclass(frozen=True)
class ShiftSlot:
    """One occurrence of a shift type: 'malam, 31 January' runs 31 Jan 23:00 – 1 Feb 07:00 WITA."""

    shift_type: ShiftType
    date: date_type
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self):
        return f"{self.date.isoformat()}/{self.shift_type.code}"

    def contains(self, moment):
        return self.starts_at <= moment < self.ends_at

    def __str__(self):
        return f"{self.shift_type.name} {self.date:%Y-%m-%d}"


def active_shift_types():
    return list(ShiftType.objects.filter(active=True).order_by("sort_order", "starts_at"))


def slot_for(shift_type, date):
    start, end = shift_type.interval(date)
    return ShiftSlot(shift_type, date, start, end)


def shift_at(moment, *, shift_types=None):
    """The shift (type and date) that `moment` falls in, or None if no active shift covers it.

    A shift covers [start, end): 22:59:59 is siang, 23:00:00 is malam. The night shift belongs to
    the date it starts, so 02:00 on 1 February is "malam, 31 January".
    """
    if timezone.is_naive(moment):
        raise ValueError("shift_at needs an aware datetime")
    local_day = timezone.localtime(moment, timezone.get_default_timezone()).date()
    for shift_type in active_shift_types() if shift_types is None else shift_types:
        # A shift that crosses midnight may have started the day before.
        for day in (local_day, local_day - timedelta(days=1)) if shift_type.crosses_midnight else (local_day,):
            slot = slot_for(shift_type, day)
            if slot.contains(moment):
                return slot
    return None


def shift_stamp(moment, *, shift_types=None):
    """What a call or incident stores about the shift it was taken in: {"shift": "malam",
    "shift_date": date(2026, 1, 31)}; empty when no active shift covers the moment."""
    slot = shift_at(moment, shift_types=shift_types)
    if slot is None:
        return {"shift": "", "shift_date": None}
    return {"shift": slot.shift_type.code, "shift_date": slot.date}


def next_slot(slot, *, shift_types=None):
    return shift_at(slot.ends_at, shift_types=shift_types)


def previous_slot(slot, *, shift_types=None):
    return shift_at(slot.starts_at - timedelta(microseconds=1), shift_types=shift_types)


def with_shift(queryset, field_name, *, shift_types=None, names=("shift", "shift_date")):
    """Annotate each row with the shift its `field_name` moment falls in, computed in SQL:
    `with_shift(Call.objects.all(), "received_at").values("shift_date", "shift").annotate(n=Count("id"))`
    is calls per shift. Uses the shift types' current times; rows outside every shift get "" / NULL.
    Works on SQLite and PostgreSQL alike (the local time and date are taken in WITA)."""
    zone = timezone.get_default_timezone()
    shift_types = active_shift_types() if shift_types is None else shift_types
    code_name, date_name = names
    local_time = f"_{code_name}_local_time"
    queryset = queryset.annotate(**{local_time: TruncTime(field_name, tzinfo=zone)})
    code_cases, date_cases = [], []
    same_day = TruncDate(field_name, tzinfo=zone)
    day_before = TruncDate(F(field_name) - timedelta(days=1), tzinfo=zone)
    for shift_type in shift_types:
        start, end = shift_type.starts_at, shift_type.ends_at
        if shift_type.crosses_midnight:
            evening = Q(**{f"{local_time}__gte": start})
            morning = Q(**{f"{local_time}__lt": end})
            code_cases.append(When(evening | morning, then=Value(shift_type.code)))
            date_cases.append(When(evening, then=same_day))
            date_cases.append(When(morning, then=day_before))
        else:
            inside = Q(**{f"{local_time}__gte": start, f"{local_time}__lt": end})
            code_cases.append(When(inside, then=Value(shift_type.code)))
            date_cases.append(When(inside, then=same_day))
    return queryset.annotate(
        **{
            code_name: Case(*code_cases, default=Value(""), output_field=CharField()),
            date_name: Case(*date_cases, default=None, output_field=DateField()),
        }
    )


# --- staffing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staffing:
    shift_type: ShiftType
    operators: int
    supervisors: int

    @property
    def missing_operators(self):
        return max(0, self.shift_type.min_operators - self.operators)

    @property
    def missing_supervisors(self):
        return max(0, self.shift_type.min_supervisors - self.supervisors)

    @property
    def understaffed(self):
        return bool(self.missing_operators or self.missing_supervisors)

    @property
    def empty(self):
        return self.operators == 0 and self.supervisors == 0

    @property
    def severity(self):
        """'ok', 'short' (someone missing) or 'critical' (nobody, or no operator at all)."""
        if not self.understaffed:
            return "ok"
        if self.empty or (self.operators == 0 and self.shift_type.min_operators):
            return "critical"
        return "short"

    def gaps(self):
        """Translated phrases, e.g. ['2 operators short', 'no supervisor']."""
        phrases = []
        if self.missing_operators:
            phrases.append(
                ngettext("%(n)d operator short", "%(n)d operators short", self.missing_operators) % {"n": self.missing_operators}
            )
        if self.missing_supervisors:
            if self.supervisors == 0:
                phrases.append(_("no supervisor"))
            else:
                phrases.append(
                    ngettext("%(n)d supervisor short", "%(n)d supervisors short", self.missing_supervisors)
                    % {"n": self.missing_supervisors}
                )
        return phrases

    def short_gaps(self):
        """The same, short enough for the header: ['−2 op.', 'no spv.']."""
        phrases = []
        if self.missing_operators:
            phrases.append(_("−%(n)d op.") % {"n": self.missing_operators})
        if self.missing_supervisors:
            phrases.append(_("no spv.") if self.supervisors == 0 else _("−%(n)d spv.") % {"n": self.missing_supervisors})
        return phrases

    def as_dict(self):
        return {
            "operators": {"rostered": self.operators, "required": self.shift_type.min_operators, "missing": self.missing_operators},
            "supervisors": {
                "rostered": self.supervisors,
                "required": self.shift_type.min_supervisors,
                "missing": self.missing_supervisors,
            },
            "understaffed": self.understaffed,
            "gaps": self.gaps(),
        }


def staffing_for(shift_type, entries):
    operators = sum(1 for e in entries if e.duty == Duty.OPERATOR)
    supervisors = sum(1 for e in entries if e.duty == Duty.SUPERVISOR)
    return Staffing(shift_type, operators, supervisors)


def slot_entries(slot):
    return list(RosterEntry.objects.filter(shift_type=slot.shift_type, date=slot.date).with_related())


def slot_staffing(slot):
    return staffing_for(slot.shift_type, slot_entries(slot))


def understaffed_slots(*, date_from, date_to, shift_types=None):
    """Every (slot, staffing) between two dates (inclusive) below its minimum staffing."""
    shift_types = active_shift_types() if shift_types is None else shift_types
    by_slot = defaultdict(list)
    for entry in RosterEntry.objects.filter(date__range=(date_from, date_to), shift_type__in=shift_types):
        by_slot[(entry.date, entry.shift_type_id)].append(entry)
    result = []
    day = date_from
    while day <= date_to:
        for shift_type in shift_types:
            staffing = staffing_for(shift_type, by_slot[(day, shift_type.pk)])
            if staffing.understaffed:
                result.append((slot_for(shift_type, day), staffing))
        day += timedelta(days=1)
    return result


# --- on duty --------------------------------------------------------------------------------------


@dataclass
class OnDuty:
    at: datetime
    slot: ShiftSlot | None
    entries: list
    staffing: Staffing | None
    next_slot: ShiftSlot | None = None
    next_entries: list = field(default_factory=list)

    @property
    def supervisors(self):
        return [e for e in self.entries if e.duty == Duty.SUPERVISOR]

    @property
    def operators(self):
        return [e for e in self.entries if e.duty == Duty.OPERATOR]

    @property
    def seconds_left(self):
        return max(0, int((self.slot.ends_at - self.at).total_seconds())) if self.slot else None

    @property
    def minutes_left(self):
        return -(-self.seconds_left // 60) if self.slot else None

    @property
    def reminder_seconds(self):
        return settings.SHIFT_REMINDER_MINUTES * 60

    @property
    def ending_soon(self):
        return self.slot is not None and self.seconds_left <= self.reminder_seconds

    @property
    def staffing_summary(self):
        return self.staffing.as_dict() if self.staffing else None


def on_duty(at=None):
    """Who is on duty at `at` (default now): the shift, its people, its staffing gaps, and who comes next."""
    at = at or clock.now()
    shift_types = active_shift_types()
    slot = shift_at(at, shift_types=shift_types)
    entries = list(RosterEntry.objects.on_duty_at(at).with_related().order_by("duty", "user__first_name", "user__username")[:200])
    staffing = staffing_for(slot.shift_type, entries) if slot else None
    following = next_slot(slot, shift_types=shift_types) if slot else None
    next_entries = slot_entries(following) if following else []
    return OnDuty(at=at, slot=slot, entries=entries, staffing=staffing, next_slot=following, next_entries=next_entries)


def header_on_duty(at=None):
    """on_duty() for the header of every console page: a roster problem must never take a
    console down, so a database error shows an empty header instead (and is logged)."""
    try:
        return on_duty(at)
    except DatabaseError:
        logger.exception("the on-duty header could not be read")
        return None


# --- the month calendar ---------------------------------------------------------------------------


@dataclass
class CalendarCell:
    slot: ShiftSlot
    entries: list
    staffing: Staffing
    is_now: bool

    @property
    def shift_type(self):
        return self.slot.shift_type


@dataclass
class CalendarDay:
    date: date_type
    cells: list
    is_today: bool

    @property
    def is_weekend(self):
        return self.date.weekday() >= 5


@dataclass
class PersonMonth:
    user: object
    shifts: int = 0
    nights: int = 0
    hours: float = 0.0


@dataclass
class MonthCalendar:
    year: int
    month: int
    first: date_type
    last: date_type
    shift_types: list
    days: list
    people: list

    @property
    def cells(self):
        return [cell for day in self.days for cell in day.cells]

    @property
    def understaffed_count(self):
        return sum(1 for cell in self.cells if cell.staffing.understaffed)

    @property
    def critical_count(self):
        return sum(1 for cell in self.cells if cell.staffing.severity == "critical")

    @property
    def previous_month(self):
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self):
        return self.last + timedelta(days=1)


def month_bounds(year, month):
    return date_type(year, month, 1), date_type(year, month, pycalendar.monthrange(year, month)[1])


def month_calendar(year, month, *, now=None):
    now = now or clock.now()
    first, last = month_bounds(year, month)
    entries = list(
        RosterEntry.objects.filter(date__range=(first, last))
        .with_related()
        .order_by("date", "duty", "user__first_name", "user__username")
    )
    used_type_ids = {e.shift_type_id for e in entries}
    shift_types = [
        t for t in ShiftType.objects.order_by("sort_order", "starts_at") if t.active or t.pk in used_type_ids
    ]
    by_slot = defaultdict(list)
    people = {}
    for entry in entries:
        # Supervisors first in a cell, then operators: the eye finds "is there a supervisor" first.
        by_slot[(entry.date, entry.shift_type_id)].append(entry)
        person = people.setdefault(entry.user_id, PersonMonth(entry.user))
        person.shifts += 1
        person.hours += (entry.ends_at - entry.starts_at).total_seconds() / 3600
        person.nights += 1 if entry.shift_type.crosses_midnight else 0
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    days = []
    day = first
    while day <= last:
        cells = []
        for shift_type in shift_types:
            slot_list = sorted(by_slot[(day, shift_type.pk)], key=lambda e: (e.duty != Duty.SUPERVISOR, str(e.user)))
            slot = slot_for(shift_type, day)
            cells.append(CalendarCell(slot, slot_list, staffing_for(shift_type, slot_list), slot.contains(now)))
        days.append(CalendarDay(day, cells, day == today))
        day += timedelta(days=1)
    return MonthCalendar(
        year=year,
        month=month,
        first=first,
        last=last,
        shift_types=shift_types,
        days=days,
        people=sorted(people.values(), key=lambda p: str(p.user)),
    )


def week_entries(week_start):
    return RosterEntry.objects.filter(date__range=(week_start, week_start + timedelta(days=6))).with_related()


# --- people ---------------------------------------------------------------------------------------


def rosterable_users():
    """Active users with a console role: operators (staff or relawan), supervisors, admins."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in CONSOLE_ROLES])
        .distinct()
        .order_by("first_name", "username")
    )


def may_supervise(user):
    from dispatch112.roles import has_role

    return has_role(user, Role.SUPERVISOR, Role.ADMIN)


def upcoming_entries(user, *, now=None, days=35):
    now = now or clock.now()
    return (
        RosterEntry.objects.filter(user=user, ends_at__gt=now, starts_at__lt=now + timedelta(days=days))
        .with_related()
        .order_by("starts_at")
    )


def swap_candidates(user, *, now=None, days=35):
    """Other people's future entries this user could ask to swap with."""
    now = now or clock.now()
    return (
        RosterEntry.objects.filter(starts_at__gt=now, starts_at__lt=now + timedelta(days=days))
        .exclude(user=user)
        .with_related()
        .order_by("starts_at", "user__first_name")
    )


def swaps_for(user):
    return (
        SwapRequest.objects.filter(Q(first_user=user) | Q(second_user=user) | Q(requested_by=user))
        .select_related("first_user", "second_user", "requested_by", "decided_by")
        .order_by("-requested_at")[:50]
    )


def pending_swaps():
    return (
        SwapRequest.objects.filter(status=SwapStatus.PENDING)
        .select_related("first_user", "second_user", "requested_by")
        .order_by("requested_at")
    )


# --- handovers ------------------------------------------------------------------------------------


def handover_search(*, q="", shift_type=None, date_from=None, date_to=None, pending=None):
    """Handovers, newest first. `q` searches the notes, the remarks, both supervisors' names and
    the open items (an incident reference finds every handover it was still open in)."""
    handovers = Handover.objects.select_related("shift_type", "outgoing_supervisor", "incoming_supervisor")
    if shift_type is not None:
        handovers = handovers.filter(shift_type=shift_type)
    if date_from is not None:
        handovers = handovers.filter(date__gte=date_from)
    if date_to is not None:
        handovers = handovers.filter(date__lte=date_to)
    if pending is True:
        handovers = handovers.filter(acknowledged_at__isnull=True)
    elif pending is False:
        handovers = handovers.filter(acknowledged_at__isnull=False)
    words = (q or "").split()[:8]
    if words:
        handovers = handovers.annotate(_snapshot_text=Cast("snapshot", TextField()))
    for word in words:
        handovers = handovers.filter(
            Q(notes__icontains=word)
            | Q(acknowledgement_note__icontains=word)
            | Q(outgoing_supervisor__first_name__icontains=word)
            | Q(outgoing_supervisor__last_name__icontains=word)
            | Q(outgoing_supervisor__username__iexact=word)
            | Q(incoming_supervisor__first_name__icontains=word)
            | Q(incoming_supervisor__username__iexact=word)
            | Q(_snapshot_text__icontains=word)
        )
    return handovers.order_by("-date", "-shift_type__sort_order", "-created_at")


def handover_for_slot(slot):
    return (
        Handover.objects.filter(shift_type=slot.shift_type, date=slot.date)
        .select_related("outgoing_supervisor", "incoming_supervisor")
        .first()
    )
