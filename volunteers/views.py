"""Pages: the coordinators' roster, coverage, import/export and outbox; the volunteer's link page.

Thin: parse, check the role, call one service or selector, render.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_http_methods

from dispatch112 import clock
from dispatch112.errors import ConflictError
from dispatch112.roles import Role, RoleRequiredMixin, has_role
from incidents.models import Incident
from volunteers import csvfile, links, selectors, services
from volunteers.availability import format_windows_for_display, volunteer_availability, windows_of
from volunteers.forms import ImportForm, OutboxFilterForm, RosterFilterForm, VolunteerForm
from volunteers.models import (
    ACTIVATION_TRANSITIONS,
    VOLUNTEER_ACTIONS,
    Activation,
    ActivationStatus,
    Availability,
    Message,
    MessageStatus,
    Volunteer,
)

COORDINATOR_ROLES = (Role.ADMIN,)
# Supervisors read the roster and the coverage (who can be called tonight); admins keep them.
READ_ROLES = (Role.ADMIN, Role.SUPERVISOR)
PAGE_SIZE = 50


def _annotate(volunteers, now):
    """Availability now, busy and the display of hours, for the volunteers of one page."""
    busy = selectors.busy_activations([v.pk for v in volunteers])
    on_duty = selectors.on_operator_duty_user_ids(now)
    rows = []
    for volunteer in volunteers:
        rows.append(
            {
                "volunteer": volunteer,
                "availability": volunteer_availability(volunteer, now),
                "hours": None if volunteer.availability == Availability.ALWAYS else format_windows_for_display(windows_of(volunteer)),
                "busy_with": busy.get(volunteer.pk),
                "on_duty": volunteer.user_id is not None and volunteer.user_id in on_duty,
                "covers": [k for k in volunteer.covers.all() if k.pk != volunteer.kelurahan_id],
            }
        )
    return rows


class RosterView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        now = clock.now()
        form = RosterFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        status = filters.get("status") or "active"
        volunteers = selectors.roster(
            q=filters.get("q", ""),
            kecamatan=filters.get("kecamatan"),
            kelurahan=filters.get("kelurahan"),
            skill=filters.get("skill", ""),
            include_inactive=status in ("all", "inactive"),
        )
        if status == "inactive":
            volunteers = volunteers.filter(active=False)
        if filters.get("available"):
            # Availability is computed per volunteer (weekly windows in WITA), not in SQL.
            chosen = [r for r in _annotate(list(volunteers), now) if r["availability"].available and not r["busy_with"] and not r["on_duty"]]
            page = Paginator(chosen, PAGE_SIZE).get_page(request.GET.get("page"))
            rows = list(page)
        else:
            page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
            rows = _annotate(list(page), now)
        query = request.GET.copy()
        query.pop("page", None)
        counts = selectors.roster_counts()
        selected_kecamatan = filters.get("kecamatan") or (filters.get("kelurahan").kecamatan if filters.get("kelurahan") else None)
        return render(
            request,
            "volunteers/roster.html",
            {
                "form": form,
                "page": page,
                "rows": rows,
                "query": query.urlencode(),
                "counts": counts,
                "total_active": sum(c.active for c in counts),
                "selected_kecamatan": selected_kecamatan,
                "selected_kelurahan": filters.get("kelurahan"),
                "now": now,
                "can_edit": has_role(request.user, Role.ADMIN),
            },
        )


class CoverageView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        now = clock.now()
        groups = selectors.coverage(now=now)
        only_gaps = request.GET.get("gaps") == "1"
        rows = [row for group in groups for row in group.rows]
        if only_gaps:
            for group in groups:
                group.rows = [r for r in group.rows if r.no_active or r.none_available]
            groups = [g for g in groups if g.rows]
        return render(
            request,
            "volunteers/coverage.html",
            {
                "groups": groups,
                "now": now,
                "only_gaps": only_gaps,
                "kelurahan_total": len(rows),
                "no_active_total": sum(1 for r in rows if r.no_active),
                "none_available_total": sum(1 for r in rows if r.none_available),
                "covered_total": sum(1 for r in rows if not r.no_active and not r.none_available),
            },
        )


class VolunteerCreateView(RoleRequiredMixin, View):
    allowed_roles = COORDINATOR_ROLES

    def get(self, request):
        initial = {"joined_on": timezone.localdate()}
        if request.GET.get("kelurahan", "").isdigit():
            initial["kelurahan"] = request.GET["kelurahan"]
        return render(request, "volunteers/volunteer_form.html", {"form": VolunteerForm(initial=initial), "volunteer": None})

    def post(self, request):
        form = VolunteerForm(request.POST)
        if form.is_valid():
            try:
                volunteer = services.volunteer_create(data=form.to_input(), by=request.user)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("%(name)s was added to the roster.") % {"name": volunteer.name})
                return redirect("volunteers-edit", pk=volunteer.pk)
        else:
            form.check_all()
        return render(request, "volunteers/volunteer_form.html", {"form": form, "volunteer": None}, status=400)


class VolunteerEditView(RoleRequiredMixin, View):
    allowed_roles = COORDINATOR_ROLES

    def _context(self, volunteer, form):
        activations = volunteer.activations.select_related("incident__category", "incident__kelurahan").order_by("-sent_at")[:20]
        return {"form": form, "volunteer": volunteer, "activations": activations}

    def get(self, request, pk):
        volunteer = get_object_or_404(Volunteer.objects.with_related(), pk=pk)
        form = VolunteerForm(initial=VolunteerForm.initial_for(volunteer))
        return render(request, "volunteers/volunteer_form.html", self._context(volunteer, form))

    def post(self, request, pk):
        volunteer = get_object_or_404(Volunteer.objects.with_related(), pk=pk)
        form = VolunteerForm(request.POST)
        if form.is_valid():
            try:
                services.volunteer_update(volunteer=volunteer, data=form.to_input(), by=request.user, version=form.cleaned_data.get("version"))
            except ValidationError as error:
                form.add_service_errors(error)
            except ConflictError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": volunteer.name})
                return redirect("volunteers-edit", pk=volunteer.pk)
        else:
            form.check_all(instance=volunteer)
        return render(request, "volunteers/volunteer_form.html", self._context(volunteer, form), status=400)


class ImportView(RoleRequiredMixin, View):
    allowed_roles = COORDINATOR_ROLES

    def get(self, request):
        return render(request, "volunteers/import.html", {"form": ImportForm(), "columns": csvfile.COLUMNS})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        problems = []
        if form.is_valid():
            try:
                summary = services.volunteers_import_csv(text=form.cleaned_data["file"], by=request.user)
            except csvfile.VolunteerImportError as error:
                problems = error.problems
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
                )
                return redirect("volunteers-roster")
        return render(request, "volunteers/import.html", {"form": form, "problems": problems, "columns": csvfile.COLUMNS}, status=400)


class ExportView(RoleRequiredMixin, View):
    allowed_roles = COORDINATOR_ROLES

    def get(self, request):
        volunteers = Volunteer.objects.with_related().order_by("kelurahan__kecamatan__name", "kelurahan__name", "name")
        response = HttpResponse(csvfile.export(volunteers), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="relawan-{stamp}.csv"'
        return response


_TOKEN_IN_BODY = re.compile(r"(/r/)([^\s]+)")


def _display_body(message):
    """The text as sent, with the link's secret part hidden unless it only ever went to the log."""
    if message.is_demo or message.gateway in ("", "console"):
        return message.body
    return _TOKEN_IN_BODY.sub(lambda m: m.group(1) + m.group(2)[:6] + "…", message.body)


