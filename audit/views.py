import json

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from audit.selectors import AuditFilterForm, audit_entries
from audit.models import AuditEntry
from dispatch112.csvexport import csv_response
from dispatch112.roles import Role, RoleRequiredMixin

PAGE_SIZE = 50
# Admins read the trail. roles.py gives supervisors no admin pages (they read the roster, the
# wall and the reports), so they do not read the record of admin changes either.
AUDIT_ROLES = (Role.ADMIN,)


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, audit_entries(form.cleaned_data)
    if form.is_bound:
        return form, AuditEntry.objects.none()
    return form, audit_entries({})


def _query_without_page(request):
    query = QueryDict(mutable=True)
    query.update(request.GET)
    query.pop("page", None)
    return query.urlencode()


class AuditLog(RoleRequiredMixin, View):
    allowed_roles = AUDIT_ROLES

    def get(self, request):
        form, entries = _filtered(request)
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "audit/log.html", {"form": form, "page": page, "query": _query_without_page(request)})


def _value(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


class AuditExport(RoleRequiredMixin, View):
    allowed_roles = AUDIT_ROLES

    def get(self, request):
        _form, entries = _filtered(request)
        header = [
            _("When"), _("By"), _("Role"), _("Action"), _("Data"), _("Object id"), _("Object"),
            _("Changed fields"), _("Before"), _("After"), _("Request id"), _("Address"), _("Page"),
        ]  # fmt: skip

        def rows():
            for entry in entries.iterator(chunk_size=1000):
                yield [
                    entry.at, entry.actor_username, entry.actor_role, entry.action, entry.model_label, entry.object_id, entry.object_repr,
                    ", ".join(entry.changed_fields), _value(entry.before), _value(entry.after), entry.request_id, entry.ip_address, entry.path,
                ]  # fmt: skip

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(f"audit-{stamp}.csv", header, rows())
