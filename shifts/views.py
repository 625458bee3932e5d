"""Shift pages: the month calendar (admins fill it, supervisors read it), my shifts and swaps,
the handover, and the on-duty header fragment. Thin: parse a form, call one service or
selector, render or redirect."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from dispatch112 import clock
from dispatch112.csvexport import csv_text
from dispatch112.errors import ConflictError
from dispatch112.roles import CONSOLE_ROLES, Role, RoleRequiredMixin, has_role
from shifts import selectors, services
from shifts.forms import (
    AcknowledgeForm,
    CopyWeekForm,
    HandoverForm,
    HandoverSearchForm,
    PatternForm,
    RosterEntryForm,
    SwapForm,
    apply_errors,
)
from shifts.models import Handover, RosterEntry, SwapRequest, SwapStatus
from shifts.snapshot import for_display, take_snapshot

SUPERVISING_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _today():
    return timezone.localdate(clock.now(), timezone.get_default_timezone())


def _month_from(value, today):
    """'2026-11' → (2026, 11); anything else → this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        date(year, month, 1)
        return year, month
    except (TypeError, ValueError):
        return today.year, today.month


def _show_result(request, result, done):
    messages.success(request, done)
    for warning in result.warnings:
        messages.warning(request, warning)


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# --- calendar -------------------------------------------------------------------------------------


