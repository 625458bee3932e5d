"""The one filter every figure on the reports page goes through: a period in WITA days and the
kecamatan / category / agency / priority choices.

Which moment puts a row in the period:
  calls              received_at
  incidents          created_at
  assignments        their incident's created_at (a response belongs to the incident's period)
  relawan activations their incident's created_at
  PBX calls          offered_at
Calls that never became an incident (prank, silent, info, test) have no kecamatan, category or
agency: with one of those filters on they are not counted (the page says so).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dispatch112 import clock
from dispatch112.models import Kecamatan
from incidents.models import Agency, Assignment, Call, Incident, IncidentCategory, Priority


class Period:
    TODAY = "today"
    SHIFT = "shift"
    WEEK = "7d"
    MONTH = "30d"
    YEAR = "year"
    CUSTOM = "custom"

    CHOICES = [
        (TODAY, _("Today")),
        (SHIFT, _("This shift")),
        (WEEK, _("Last 7 days")),
        (MONTH, _("Last 30 days")),
        (YEAR, _("This year")),
        (CUSTOM, _("Custom")),
    ]


def wita():
    return timezone.get_default_timezone()


def day_start(day):
    """00:00 WITA of `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=wita())


@dataclass(frozen=True)
class ReportFilter:
    start: datetime  # inclusive
    end: datetime  # exclusive
    period: str = Period.MONTH
    kecamatan: Kecamatan | None = None
    category: IncidentCategory | None = None
    agency: Agency | None = None
    priority: int | None = None
    # What the period was called on the page ("malam 27 Nov" for a shift).
    label: str = field(default="", compare=False)

    @property
    def narrows_incidents(self):
        return any(x is not None for x in (self.kecamatan, self.category, self.agency, self.priority))

    @property
    def first_day(self):
        return timezone.localtime(self.start, wita()).date()

    @property
    def last_day(self):
        return timezone.localtime(self.end - timedelta(microseconds=1), wita()).date()

    def days(self):
        day, last = self.first_day, self.last_day
        while day <= last:
            yield day
            day += timedelta(days=1)

    def query_params(self):
        """The filter as the query string the page, exports and API take."""
        params = {"period": self.period}
        if self.period == Period.CUSTOM:
            params["from"] = self.first_day.isoformat()
            params["to"] = self.last_day.isoformat()
        for name in ("kecamatan", "category", "agency"):
            value = getattr(self, name)
            if value is not None:
                params[name] = value.pk
        if self.priority is not None:
            params["priority"] = self.priority
        return params

    # --- the querysets every selector starts from ----------------------------------------------

    def _incident_conditions(self, prefix=""):
        conditions = {}
        if self.kecamatan is not None:
            conditions[f"{prefix}kelurahan__kecamatan"] = self.kecamatan
        if self.category is not None:
            conditions[f"{prefix}category"] = self.category
        if self.priority is not None:
            conditions[f"{prefix}priority"] = self.priority
        return conditions

    def incidents(self):
        queryset = Incident.objects.filter(created_at__gte=self.start, created_at__lt=self.end, **self._incident_conditions())
        if self.agency is not None:
            queryset = queryset.filter(pk__in=Assignment.objects.filter(agency=self.agency).values("incident_id"))
        return queryset.order_by()

    def _of_period_incidents(self, queryset, *, agency_path):
        queryset = queryset.filter(
            incident__created_at__gte=self.start, incident__created_at__lt=self.end, **self._incident_conditions("incident__")
        )
        if self.agency is not None:
            queryset = queryset.filter(**{agency_path: self.agency})
        return queryset.order_by()

    def assignments(self):
        """Assignments of the period's incidents; with an agency chosen, that agency's only."""
        return self._of_period_incidents(Assignment.objects.all(), agency_path="agency")

    def _fact_conditions(self):
        conditions = {}
        if self.kecamatan is not None:
            conditions["kecamatan"] = self.kecamatan
        if self.category is not None:
            conditions["category"] = self.category
        if self.priority is not None:
            conditions["priority"] = self.priority
        return conditions

    def response_facts(self):
        """The ResponseFacts of assignments() without its cancelled incidents (those have none)."""
        from reports.models import ResponseFact

        queryset = ResponseFact.objects.filter(created_at__gte=self.start, created_at__lt=self.end, **self._fact_conditions())
        if self.agency is not None:
            queryset = queryset.filter(agency=self.agency)
        return queryset.order_by()

    def handling_facts(self):
        """The HandlingFacts of calls() that opened an incident that is not cancelled."""
        from reports.models import HandlingFact

        from reports.rollup import handling_of_agency

        queryset = HandlingFact.objects.filter(received_at__gte=self.start, received_at__lt=self.end, **self._fact_conditions())
        if self.agency is not None:
            queryset = handling_of_agency(queryset, self.agency, self.start, self.end)
        return queryset.order_by()

    def call_facts(self):
        """The CallFacts of calls() when an incident filter is chosen: the calls' own rows, or with
        an agency chosen that agency's rows (one per call whose incident it was assigned to)."""
        from reports.models import CallFact

        return CallFact.objects.filter(
            received_at__gte=self.start, received_at__lt=self.end, agency=self.agency, **self._fact_conditions()
        ).order_by()

    def call_hours(self):
        """The hourly call counts of the period (reports.models.CallHour), or None when they cannot
        answer for calls(): an incident filter is chosen (the counts know no incidents), or the
        period does not start and end on a whole hour."""
        from reports.models import CallHour

        if self.narrows_incidents or not self._whole_hours():
            return None
        return CallHour.objects.filter(hour__gte=self.start, hour__lt=self.end).order_by()

    def _whole_hours(self):
        return all(moment.minute == moment.second == moment.microsecond == 0 for moment in (self.start, self.end))

    def rollup(self, source):
        """The reports.rollup.Span of response_facts() ("response"), handling_facts() ("handling")
        or answer_facts() ("answer"): narrowed to the incident filter when one is chosen, or None
        when several are (the rollups are kept per single filter; the PBX calls are never
        narrowed)."""
        from reports.rollup import Span

        if source == "answer" or not self.narrows_incidents:
            return Span(source, self.start, self.end)
        chosen = [(name, getattr(self, name)) for name in ("kecamatan", "category", "agency", "priority") if getattr(self, name) is not None]
        if len(chosen) > 1:
            return None
        name, value = chosen[0]
        return Span(source, self.start, self.end, narrow=(name, str(getattr(value, "pk", value))))

    def calls(self):
        queryset = Call.objects.filter(received_at__gte=self.start, received_at__lt=self.end)
        if self.narrows_incidents:
            queryset = queryset.filter(incident__in=Incident.objects.filter(**self._incident_conditions()).values("pk"))
            if self.agency is not None:
                queryset = queryset.filter(incident__assignments__agency=self.agency)
        return queryset.order_by()

    def activations(self):
        from volunteers.models import Activation

        return self._of_period_incidents(Activation.objects.all(), agency_path="incident__assignments__agency")

    def pbx_calls(self):
        """The PBX's call records of the period (the incident filters do not apply: most of these
        calls never reached an operator)."""
        from intake.models import PbxCall

        return PbxCall.objects.filter(offered_at__gte=self.start, offered_at__lt=self.end).order_by()

    def pbx_hours(self):
        """The hourly counts of pbx_calls() (reports.models.PbxHour), or None when the period does
        not start and end on a whole hour."""
        from reports.models import PbxHour

        return PbxHour.objects.filter(hour__gte=self.start, hour__lt=self.end).order_by() if self._whole_hours() else None

    def answer_facts(self):
        """The AnswerFacts of pbx_calls(): the answered calls."""
        from reports.models import AnswerFact

        return AnswerFact.objects.filter(offered_at__gte=self.start, offered_at__lt=self.end).order_by()


def period_bounds(period, *, now, date_from=None, date_to=None):
    """(start, end, label) of a period, in WITA days; `now` is aware."""
    today = timezone.localtime(now, wita()).date()
    tomorrow = day_start(today + timedelta(days=1))
    if period == Period.TODAY:
        return day_start(today), tomorrow, today.isoformat()
    if period == Period.SHIFT:
        from shifts.selectors import shift_at

        slot = shift_at(now)
        if slot is not None:
            return slot.starts_at, slot.ends_at, str(slot)
        return day_start(today), tomorrow, today.isoformat()
    if period == Period.WEEK:
        return day_start(today - timedelta(days=6)), tomorrow, f"{today - timedelta(days=6)} – {today}"
    if period == Period.MONTH:
        return day_start(today - timedelta(days=29)), tomorrow, f"{today - timedelta(days=29)} – {today}"
    if period == Period.YEAR:
        return day_start(today.replace(month=1, day=1)), tomorrow, str(today.year)
    return day_start(date_from), day_start(date_to + timedelta(days=1)), f"{date_from} – {date_to}"


class ReportFilterForm(forms.Form):
    """Query-string parsing for the page, the exports and the API: a bad value is an error that
    names its field, never a silently wider report."""

    period = forms.ChoiceField(label=_("Period"), choices=Period.CHOICES, required=False)
    # `from`/`to` are Python keywords: the form fields are renamed in __init__.
    date_from = forms.DateField(label=pgettext_lazy("start of a period", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("end of a period", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kecamatan = forms.ModelChoiceField(label=_("Kecamatan"), queryset=Kecamatan.objects.none(), required=False, empty_label=_("All kecamatan"))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=IncidentCategory.objects.all(), required=False, empty_label=_("All categories")
    )
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.all(), required=False, empty_label=_("All agencies"))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[("", _("All priorities"))] + list(Priority.choices), coerce=int, required=False, empty_value=None
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = data.copy()
            if not data.get("period"):
                data["period"] = Period.MONTH
            for outer, inner in (("from", "date_from"), ("to", "date_to")):
                if outer in data and inner not in data:
                    data[inner] = data[outer]
        super().__init__(data, **kwargs)
        self.fields["kecamatan"].queryset = Kecamatan.objects.filter(region__code=settings.REGION_CODE).order_by("name")

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or Period.MONTH
        cleaned["period"] = period
        if period == Period.CUSTOM:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            if date_from is None and "date_from" not in self.errors:
                self.add_error("date_from", _("Choose the first day."))
            if date_to is None and "date_to" not in self.errors:
                self.add_error("date_to", _("Choose the last day."))
            if date_from and date_to:
                if date_to < date_from:
                    self.add_error("date_to", _("The last day is before the first day."))
                elif (date_to - date_from).days >= settings.REPORTS_MAX_RANGE_DAYS:
                    self.add_error("date_to", _("At most %(days)s days at once.") % {"days": settings.REPORTS_MAX_RANGE_DAYS})
        return cleaned

    def report_filter(self, *, now=None):
        """The ReportFilter; call after is_valid()."""
        data = self.cleaned_data
        start, end, label = period_bounds(
            data["period"], now=now or clock.now(), date_from=data.get("date_from"), date_to=data.get("date_to")
        )
        return ReportFilter(
            start=start,
            end=end,
            period=data["period"],
            kecamatan=data.get("kecamatan"),
            category=data.get("category"),
            agency=data.get("agency"),
            priority=data.get("priority"),
            label=label,
        )

    def field_errors(self):
        """Errors keyed by the query-string names (`from`, `to`)."""
        rename = {"date_from": "from", "date_to": "to"}
        return {rename.get(name, name): [str(m) for m in messages] for name, messages in self.errors.items()}


def parse_filter(params, *, now=None):
    """(ReportFilter, None) or (None, {field: [messages]})."""
    form = ReportFilterForm(params)
    if not form.is_valid():
        return None, form.field_errors()
    return form.report_filter(now=now), None

