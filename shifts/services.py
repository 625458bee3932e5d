"""Writes: shift types, the roster (one entry, a rotating pattern, a copied week), swaps, handovers
and the shift-ending reminder.

Each service is one transaction. Roster rules are checked with the rostered people's rows locked
(`select_for_update`), so two admins filling the calendar at once cannot double-book one person:
the second waits for the first and then sees its entries. Field problems are ValidationErrors
naming the field; state conflicts are ConflictErrors (409).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.capture import record_created as audit_record_created
from dispatch112 import clock, events
from dispatch112.errors import ConflictError
from dispatch112.roles import CONSOLE_ROLES, Role, has_role, role_of
from dispatch112.text import clean_text
from shifts import selectors
from shifts.models import (
    MAX_NOTE,
    MAX_NOTES,
    Duty,
    Handover,
    RosterEntry,
    ShiftReminder,
    ShiftType,
    SwapRequest,
    SwapStatus,
)
from shifts.snapshot import take_snapshot

OFF_TOKENS = {"libur", "off", "l", "x", "o"}
MAX_PATTERN_STEPS = 62
MAX_RANGE_DAYS = 366
MAX_COPY_WEEKS = 12
MAX_ERRORS_SHOWN = 12
MAX_WARNINGS_SHOWN = 8
# A handover describes the shift just ending: it can be written from the shift's start until
# this long after its end, while the snapshot of "what is still open" still means something.
HANDOVER_LATE_LIMIT = timedelta(hours=12)


@dataclass
class RosterResult:
    """What a roster change did, and the understaffing warnings it leaves (warnings never block)."""

    entries: list = field(default_factory=list)
    removed: int = 0
    skipped: int = 0
    warnings: list = field(default_factory=list)


# --- labels for messages --------------------------------------------------------------------------


def slot_label(shift_type, date):
    return _("%(shift)s, %(date)s") % {"shift": shift_type.name, "date": formats.date_format(date, "D j M Y")}


def _hours(delta):
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(h)d h") % {"h": hours}


def min_rest():
    return timedelta(hours=settings.SHIFT_MIN_REST_HOURS)


# --- rules ----------------------------------------------------------------------------------------


def default_duty(user):
    return Duty.SUPERVISOR if role_of(user) in (Role.SUPERVISOR, Role.ADMIN) else Duty.OPERATOR


def check_person(*, user, duty, field_name="user"):
    """Only active people with a console role can be rostered; supervisor duty needs the role."""
    if not user.is_active:
        raise ValidationError({field_name: _("%(name)s's account is not active.") % {"name": user}})
    if not has_role(user, *CONSOLE_ROLES):
        raise ValidationError(
            {field_name: _("%(name)s has no operator, supervisor or admin role and cannot be rostered.") % {"name": user}}
        )
    if duty not in Duty.values:
        raise ValidationError({"duty": _("Unknown duty “%(value)s”.") % {"value": duty}})
    if duty == Duty.SUPERVISOR and not has_role(user, Role.SUPERVISOR, Role.ADMIN):
        raise ValidationError({"duty": _("%(name)s is not a supervisor and cannot take supervisor duty.") % {"name": user}})


def _lock_people(users):
    """Lock the people's rows, in id order so that two services never wait on each other in a cycle."""
    ids = sorted({u.pk for u in users})
    locked = {u.pk: u for u in get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [locked[u.pk] for u in users]


class Schedules:
    """The rostered intervals of some people around a window, checked in memory.

    Loaded once under the people's locks; entries created by the same service are added as they
    are made, so a generated month is checked against itself as well as against the database.
    """

    def __init__(self, users, start, end):
        self.rest = min_rest()
        self.names = {u.pk: str(u) for u in users}
        margin = self.rest + timedelta(days=1)
        self.by_user = defaultdict(list)
        rows = (
            RosterEntry.objects.filter(user__in=[u.pk for u in users], ends_at__gt=start - margin, starts_at__lt=end + margin)
            .select_related("shift_type")
            .order_by("starts_at")
        )
        for entry in rows:
            self.by_user[entry.user_id].append(entry)

    def add(self, entry):
        self.by_user[entry.user_id].append(entry)

    def remove(self, entry_ids):
        for user_id, entries in self.by_user.items():
            self.by_user[user_id] = [e for e in entries if e.pk not in entry_ids]

    def find(self, user, shift_type, date):
        return next((e for e in self.by_user[user.pk] if e.shift_type_id == shift_type.pk and e.date == date), None)

    def problems(self, user, starts_at, ends_at, *, exclude=()):
        """Why `user` cannot work [starts_at, ends_at): double booking, then too little rest."""
        name = self.names.get(user.pk, str(user))
        found = []
        for other in self.by_user[user.pk]:
            if other.pk in exclude and other.pk is not None:
                continue
            label = slot_label(other.shift_type, other.date)
            hours = f"{timezone.localtime(other.starts_at):%H:%M}–{timezone.localtime(other.ends_at):%H:%M}"
            if other.starts_at < ends_at and other.ends_at > starts_at:
                found.append(
                    _("%(name)s is already rostered on %(shift)s (%(hours)s): nobody can be in two shifts at once.")
                    % {"name": name, "shift": label, "hours": hours}
                )
            elif other.ends_at <= starts_at and starts_at - other.ends_at < self.rest:
                found.append(
                    _("%(name)s would rest only %(rest)s after %(shift)s (%(hours)s); the minimum rest between shifts is %(minimum)s.")
                    % {"name": name, "rest": _hours(starts_at - other.ends_at), "shift": label, "hours": hours, "minimum": _hours(self.rest)}
                )
            elif other.starts_at >= ends_at and other.starts_at - ends_at < self.rest:
                found.append(
                    _("%(name)s would rest only %(rest)s before %(shift)s (%(hours)s); the minimum rest between shifts is %(minimum)s.")
                    % {"name": name, "rest": _hours(other.starts_at - ends_at), "shift": label, "hours": hours, "minimum": _hours(self.rest)}
                )
        return found


def _staffing_warnings(*, date_from, date_to, shift_types=None):
    """Understaffed shifts in the range, as messages: a warning, never a block."""
    short = selectors.understaffed_slots(date_from=date_from, date_to=date_to, shift_types=shift_types)
    messages = [
        _("%(shift)s is below minimum staffing: %(gaps)s.") % {"shift": slot_label(slot.shift_type, slot.date), "gaps": ", ".join(staffing.gaps())}
        for slot, staffing in short[:MAX_WARNINGS_SHOWN]
    ]
    if len(short) > MAX_WARNINGS_SHOWN:
        more = len(short) - MAX_WARNINGS_SHOWN
        messages.append(
            ngettext("… and %(n)d more shift below minimum staffing.", "… and %(n)d more shifts below minimum staffing.", more) % {"n": more}
        )
    return messages


def _bounded(errors):
    if len(errors) <= MAX_ERRORS_SHOWN:
        return errors
    more = len(errors) - MAX_ERRORS_SHOWN
    return errors[:MAX_ERRORS_SHOWN] + [ngettext("… and %(n)d more problem.", "… and %(n)d more problems.", more) % {"n": more}]


def _involving(entry_ids):
    return Q(first_id__in=entry_ids) | Q(second_id__in=entry_ids)


def _cancel_pending_swaps(entry_ids, *, by, now, reason):
    SwapRequest.objects.filter(_involving(entry_ids), status=SwapStatus.PENDING).update(
        status=SwapStatus.CANCELLED, decided_at=now, decided_by=by, reason=reason[:MAX_NOTE]
    )


def _day_window(first, last):
    """From the day before `first` to two days after `last`, in WITA: every shift on those dates."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(first - timedelta(days=1), time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=2), time.min, tzinfo=zone),
    )


def _new_entry(*, shift_type, date, user, duty, by, now, volunteer=False, note=""):
    start, end = shift_type.interval(date)
    return RosterEntry(
        shift_type=shift_type,
        date=date,
        user=user,
        duty=duty,
        volunteer=volunteer,
        note=note,
        starts_at=start,
        ends_at=end,
        created_at=now,
        created_by=by,
    )


# --- shift types ----------------------------------------------------------------------------------


def _minutes(value):
    return value.hour * 60 + value.minute


def shift_type_check(*, shift_type):
    """Shift types of one day must not overlap, or a moment would belong to two shifts."""
    if shift_type.starts_at.second or shift_type.ends_at.second:
        raise ValidationError({"starts_at": _("Give shift times in whole minutes.")})
    if not shift_type.active:
        return
    start = _minutes(shift_type.starts_at)
    end = start + int(shift_type.duration.total_seconds() // 60)
    others = ShiftType.objects.filter(active=True).exclude(pk=shift_type.pk)
    for other in others:
        other_start = _minutes(other.starts_at)
        other_end = other_start + int(other.duration.total_seconds() // 60)
        for shift in (-1440, 0, 1440):
            if start < other_end + shift and other_start + shift < end:
                raise ValidationError(
                    {
                        "starts_at": _("%(shift)s (%(hours)s) overlaps %(other)s (%(other_hours)s): the shifts of a day must not overlap.")
                        % {"shift": shift_type.name or shift_type.code, "hours": shift_type.hours_label, "other": other.name, "other_hours": other.hours_label}
                    }
                )


@transaction.atomic
def shift_type_save(*, shift_type, by=None):
    """Save a shift type's times and minimum staffing. Entries not yet started move to the new
    times; past ones keep the times they were worked. Returns how many entries moved."""
    now = clock.now()
    shift_type_check(shift_type=shift_type)
    shift_type.save()
    moved = 0
    future = list(RosterEntry.objects.select_for_update().filter(shift_type=shift_type, starts_at__gt=now))
    for entry in future:
        start, end = shift_type.interval(entry.date)
        if (start, end) != (entry.starts_at, entry.ends_at):
            entry.starts_at, entry.ends_at = start, end
            moved += 1
    RosterEntry.objects.bulk_update(future, ["starts_at", "ends_at"])
    return moved


# --- the roster -----------------------------------------------------------------------------------


@transaction.atomic
def roster_add(*, shift_type, date, user, duty, by, volunteer=False, note=""):
    """Put one person on one shift. Refused if they would be in two shifts at once or rest less
    than the minimum; a warning (not a refusal) if the shift stays below minimum staffing."""
    now = clock.now()
    if shift_type is None or not shift_type.active:
        raise ValidationError({"shift_type": _("Choose a shift that is in use.")})
    if date is None:
        raise ValidationError({"date": _("Choose a date.")})
    check_person(user=user, duty=duty)
    note = clean_text(note, field="note", max_length=MAX_NOTE)
    (user,) = _lock_people([user])
    start, end = shift_type.interval(date)
    schedules = Schedules([user], start, end)
    problems = schedules.problems(user, start, end)
    if problems:
        raise ValidationError({"user": problems})
    entry = _new_entry(shift_type=shift_type, date=date, user=user, duty=duty, by=by, now=now, volunteer=volunteer, note=note)
    entry.save()
    return RosterResult(entries=[entry], warnings=_staffing_warnings(date_from=date, date_to=date, shift_types=[shift_type]))


@transaction.atomic
def roster_remove(*, entry, by):
    now = clock.now()
    entry = RosterEntry.objects.select_for_update().select_related("shift_type", "user").filter(pk=entry.pk).first()
    if entry is None:
        raise ConflictError(_("This roster entry was already removed."), code="gone")
    _cancel_pending_swaps([entry.pk], by=by, now=now, reason=_("The shift was removed from the roster."))
    shift_type, date = entry.shift_type, entry.date
    entry.delete()
    return RosterResult(removed=1, warnings=_staffing_warnings(date_from=date, date_to=date, shift_types=[shift_type]))


def parse_pattern(pattern, *, shift_types=None):
    """'pagi-pagi-siang-siang-malam-malam-libur-libur' → [pagi, pagi, siang, siang, malam, malam, None, None].

    Steps are shift codes or names (or their first letter when that is unambiguous) and `libur`/
    `off`/`L` for a day off, separated by dashes, commas, slashes or spaces.
    """
    shift_types = selectors.active_shift_types() if shift_types is None else shift_types
    tokens = [t for t in re.split(r"[\s,;/\-–—]+", (pattern or "").strip().lower()) if t]
    if not tokens:
        raise ValidationError({"pattern": _("Write the pattern, e.g. pagi-pagi-siang-siang-malam-malam-libur-libur.")})
    if len(tokens) > MAX_PATTERN_STEPS:
        raise ValidationError({"pattern": _("At most %(n)d days in a pattern.") % {"n": MAX_PATTERN_STEPS}})
    by_word = {}
    for shift_type in shift_types:
        by_word[shift_type.code.lower()] = shift_type
        by_word[shift_type.name.lower()] = shift_type
    initials = defaultdict(set)
    for shift_type in shift_types:
        initials[shift_type.code[0].lower()].add(shift_type.pk)
    for shift_type in shift_types:
        if len(initials[shift_type.code[0].lower()]) == 1 and shift_type.code[0].lower() not in OFF_TOKENS:
            by_word.setdefault(shift_type.code[0].lower(), shift_type)
    steps = []
    for token in tokens:
        if token in OFF_TOKENS:
            steps.append(None)
        elif token in by_word:
            steps.append(by_word[token])
        else:
            raise ValidationError(
                {
                    "pattern": _("Unknown step “%(token)s” in the pattern: use %(codes)s or libur.")
                    % {"token": token, "codes": ", ".join(t.code for t in shift_types)}
                }
            )
    if all(step is None for step in steps):
        raise ValidationError({"pattern": _("The pattern has no working day.")})
    return steps


@transaction.atomic
def roster_generate_pattern(
    *, users, pattern, start, end, by, duty=None, stagger_days=0, anchor=None, volunteer=False, replace=False
):
    """Roster a team on a rotating pattern from `start` to `end` (inclusive).

    Person i is `i * stagger_days` days further along the pattern than the first (4 people
    staggered by 2 on an 8-day pagi-pagi-siang-siang-malam-malam-libur-libur cover every shift
    of every day). `anchor` is the date on which the pattern's first day falls (default `start`).
    `duty=None` takes each person's usual duty from their role. Entries already there are kept;
    `replace=True` first clears these people's entries in the range. All or nothing: any double
    booking or short rest refuses the whole generation, listing every problem.
    """
    now = clock.now()
    users = list(users)
    if not users:
        raise ValidationError({"users": _("Choose at least one person.")})
    if start is None or end is None:
        raise ValidationError({"start" if start is None else "end": _("Choose a date.")})
    if end < start:
        raise ValidationError({"end": _("The last day is before the first day.")})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError({"end": _("Generate at most %(n)d days at once.") % {"n": MAX_RANGE_DAYS}})
    if stagger_days is None or stagger_days < 0:
        raise ValidationError({"stagger_days": _("Must be zero or more days.")})
    steps = parse_pattern(pattern)
    duties = {}
    for user in users:
        duties[user.pk] = duty or default_duty(user)
        check_person(user=user, duty=duties[user.pk], field_name="users")
    users = _lock_people(users)
    result = RosterResult()
    if replace:
        doomed = RosterEntry.objects.filter(user__in=users, date__range=(start, end))
        doomed_ids = list(doomed.values_list("pk", flat=True))
        _cancel_pending_swaps(doomed_ids, by=by, now=now, reason=_("The roster was regenerated."))
        result.removed, _unused = doomed.delete()
    schedules = Schedules(users, *_day_window(start, end))
    anchor = anchor or start
    errors, created = [], []
    for index, user in enumerate(users):
        day = start
        while day <= end:
            step = steps[((day - anchor).days + index * stagger_days) % len(steps)]
            if step is not None:
                if schedules.find(user, step, day):
                    result.skipped += 1
                else:
                    entry = _new_entry(
                        shift_type=step, date=day, user=user, duty=duties[user.pk], by=by, now=now, volunteer=volunteer
                    )
                    problems = schedules.problems(user, entry.starts_at, entry.ends_at)
                    if problems:
                        errors.extend(problems)
                    else:
                        schedules.add(entry)
                        created.append(entry)
            day += timedelta(days=1)
    if errors:
        raise ValidationError({"users": _bounded(errors)})
    result.entries = RosterEntry.objects.bulk_create(created)
    audit_record_created(result.entries)  # bulk_create sends no signal
    result.warnings = _staffing_warnings(date_from=start, date_to=end)
    return result


@transaction.atomic
def roster_copy_week(*, week_start, weeks, by, replace=False):
    """Copy the seven days from `week_start` onto each of the next `weeks` weeks.

    Entries already there are kept (copying twice changes nothing); `replace=True` first clears
    the target weeks. All or nothing: a double booking or short rest refuses the whole copy.
    """
    now = clock.now()
    if week_start is None:
        raise ValidationError({"week_start": _("Choose the first day of the week to copy.")})
    if weeks is None or not 1 <= weeks <= MAX_COPY_WEEKS:
        raise ValidationError({"weeks": _("Copy onto 1 to %(n)d weeks.") % {"n": MAX_COPY_WEEKS}})
    week_end = week_start + timedelta(days=6)
    source = list(RosterEntry.objects.filter(date__range=(week_start, week_end)).select_related("shift_type", "user").order_by("starts_at"))
    if not source:
        raise ValidationError(
            {"week_start": _("Nothing is rostered from %(first)s to %(last)s to copy.") % {
                "first": formats.date_format(week_start, "D j M Y"), "last": formats.date_format(week_end, "D j M Y")}}
        )
    target_start, target_end = week_end + timedelta(days=1), week_end + timedelta(days=7 * weeks)
    people = list({e.user_id: e.user for e in source}.values())
    people = _lock_people(people)
    result = RosterResult()
    if replace:
        doomed = RosterEntry.objects.filter(date__range=(target_start, target_end))
        _cancel_pending_swaps(list(doomed.values_list("pk", flat=True)), by=by, now=now, reason=_("The week was overwritten by a copy."))
        result.removed, _unused = doomed.delete()
    schedules = Schedules(people, *_day_window(target_start, target_end))
    person = {p.pk: p for p in people}
    errors, created = [], []
    for week in range(1, weeks + 1):
        for original in source:
            day = original.date + timedelta(days=7 * week)
            user = person[original.user_id]
            if not original.shift_type.active:
                errors.append(_("%(shift)s is no longer in use and cannot be copied.") % {"shift": original.shift_type.name})
                continue
            if schedules.find(user, original.shift_type, day):
                result.skipped += 1
                continue
            entry = _new_entry(
                shift_type=original.shift_type,
                date=day,
                user=user,
                duty=original.duty,
                by=by,
                now=now,
                volunteer=original.volunteer,
                note=original.note,
            )
            problems = schedules.problems(user, entry.starts_at, entry.ends_at)
            if problems:
                errors.extend(problems)
            else:
                schedules.add(entry)
                created.append(entry)
    if errors:
        raise ValidationError({"weeks": _bounded(list(dict.fromkeys(errors)))})
    result.entries = RosterEntry.objects.bulk_create(created)
    audit_record_created(result.entries)  # bulk_create sends no signal
    result.warnings = _staffing_warnings(date_from=target_start, date_to=target_end)
    return result


# --- swaps ----------------------------------------------------------------------------------------


def _swap_problems(first, second):
    """Why the two people cannot exchange these entries (each checked in the other's place)."""
    problems = []
    for giver, taker_entry, field_name in ((first, second, "second"), (second, first, "first")):
        person = giver.user
        if taker_entry.duty == Duty.SUPERVISOR and not has_role(person, Role.SUPERVISOR, Role.ADMIN):
            problems.append((field_name, _("%(name)s is not a supervisor and cannot take supervisor duty.") % {"name": person}))
            continue
        schedules = Schedules([person], taker_entry.starts_at, taker_entry.ends_at)
        for problem in schedules.problems(person, taker_entry.starts_at, taker_entry.ends_at, exclude={giver.pk}):
            problems.append((field_name, problem))
    return problems


def _raise_problems(problems):
    errors = defaultdict(list)
    for field_name, message in problems:
        errors[field_name].append(message)
    raise ValidationError(dict(errors))


@transaction.atomic
def swap_request(*, first, second, by, reason=""):
    """Ask for two people to exchange two shifts. The one who asks agrees by asking; an admin or
    supervisor may propose a swap between two others, who then both have to agree."""
    now = clock.now()
    reason = clean_text(reason, field="reason", max_length=MAX_NOTE)
    entries = {e.pk: e for e in RosterEntry.objects.select_for_update().select_related("shift_type", "user").filter(pk__in=[first.pk, second.pk])}
    if first.pk not in entries or second.pk not in entries:
        raise ValidationError({"first" if first.pk not in entries else "second": _("This shift is no longer on the roster.")})
    first, second = entries[first.pk], entries[second.pk]
    if by.pk == second.user_id and by.pk != first.user_id:
        first, second = second, first  # the asker's own shift is always `first`
    if first.user_id == second.user_id:
        raise ValidationError({"second": _("Both shifts belong to %(name)s: choose someone else's shift.") % {"name": first.user}})
    if (first.shift_type_id, first.date) == (second.shift_type_id, second.date):
        raise ValidationError({"second": _("Both are on the same shift: there is nothing to swap.")})
    if by.pk != first.user_id and not selectors.may_supervise(by):
        raise PermissionDenied(_("You can only ask to swap your own shifts."))
    for field_name, entry in (("first", first), ("second", second)):
        if entry.starts_at <= now:
            raise ValidationError({field_name: _("%(shift)s has already started; it cannot be swapped.") % {"shift": slot_label(entry.shift_type, entry.date)}})
    if SwapRequest.objects.filter(status=SwapStatus.PENDING).filter(_involving([first.pk, second.pk])).exists():
        raise ValidationError({"first": _("One of these shifts already has a swap waiting for agreement.")})
    problems = _swap_problems(first, second)
    if problems:
        _raise_problems(problems)
    return SwapRequest.objects.create(
        first=first,
        second=second,
        first_user=first.user,
        second_user=second.user,
        first_label=slot_label(first.shift_type, first.date)[:80],
        second_label=slot_label(second.shift_type, second.date)[:80],
        first_agreed_at=now if by.pk == first.user_id else None,
        status=SwapStatus.PENDING,
        reason=reason,
        requested_at=now,
        requested_by=by,
    )


def _lock_swap(swap):
    swap = SwapRequest.objects.select_for_update().filter(pk=swap.pk).first()
    if swap is None:
        raise ConflictError(_("This swap no longer exists."), code="gone")
    if swap.status != SwapStatus.PENDING:
        raise ConflictError(
            _("This swap is already %(status)s.") % {"status": SwapStatus(swap.status).label}, code="swap_closed"
        )
    return swap


@transaction.atomic
def swap_agree(*, swap, by):
    """One of the two people agrees. When both have, the shifts are exchanged — after checking
    again that neither is double-booked or short of rest by then."""
    now = clock.now()
    swap = _lock_swap(swap)
    party = swap.party(by)
    if party is None:
        raise PermissionDenied(_("Only the two people swapping can agree to it."))
    setattr(swap, f"{party}_agreed_at", getattr(swap, f"{party}_agreed_at") or now)
    if swap.first_agreed_at and swap.second_agreed_at:
        _swap_execute(swap, by=by, now=now)
    swap.save()
    return swap


def _swap_execute(swap, *, by, now):
    entries = {
        e.pk: e
        for e in RosterEntry.objects.select_for_update().select_related("shift_type", "user").filter(pk__in=[swap.first_id, swap.second_id])
    }
    first, second = entries.get(swap.first_id), entries.get(swap.second_id)
    if first is None or second is None or first.user_id != swap.first_user_id or second.user_id != swap.second_user_id:
        raise ConflictError(_("The roster changed since this swap was asked; ask again."), code="roster_changed")
    if min(first.starts_at, second.starts_at) <= now:
        raise ConflictError(_("One of the shifts has already started; it can no longer be swapped."), code="started")
    _lock_people([first.user, second.user])
    problems = _swap_problems(first, second)
    if problems:
        _raise_problems(problems)
    first.user, second.user = second.user, first.user
    first.volunteer, second.volunteer = second.volunteer, first.volunteer
    # Neither entry's slot is the other's (checked when asked), so the unique (shift, date,
    # person) constraint holds after each of the two updates.
    first.save(update_fields=["user", "volunteer"])
    second.save(update_fields=["user", "volunteer"])
    swap.status = SwapStatus.DONE
    swap.decided_at = now
    swap.decided_by = by


@transaction.atomic
def swap_decline(*, swap, by):
    now = clock.now()
    swap = _lock_swap(swap)
    if swap.party(by) is None:
        raise PermissionDenied(_("Only the two people swapping can decline it."))
    swap.status, swap.decided_at, swap.decided_by = SwapStatus.DECLINED, now, by
    swap.save()
    return swap


@transaction.atomic
def swap_cancel(*, swap, by):
    now = clock.now()
    swap = _lock_swap(swap)
    if swap.party(by) is None and swap.requested_by_id != by.pk and not has_role(by, Role.ADMIN):
        raise PermissionDenied(_("Only the people swapping, whoever asked, or an admin can cancel this swap."))
    swap.status, swap.decided_at, swap.decided_by = SwapStatus.CANCELLED, now, by
    swap.save()
    return swap


# --- handover -------------------------------------------------------------------------------------


def _slot_payload(slot):
    return {
        "code": slot.shift_type.code,
        "name": slot.shift_type.name,
        "date": slot.date.isoformat(),
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
    }


def _handover_payload(handover, by):
    return {
        "handover": {
            "id": handover.pk,
            "shift": handover.shift_type.code,
            "shift_name": handover.shift_type.name,
            "date": handover.date.isoformat(),
            "outgoing": str(handover.outgoing_supervisor),
            "incoming": str(handover.incoming_supervisor) if handover.incoming_supervisor_id else None,
            "acknowledged_at": handover.acknowledged_at.isoformat() if handover.acknowledged_at else None,
            "counts": {s["key"]: s["count"] for s in handover.snapshot.get("sections", []) if s.get("available")},
        },
        "actor_name": str(by),
    }


@transaction.atomic
def handover_write(*, shift_type, date, by, notes):
    """The outgoing supervisor writes (or rewrites, until it is acknowledged) the handover of a
    shift; the open items are snapshotted at that moment."""
    now = clock.now()
    if not selectors.may_supervise(by):
        raise PermissionDenied(_("Only a supervisor or admin writes the shift handover."))
    if shift_type is None:
        raise ValidationError({"shift": _("Choose the shift being handed over.")})
    notes = clean_text(notes, field="notes", max_length=MAX_NOTES, required=True)
    slot = selectors.slot_for(shift_type, date)
    if slot.starts_at > now:
        raise ValidationError({"shift": _("%(shift)s has not started yet.") % {"shift": slot_label(shift_type, date)}})
    if now > slot.ends_at + HANDOVER_LATE_LIMIT:
        raise ValidationError(
            {"shift": _("%(shift)s ended more than %(hours)s ago; its open items can no longer be captured.")
             % {"shift": slot_label(shift_type, date), "hours": _hours(HANDOVER_LATE_LIMIT)}}
        )
    handover = Handover.objects.select_for_update().filter(shift_type=shift_type, date=date).first()
    snapshot = take_snapshot(now=now)
    if handover is None:
        handover = Handover.objects.create(
            shift_type=shift_type,
            date=date,
            outgoing_supervisor=by,
            notes=notes,
            snapshot=snapshot,
            snapshot_at=now,
            created_at=now,
            updated_at=now,
        )
    else:
        if handover.is_acknowledged:
            raise ConflictError(
                _("This handover was acknowledged by %(name)s and can no longer change.") % {"name": handover.incoming_supervisor},
                current=handover,
                code="acknowledged",
            )
        handover.notes, handover.snapshot, handover.snapshot_at, handover.updated_at = notes, snapshot, now, now
        handover.outgoing_supervisor = by
        handover.save()
    events.record(kind="shift.handover_written", audience=events.AUDIENCE_CONSOLE, actor=by, at=now, payload=_handover_payload(handover, by))
    return handover


@transaction.atomic
def handover_acknowledge(*, handover, by, note=""):
    """The incoming supervisor confirms they have read the handover and take over what is open."""
    now = clock.now()
    if not selectors.may_supervise(by):
        raise PermissionDenied(_("Only a supervisor or admin acknowledges the shift handover."))
    note = clean_text(note, field="note", max_length=MAX_NOTES)
    # FOR UPDATE OF the handover only: PostgreSQL refuses to lock the outer-joined (null) incoming supervisor.
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("shift_type", "outgoing_supervisor", "incoming_supervisor")
        .get(pk=handover.pk)
    )
    if handover.is_acknowledged:
        raise ConflictError(
            _("Already acknowledged by %(name)s.") % {"name": handover.incoming_supervisor}, current=handover, code="acknowledged"
        )
    if handover.outgoing_supervisor_id == by.pk:
        raise ConflictError(
            _("You wrote this handover: the incoming supervisor acknowledges it."), current=handover, code="own_handover"
        )
    handover.incoming_supervisor = by
    handover.acknowledged_at = now
    handover.acknowledgement_note = note
    handover.updated_at = now
    handover.save()
    events.record(
        kind="shift.handover_acknowledged", audience=events.AUDIENCE_CONSOLE, actor=by, at=now, payload=_handover_payload(handover, by)
    )
    return handover


# --- the reminder before a shift ends -------------------------------------------------------------


@transaction.atomic
def shift_ending_remind(*, now=None):
    """Push one `shift.ending` event to the consoles when the current shift is within
    SHIFT_REMINDER_MINUTES of its end. Run every minute by beat; the unique ShiftReminder row
    makes it once per shift, however often (and in however many processes) it runs."""
    now = now or clock.now()
    lead = timedelta(minutes=settings.SHIFT_REMINDER_MINUTES)
    slot = selectors.shift_at(now)
    if slot is None or slot.ends_at - now > lead:
        return None
    reminder, created = ShiftReminder.objects.get_or_create(
        shift_type=slot.shift_type, date=slot.date, kind=ShiftReminder.Kind.ENDING, defaults={"sent_at": now}
    )
    if not created:
        return None
    following = selectors.next_slot(slot)
    incoming = selectors.slot_entries(following) if following else []
    handover = selectors.handover_for_slot(slot)
    minutes_left = max(0, int((slot.ends_at - now).total_seconds() // 60))
    with translation.override(settings.LANGUAGE_CODE):
        message = _("%(shift)s ends at %(time)s (in %(minutes)d min). Supervisor: write the handover.") % {
            "shift": slot.shift_type.name,
            "time": f"{timezone.localtime(slot.ends_at):%H:%M}",
            "minutes": minutes_left,
        }
    payload = {
        "shift": _slot_payload(slot),
        "minutes_left": minutes_left,
        "message": message,
        "next_shift": {
            **_slot_payload(following),
            "people": [{"id": e.user_id, "name": str(e.user), "duty": e.duty} for e in incoming],
        }
        if following
        else None,
        "handover": {"id": handover.pk, "acknowledged": handover.is_acknowledged} if handover else None,
    }
    reminder.event = events.record(kind="shift.ending", audience=events.AUDIENCE_CONSOLE, at=now, payload=payload)
    reminder.save(update_fields=["event"])
    return reminder.event