class OutboxView(RoleRequiredMixin, View):
    allowed_roles = COORDINATOR_ROLES

    def get(self, request):
        form = OutboxFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        page = Paginator(selectors.outbox(status=filters.get("status", ""), q=filters.get("q", "")), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"message": m, "body": _display_body(m)} for m in page]
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "volunteers/outbox.html",
            {"form": form, "page": page, "rows": rows, "counts": [(s, MessageStatus(s).label, n) for s, n in selectors.outbox_counts().items()], "query": query.urlencode()},
        )

    def post(self, request):
        message = get_object_or_404(Message, pk=request.POST.get("message") or 0)
        try:
            services.message_requeue(message=message, by=request.user)
        except ConflictError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Message %(id)s is queued again.") % {"id": message.pk})
        return redirect(reverse("volunteers-outbox") + ("?" + urlencode({"status": request.POST.get("status", "")}) if request.POST.get("status") else ""))


# --- the volunteer's link -----------------------------------------------------------------------

# The token is in the address: no other site gets it as a referrer ("same-origin", not
# "no-referrer": with that, the browser sends "Origin: null" on the form and CSRF refuses it).
LINK_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "same-origin"}


def _link_page(request, context, status=200):
    response = render(request, "volunteers/link.html", context, status=status)
    for name, value in LINK_HEADERS.items():
        response[name] = value
    return response


