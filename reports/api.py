"""The report figures as JSON: the same tables the page and its CSV exports show. Read-only."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112 import clock
from dispatch112.roles import REPORT_ROLES, HasRole
from reports import selectors
from reports.filters import Period, ReportFilterForm

FILTER_PARAMETERS = [
    OpenApiParameter("period", str, enum=[value for value, _label in Period.CHOICES],
                     description="WITA days: today, this shift, the last 7 or 30 days (today included), this year, or custom (needs from and to). Default 30d."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (WITA) of a custom period."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (WITA, included) of a custom period."),
    OpenApiParameter("kecamatan", int, description="Kecamatan id: incidents there, their calls and responses."),
    OpenApiParameter("category", int, description="Incident category id."),
    OpenApiParameter("agency", int, description="Agency id: incidents it was dispatched to; response figures of its own assignments."),
    OpenApiParameter("priority", int, enum=[1, 2, 3, 4], description="Incident priority."),
]  # fmt: skip


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(help_text="How the figures are counted (targets, what is missing, what is left out).")
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row keyed by column key; durations in seconds (*_s), shares in percent (*_pct), null when nothing was measured."
    )


class FilterSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateTimeField(help_text="Inclusive.")
    end = serializers.DateTimeField(help_text="Exclusive.")
    label = serializers.CharField()
    kecamatan = serializers.IntegerField(allow_null=True)
    category = serializers.IntegerField(allow_null=True)
    agency = serializers.IntegerField(allow_null=True)
    priority = serializers.IntegerField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    filter = FilterSerializer()
    headline = serializers.DictField(required=False, help_text="The page's headline numbers (when calls, handling and response are included).")
    tables = serializers.DictField(child=TableSerializer())


def _report_filter(request):
    form = ReportFilterForm(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form.field_errors())
    return form.report_filter(now=clock.now())


def _filter_data(report):
    return {
        "period": report.period, "start": report.start, "end": report.end, "label": report.label,
        "kecamatan": report.kecamatan.pk if report.kecamatan else None, "category": report.category.pk if report.category else None,
        "agency": report.agency.pk if report.agency else None, "priority": report.priority,
    }  # fmt: skip


class FiguresView(APIView):
    permission_classes = [HasRole.of(*REPORT_ROLES)]

    @extend_schema(
        summary="Report figures: every table of the reports page for one filter",
        parameters=FILTER_PARAMETERS
        + [OpenApiParameter("sections", str, description=f"Comma-separated subset of: {', '.join(selectors.SECTIONS)}. Default: all.")],
        responses=FiguresSerializer,
    )
    def get(self, request, *args, **kwargs):
        report = _report_filter(request)
        sections = [s for s in request.query_params.get("sections", "").split(",") if s]
        unknown = [s for s in sections if s not in selectors.SECTIONS]
        if unknown:
            raise exceptions.ValidationError({"sections": [_("Unknown section: %(names)s.") % {"names": ", ".join(unknown)}]})
        figures = selectors.dashboard(report, sections or None)
        body = {"filter": _filter_data(report), "tables": {key: table.as_dict() for key, table in figures["tables"].items()}}
        if "headline" in figures:
            body["headline"] = figures["headline"]
        return Response(FiguresSerializer(body).data)


class TableView(APIView):
    permission_classes = [HasRole.of(*REPORT_ROLES)]

    @extend_schema(summary="One report table", parameters=FILTER_PARAMETERS, responses=TableSerializer)
    def get(self, request, key, *args, **kwargs):
        if key not in selectors.TABLES:
            raise exceptions.NotFound(_("No table “%(key)s”.") % {"key": key})
        return Response(TableSerializer(selectors.TABLES[key](_report_filter(request)).as_dict()).data)