class CalendarView(RoleRequiredMixin, View):
    """The month: days × shift types with who is rostered and what is missing. Admins edit."""

    allowed_roles = SUPERVISING_ROLES
    template_name = "shifts/calendar.html"
    actions = ("add", "remove", "generate", "copy", "swap")

    def get(self, request):
        today = _today()
        year, month = _month_from(request.GET.get("month"), today)
        return self.render_month(request, year, month)

    def post(self, request):
        if not has_role(request.user, Role.ADMIN):
            raise PermissionDenied(_("Only an admin can change the roster."))
        today = _today()
        year, month = _month_from(request.POST.get("month"), today)
        action = request.POST.get("action")
        if action not in self.actions:
            return HttpResponse(_("Unknown action."), status=400)
        return getattr(self, f"post_{action}")(request, year, month)

    # Each action: a bound form; on success a message and back to the month, else the month with the errors.

    def post_add(self, request, year, month):
        form = RosterEntryForm(request.POST)
        if form.is_valid():
            try:
                result = services.roster_add(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                entry = result.entries[0]
                _show_result(
                    request,
                    result,
                    _("%(name)s rostered on %(shift)s.") % {"name": entry.user, "shift": services.slot_label(entry.shift_type, entry.date)},
                )
                return self.back(entry.date)
        return self.render_month(request, year, month, forms={"add": form}, open_panel="add", status=400)

    def post_remove(self, request, year, month):
        entry = get_object_or_404(RosterEntry.objects.select_related("shift_type", "user"), pk=request.POST.get("entry") or 0)
        label, name, day = services.slot_label(entry.shift_type, entry.date), str(entry.user), entry.date
        try:
            result = services.roster_remove(entry=entry, by=request.user)
        except ConflictError as error:
            messages.error(request, error.message)
            return self.back(day)
        _show_result(request, result, _("%(name)s removed from %(shift)s.") % {"name": name, "shift": label})
        return self.back(day)

    def post_generate(self, request, year, month):
        form = PatternForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["duty"] = data["duty"] or None
            try:
                result = services.roster_generate_pattern(by=request.user, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                done = ngettext(
                    "%(n)d roster entry generated.", "%(n)d roster entries generated.", len(result.entries)
                ) % {"n": len(result.entries)}
                if result.skipped:
                    done += " " + ngettext("%(n)d was already there.", "%(n)d were already there.", result.skipped) % {"n": result.skipped}
                if result.removed:
                    done += " " + ngettext("%(n)d old entry replaced.", "%(n)d old entries replaced.", result.removed) % {"n": result.removed}
                _show_result(request, result, done)
                return self.back(data["start"])
        return self.render_month(request, year, month, forms={"pattern": form}, open_panel="pattern", status=400)

    def post_copy(self, request, year, month):
        form = CopyWeekForm(request.POST)
        if form.is_valid():
            try:
                result = services.roster_copy_week(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                done = ngettext("%(n)d roster entry copied.", "%(n)d roster entries copied.", len(result.entries)) % {"n": len(result.entries)}
                if result.skipped:
                    done += " " + ngettext("%(n)d was already there.", "%(n)d were already there.", result.skipped) % {"n": result.skipped}
                _show_result(request, result, done)
                return self.back(form.cleaned_data["week_start"] + timedelta(days=7))
        return self.render_month(request, year, month, forms={"copy": form}, open_panel="copy", status=400)

    def post_swap(self, request, year, month):
        form = self.swap_form(year, month, data=request.POST)
        if form.is_valid():
            try:
                swap = services.swap_request(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Swap proposed: %(a)s and %(b)s must both agree on their “My shifts” page.")
                    % {"a": swap.first_user, "b": swap.second_user},
                )
                return self.back(form.cleaned_data["first"].date)
        return self.render_month(request, year, month, forms={"swap": form}, open_panel="swap", status=400)

    def back(self, day):
        return redirect(f"{reverse('shifts-calendar')}?month={day:%Y-%m}#day-{day:%Y-%m-%d}")

    def swap_form(self, year, month, data=None):
        first, last = selectors.month_bounds(year, month)
        entries = (
            RosterEntry.objects.filter(date__range=(first - timedelta(days=7), last + timedelta(days=7)), starts_at__gt=clock.now())
            .with_related()
            .order_by("starts_at", "user__first_name")
        )
        return SwapForm(data, first_entries=entries, second_entries=entries)

    def render_month(self, request, year, month, *, forms=None, open_panel="", status=200):
        today = _today()
        calendar = selectors.month_calendar(year, month)
        first, last = calendar.first, calendar.last
        is_admin = has_role(request.user, Role.ADMIN)
        monday = today - timedelta(days=today.weekday())
        if not first <= monday <= last:
            monday = first - timedelta(days=first.weekday())
        forms = forms or {}
        context = {
            "calendar": calendar,
            "is_admin": is_admin,
            "open_panel": open_panel,
            "month_value": f"{year:04d}-{month:02d}",
            "today": today,
            "pending_swaps": selectors.pending_swaps()[:20],
            "min_rest_hours": services.min_rest().total_seconds() / 3600,
        }
        if is_admin:
            context.update(
                add_form=forms.get("add") or RosterEntryForm(initial={"date": today if first <= today <= last else first}),
                pattern_form=forms.get("pattern") or PatternForm(initial={"start": first, "end": last}),
                copy_form=forms.get("copy") or CopyWeekForm(initial={"week_start": monday}),
                swap_form=forms.get("swap") or self.swap_form(year, month),
            )
        return render(request, self.template_name, context, status=status)


class CalendarCsvView(RoleRequiredMixin, View):
    """The month as a spreadsheet: one row per person per shift, and one row for each empty shift."""

    allowed_roles = SUPERVISING_ROLES

    def get(self, request, year, month):
        try:
            date(year, month, 1)
        except ValueError:
            raise Http404(_("No such month.")) from None
        calendar = selectors.month_calendar(year, month)
        header = [
            "date", "weekday", "shift", "shift_name", "starts", "ends", "username", "name", "duty", "relawan",
            "operators", "operators_required", "supervisors", "supervisors_required", "understaffed", "gaps",
        ]
        # A month is a few hundred rows: one response, not a stream.
        response = HttpResponse(csv_text(header, _calendar_rows(calendar), bom=True), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-{year:04d}-{month:02d}.csv"'
        return response


def _calendar_rows(calendar):
    for day in calendar.days:
        for cell in day.cells:
            staffing = cell.staffing
            common_tail = [
                staffing.operators,
                cell.shift_type.min_operators,
                staffing.supervisors,
                cell.shift_type.min_supervisors,
                "yes" if staffing.understaffed else "no",
                "; ".join(staffing.gaps()),
            ]
            head = [
                day.date.isoformat(),
                day.date.strftime("%a"),
                cell.shift_type.code,
                cell.shift_type.name,
                timezone.localtime(cell.slot.starts_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(cell.slot.ends_at).strftime("%Y-%m-%d %H:%M"),
            ]
            if not cell.entries:
                yield head + ["", "", "", ""] + common_tail
            for entry in cell.entries:
                yield head + [entry.user.username, str(entry.user), entry.duty, "yes" if entry.volunteer else "no"] + common_tail


# --- my shifts and swaps --------------------------------------------------------------------------


class MyShiftsView(RoleRequiredMixin, View):
    allowed_roles = CONSOLE_ROLES
    template_name = "shifts/mine.html"

    def get(self, request):
        return self.render_page(request)

    def post(self, request):
        form = self.swap_form(request, data=request.POST)
        if form.is_valid():
            try:
                swap = services.swap_request(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Swap asked: it happens when %(name)s agrees.") % {"name": swap.second_user})
                return redirect("shifts-mine")
        return self.render_page(request, swap_form=form, status=400)

    def swap_form(self, request, data=None):
        now = clock.now()
        mine = RosterEntry.objects.filter(user=request.user, starts_at__gt=now).with_related().order_by("starts_at")
        return SwapForm(data, first_entries=mine, second_entries=selectors.swap_candidates(request.user, now=now))

    def render_page(self, request, *, swap_form=None, status=200):
        context = {
            "now_duty": selectors.on_duty(),
            "entries": selectors.upcoming_entries(request.user),
            "swaps": selectors.swaps_for(request.user),
            "swap_form": swap_form or self.swap_form(request),
        }
        return render(request, self.template_name, context, status=status)


class SwapActionView(RoleRequiredMixin, View):
    allowed_roles = CONSOLE_ROLES
    actions = {"agree": services.swap_agree, "decline": services.swap_decline, "cancel": services.swap_cancel}

    def post(self, request, pk, action):
        if action not in self.actions:
            raise Http404(_("No such action."))
        swap = get_object_or_404(SwapRequest, pk=pk)
        try:
            swap = self.actions[action](swap=swap, by=request.user)
        except ConflictError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if swap.status == SwapStatus.DONE:
                messages.success(request, _("Both agreed: the shifts are swapped."))
            elif swap.status == SwapStatus.PENDING:
                messages.success(request, _("You agreed. The swap happens when the other person agrees too."))
            else:
                messages.info(request, _("The swap is %(status)s.") % {"status": swap.get_status_display()})
        return redirect(_safe_next(request, reverse("shifts-mine")))


class OnDutyFragmentView(RoleRequiredMixin, View):
    """The header's on-duty block, re-fetched by the header script when a shift changes."""

    allowed_roles = CONSOLE_ROLES

    def get(self, request):
        response = render(request, "shifts/on_duty.html", {"on_duty": selectors.header_on_duty()})
        response["Cache-Control"] = "no-store"
        return response


# --- handover -------------------------------------------------------------------------------------


def _handover_slots(now):
    """The shifts a handover can be written for now: the current one, and the one before it."""
    current = selectors.shift_at(now)
    if current is None:
        return []
    previous = selectors.previous_slot(current)
    slots = [current] + ([previous] if previous else [])
    # In the first hour of a shift, the handover being written is most likely the previous one's.
    if previous and now - current.starts_at < timedelta(hours=1):
        slots.reverse()
    return slots


class HandoverListView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISING_ROLES
    page_size = 25

    def get(self, request):
        form = HandoverSearchForm(request.GET or None)
        filters = {}
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "q": data["q"],
                "shift_type": data["shift_type"],
                "date_from": data["date_from"],
                "date_to": data["date_to"],
                "pending": {"pending": True, "acknowledged": False}.get(data["status"]),
            }
        page = Paginator(selectors.handover_search(**filters), self.page_size).get_page(request.GET.get("page"))
        for handover in page:
            handover.open_counts = [s for s in for_display(handover.snapshot) if s.get("available")]
        query = request.GET.copy()
        query.pop("page", None)
        now = clock.now()
        current = selectors.shift_at(now)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "current_slot": current,
            "current_handover": selectors.handover_for_slot(current) if current else None,
            "pending_count": Handover.objects.pending().count(),
        }
        return render(request, "shifts/handover_list.html", context)


class HandoverWriteView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISING_ROLES
    template_name = "shifts/handover_write.html"

    def get(self, request):
        now = clock.now()
        slots = _handover_slots(now)
        initial = {}
        if slots:
            chosen = next((s for s in slots if s.key == request.GET.get("shift")), slots[0])
            existing = selectors.handover_for_slot(chosen)
            initial = {"shift": chosen.key, "notes": existing.notes if existing else ""}
        form = HandoverForm(initial=initial, slots=slots)
        return self.render_page(request, form, slots, now)

    def post(self, request):
        now = clock.now()
        slots = _handover_slots(now)
        form = HandoverForm(request.POST, slots=slots)
        if form.is_valid():
            slot = form.cleaned_data["shift"]
            try:
                handover = services.handover_write(
                    shift_type=slot.shift_type, date=slot.date, by=request.user, notes=form.cleaned_data["notes"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Handover saved. The incoming supervisor acknowledges it on this page."))
                return redirect("shifts-handover", pk=handover.pk)
        return self.render_page(request, form, slots, now, status=400)

    def render_page(self, request, form, slots, now, status=200):
        existing = [(slot, handover) for slot in slots if (handover := selectors.handover_for_slot(slot))]
        context = {
            "form": form,
            "slots": slots,
            "existing": existing,
            "preview": for_display(take_snapshot(now=now)),
            "now": now,
        }
        return render(request, self.template_name, context, status=status)


class HandoverDetailView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISING_ROLES

    def get(self, request, pk):
        return self.render_page(request, self.get_handover(pk))

    def post(self, request, pk):
        handover = self.get_handover(pk)
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                services.handover_acknowledge(handover=handover, by=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Handover acknowledged: you have the shift."))
                return redirect("shifts-handover", pk=handover.pk)
        return self.render_page(request, handover, form, status=400)

    def get_handover(self, pk):
        return get_object_or_404(Handover.objects.select_related("shift_type", "outgoing_supervisor", "incoming_supervisor"), pk=pk)

    def render_page(self, request, handover, form=None, status=200):
        slot = selectors.slot_for(handover.shift_type, handover.date)
        following = selectors.next_slot(slot)
        context = {
            "handover": handover,
            "slot": slot,
            "sections": for_display(handover.snapshot),
            "outgoing_entries": selectors.slot_entries(slot),
            "incoming_slot": following,
            "incoming_entries": selectors.slot_entries(following) if following else [],
            "can_acknowledge": not handover.is_acknowledged and handover.outgoing_supervisor_id != request.user.pk,
            "can_edit": not handover.is_acknowledged and slot.key in {s.key for s in _handover_slots(clock.now())},
            "form": form or AcknowledgeForm(),
        }
        return render(request, "shifts/handover_detail.html", context, status=status)