def _activation_for(token):
    """(activation, problem): problem is "tampered", "expired" or None."""
    try:
        claim = links.read_token(token)
    except links.LinkProblem as problem:
        return None, problem.code
    activation = (
        Activation.objects.select_related("volunteer", "incident__category", "incident__kelurahan__kecamatan").filter(pk=claim.activation_id).first()
    )
    # A token signed for another activation (or for an earlier one that had this id) never matches.
    if activation is None or activation.token_nonce != claim.nonce:
        return None, "tampered"
    return activation, None


# What the volunteer reads about their call, in their terms.
VOLUNTEER_STATUS_LABELS = {
    ActivationStatus.SENT: gettext_lazy("Waiting for your answer"),
    ActivationStatus.ACCEPTED: gettext_lazy("On your way"),
    ActivationStatus.ARRIVED: gettext_lazy("At the scene"),
    ActivationStatus.FINISHED: gettext_lazy("Finished"),
    ActivationStatus.DECLINED: gettext_lazy("Declined"),
    ActivationStatus.EXPIRED: gettext_lazy("Expired"),
    ActivationStatus.CANCELLED: gettext_lazy("Stood down"),
}


def _actions_for(activation):
    allowed = ACTIVATION_TRANSITIONS[ActivationStatus(activation.status)]
    return [action for action, status in VOLUNTEER_ACTIONS.items() if status in allowed]


@require_http_methods(["GET", "POST"])
def volunteer_link(request, token):
    """The page a volunteer opens from the message: accept or decline, then arrived and finished."""
    activation, problem = _activation_for(token)
    if problem == "expired":
        return _link_page(request, {"problem": "expired"}, status=410)
    if problem:
        return _link_page(request, {"problem": "invalid"}, status=400 if request.method == "POST" else 404)

    services.activation_expire_if_due(activation=activation)
    activation.refresh_from_db()
    refused = None
    status_code = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in VOLUNTEER_ACTIONS:
            refused = _("Unknown action.")
            status_code = 400
        else:
            try:
                services.activation_respond(activation=activation, action=action)
            except ConflictError as error:
                activation.refresh_from_db()
                refused = str(error.message)
                status_code = 409
            else:
                return redirect(reverse("volunteer-link", kwargs={"token": token}) + f"?done={action}", permanent=False)
    incident = Incident.objects.select_related("category", "kelurahan__kecamatan").get(pk=activation.incident_id)
    done = request.GET.get("done") if request.method == "GET" and request.GET.get("done") in VOLUNTEER_ACTIONS else None
    return _link_page(
        request,
        {
            "activation": activation,
            "incident": incident,
            "actions": _actions_for(activation),
            "refused": refused,
            "done": done,
            "now": clock.now(),
            "category_name": incident.category.name_for(request.LANGUAGE_CODE),
            "status_label": VOLUNTEER_STATUS_LABELS[ActivationStatus(activation.status)],
        },
        status=status_code,
    )

