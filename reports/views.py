from datetime import timedelta
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from dispatch112 import clock
from dispatch112.csvexport import csv_response
from dispatch112.roles import REPORT_ROLES, RoleRequiredMixin
from incidents.views import map_config
from reports import selectors
from reports.filters import Period, ReportFilterForm, wita
from reports.presentation import SECTION_TITLES, headline_tiles, present


def print_links(now):
    """Ready-made printable reports: today, yesterday, this month and last month."""
    today = timezone.localtime(now, wita()).date()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)

    def custom(start, end):
        return urlencode({"period": Period.CUSTOM, "from": start.isoformat(), "to": end.isoformat()})

    return [
        (_("Daily report: today"), custom(today, today)),
        (_("Daily report: yesterday"), custom(today - timedelta(days=1), today - timedelta(days=1))),
        (_("Monthly report: this month"), custom(first, today)),
        (_("Monthly report: last month"), custom(last_month_end.replace(day=1), last_month_end)),
    ]


class DashboardView(RoleRequiredMixin, View):
    """Every figure for the filter in the query string; GET only (the pimpinan changes nothing)."""

    allowed_roles = REPORT_ROLES
    template_name = "reports/dashboard.html"

    def get(self, request):
        form = ReportFilterForm(request.GET)
        now = clock.now()
        context = {"form": form, "print_links": print_links(now)}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        report = form.report_filter(now=now)
        figures = selectors.dashboard(report)
        query = urlencode(report.query_params())
        sections = []
        for section, keys in selectors.SECTIONS.items():
            sections.append({"key": section, "title": SECTION_TITLES[section], "items": [present(figures["tables"][key]) for key in keys]})
        map_rows = [r for r in figures["tables"]["incidents_by_kecamatan"].rows if r["latitude"] is not None]
        context.update(
            report=report,
            headline=figures["headline"],
            tiles=headline_tiles(figures["headline"]),
            sections=sections,
            query=query,
            map_data={"map": map_config(), "areas": map_rows},
            pbx_available=selectors.pbx_available(),
        )
        return render(request, self.template_name, context)


class PrintView(DashboardView):
    """The same figures on paper: no navigation, no map tiles, tables after their charts."""

    template_name = "reports/print.html"


class TableExportView(RoleRequiredMixin, View):
    allowed_roles = REPORT_ROLES

    def get(self, request, key):
        if key not in selectors.TABLES:
            raise Http404(_("No such table."))
        report, errors = _filter_or_errors(request)
        if errors:
            return errors
        table = selectors.TABLES[key](report)
        columns = table.columns
        return csv_response(
            _filename(key, report), [str(label) for _k, label in columns], ([row.get(k) for k, _l in columns] for row in table.rows)
        )


class IncidentExportView(RoleRequiredMixin, View):
    allowed_roles = REPORT_ROLES

    def get(self, request):
        report, errors = _filter_or_errors(request)
        if errors:
            return errors
        return csv_response(
            _filename("incidents", report), [str(label) for _k, label in selectors.INCIDENT_COLUMNS], selectors.incident_rows(report)
        )


def _filter_or_errors(request):
    from django.http import JsonResponse

    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        fields = form.field_errors()
        detail = "; ".join(f"{name}: {messages[0]}" for name, messages in fields.items())
        return None, JsonResponse({"detail": detail, "code": "invalid", "fields": fields}, status=400)
    return form.report_filter(now=clock.now()), None


def _filename(key, report):
    return f"{key}_{report.first_day.isoformat()}_{report.last_day.isoformat()}.csv"
