"""The calls and incidents API (/api/v1/). Thin: parse, check the role, call a service, answer."""

import math
from datetime import datetime, time

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112.api import idempotent, requested_version
from dispatch112.models import Event, Kelurahan
from dispatch112.region import region_kelurahan
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role, has_role
from incidents import selectors, services
from incidents.models import (
    Agency,
    AgencyPost,
    Assignment,
    AssignmentStatus,
    Call,
    Incident,
    IncidentCategory,
    IncidentStatus,
)
from incidents.phone import normalise_phone
from incidents.snapshots import incident_snapshots, known_without_assignments
from incidents.serializers import (
    AdvanceInput,
    AgencySerializer,
    AssignmentSerializer,
    CallInput,
    CallSerializer,
    CategorySerializer,
    CloseInput,
    DeclineInput,
    DispatchInput,
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentUpdateInput,
    KelurahanSerializer,
    LinkCallInput,
    NoteInput,
    ReasonInput,
    TimelineNoteInput,
)

ConsoleOnly = HasRole.of(*CONSOLE_ROLES)
ConsoleOrAgency = HasRole.of(*CONSOLE_ROLES, Role.OPD_STAFF)


class QueuePagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


def agency_scope(user):
    """None for roles that see every incident; the agency id for OPD staff (404 beyond it)."""
    if has_role(user, *CONSOLE_ROLES):
        return None
    if has_role(user, Role.OPD_STAFF) and user.agency_id:
        return user.agency_id
    raise exceptions.PermissionDenied(_("Your account is not linked to an agency."))


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


MAX_ID = 2**63 - 1


def _int_param(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise exceptions.ValidationError({name: [_("Must be a whole number.")]}) from None
    if not 0 <= number <= MAX_ID:
        raise exceptions.ValidationError({name: [_("Out of range.")]})
    return number


def _moment_param(params, name, *, end_of_day=False):
    """A date (a whole WITA day: from its start, or up to its end) or a date and time."""
    value = params.get(name)
    if not value:
        return None
    problem = {name: [_("Use a date (2026-11-27) or a date and time (2026-11-27T08:00+08:00).")]}
    try:
        day = parse_date(value)
        moment = datetime.combine(day, time.max if end_of_day else time.min) if day else parse_datetime(value)
    except ValueError:
        raise exceptions.ValidationError(problem) from None
    if moment is None:
        raise exceptions.ValidationError(problem)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _float_param(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        raise exceptions.ValidationError({name: [_("Must be a number.")]})
    return number


INCIDENT_FILTER_PARAMETERS = [
    OpenApiParameter("status", str, description="Comma-separated statuses, or `active`"),
    OpenApiParameter("category", str, description="Category id or code"),
    OpenApiParameter("priority", int),
    OpenApiParameter("kelurahan", int),
    OpenApiParameter("kecamatan", int),
    OpenApiParameter("agency", int, description="Assigned agency id"),
    OpenApiParameter("created_after", str, description="Date or datetime (WITA if no offset)"),
    OpenApiParameter("created_before", str, description="Date or datetime (WITA if no offset)"),
    OpenApiParameter("q", str, description="Text in reference, address, landmark, or the caller's number"),
]


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    pagination_class = QueuePagination

    def get_permissions(self):
        agency_actions = {"list", "retrieve", "notes"}
        return [ConsoleOrAgency() if self.action in agency_actions else ConsoleOnly()]

    def get_queryset(self):
        queryset = Incident.objects.with_related()
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return queryset
        scope = agency_scope(self.request.user)
        if scope is not None:
            queryset = queryset.visible_to_agency(scope)
        if self.action == "list":
            queryset = self.filter_queryset_by_params(queryset)
        return queryset

    def filter_queryset_by_params(self, queryset):
        params = self.request.query_params
        statuses = [s for s in params.get("status", "").split(",") if s]
        if statuses == ["active"]:
            queryset = queryset.active()
        elif statuses:
            unknown = set(statuses) - set(IncidentStatus.values)
            if unknown:
                raise exceptions.ValidationError({"status": [_("Unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]})
            queryset = queryset.filter(status__in=statuses)
        category = params.get("category")
        if category:
            if category.isdigit():
                queryset = queryset.filter(category_id=_int_param(params, "category"))
            else:
                queryset = queryset.filter(category__code=category)
        for name, lookup in (("priority", "priority"), ("kelurahan", "kelurahan_id"), ("kecamatan", "kelurahan__kecamatan_id")):
            value = _int_param(params, name)
            if value is not None:
                queryset = queryset.filter(**{lookup: value})
        agency = _int_param(params, "agency")
        if agency is not None:
            queryset = queryset.filter(assignments__agency_id=agency).distinct()
        after = _moment_param(params, "created_after")
        before = _moment_param(params, "created_before", end_of_day=True)
        if after:
            queryset = queryset.filter(created_at__gte=after)
        if before:
            queryset = queryset.filter(created_at__lte=before)
        text = params.get("q", "").strip()[:100]
        if text:
            condition = Q(reference__icontains=text) | Q(address__icontains=text) | Q(landmark__icontains=text)
            if has_role(self.request.user, *CONSOLE_ROLES):
                digits = "".join(ch for ch in text if ch.isdigit())
                if len(digits) >= 4:
                    condition |= Q(calls__caller_number__contains=digits.lstrip("0"))
            queryset = queryset.filter(condition).distinct()
        return queryset.order_by("priority", "created_at") if statuses == ["active"] else queryset.order_by("-created_at")

    @extend_schema(parameters=INCIDENT_FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        # Read the newest event id before the list: a console that resumes its live stream from it
        # gets every change made while the list was being read (and drops what it already has).
        last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset.values_list("id", "version"))
        pairs = page if page is not None else list(queryset.values_list("id", "version"))
        data = incident_snapshots(pairs, queryset=Incident.objects.with_related())
        response = self.get_paginated_response(data) if page is not None else Response(data)
        response["X-Last-Event-Id"] = str(last_event_id)
        return response

    def represent_current(self, incident):
        return IncidentSerializer(Incident.objects.with_related().get(pk=incident.pk)).data

    def _detail_response(self, incident, status_code=status.HTTP_200_OK):
        incident = get_object_or_404(Incident.objects.with_related(), pk=incident.pk)
        scope = agency_scope(self.request.user)
        data = IncidentDetailSerializer(incident, context={"agency_id": scope, "mask_callers": scope is not None}).data
        response = Response(data, status=status_code)
        response["ETag"] = f'"{incident.version}"'
        return response

    @extend_schema(responses=IncidentDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail_response(self.get_object())

    @extend_schema(request=IncidentUpdateInput, responses=IncidentDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        data = dict(_validated(IncidentUpdateInput, request))
        data.pop("version", None)
        services.incident_update(incident=incident, by=request.user, version=requested_version(request), changes=data)
        return self._detail_response(incident)

    @extend_schema(request=DispatchInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    @idempotent
    def dispatch_to_agencies(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(DispatchInput, request)
        posts = {}
        for agency_id, post_id in (data.get("posts") or {}).items():
            post = AgencyPost.objects.filter(pk=post_id, active=True).first()
            if post is None:
                raise exceptions.ValidationError({"posts": [_("Unknown post %(id)s.") % {"id": post_id}]})
            if not str(agency_id).isdigit():
                raise exceptions.ValidationError({"posts": [_("Keys must be agency ids.")]})
            posts[int(agency_id)] = post
        services.incident_dispatch(
            incident=incident, agencies=data["agencies"], posts=posts, by=request.user, version=requested_version(request)
        )
        return self._detail_response(incident)

    @extend_schema(request=NoteInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(NoteInput, request)
        services.incident_resolve(incident=incident, by=request.user, note=data.get("note", ""), version=requested_version(request))
        return self._detail_response(incident)

    @extend_schema(request=CloseInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(CloseInput, request)
        services.incident_close(incident=incident, by=request.user, note=data["note"], version=requested_version(request))
        return self._detail_response(incident)

    @extend_schema(request=ReasonInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(ReasonInput, request)
        services.incident_cancel(incident=incident, by=request.user, reason=data["reason"], version=requested_version(request))
        return self._detail_response(incident)

    @extend_schema(request=ReasonInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(ReasonInput, request)
        services.incident_reopen(incident=incident, by=request.user, reason=data["reason"], version=requested_version(request))
        return self._detail_response(incident)

    @extend_schema(request=TimelineNoteInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def notes(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(TimelineNoteInput, request)
        services.incident_add_note(incident=incident, by=request.user, text=data["text"])
        return self._detail_response(incident, status.HTTP_201_CREATED)

    @extend_schema(request=LinkCallInput, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="link-call")
    @idempotent
    def link_call(self, request, *args, **kwargs):
        incident = self.get_object()
        data = _validated(LinkCallInput, request)
        services.call_link(call=data["call"], incident=incident, by=request.user)
        return self._detail_response(incident)

    @extend_schema(
        parameters=[
            OpenApiParameter("category", int),
            OpenApiParameter("latitude", float),
            OpenApiParameter("longitude", float),
            OpenApiParameter("kelurahan", int),
        ],
        responses=dict,
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request, *args, **kwargs):
        """Open incidents a new call may be about, best first."""
        params = request.query_params
        category_id, kelurahan_id = _int_param(params, "category"), _int_param(params, "kelurahan")
        category = get_object_or_404(IncidentCategory, pk=category_id) if category_id else None
        kelurahan = get_object_or_404(Kelurahan, pk=kelurahan_id) if kelurahan_id else None
        latitude, longitude = _float_param(params, "latitude"), _float_param(params, "longitude")
        candidates = selectors.duplicate_candidates(
            now=timezone.now(), category=category, latitude=latitude, longitude=longitude, kelurahan=kelurahan
        )
        return Response(
            {
                "results": [
                    {
                        "incident": IncidentSerializer(c.incident).data,
                        "distance_m": round(c.distance_m) if c.distance_m is not None else None,
                        "minutes_ago": round(c.minutes_ago),
                        "same_category": c.same_category,
                        "same_kelurahan": c.same_kelurahan,
                    }
                    for c in candidates
                ]
            }
        )

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"], url_path="dispatch-options")
    def dispatch_options(self, request, *args, **kwargs):
        """Every active agency with its nearest post (straight-line distance); the category's defaults preselected."""
        incident = self.get_object()
        defaults = set(incident.category.default_agencies.values_list("id", flat=True))
        assigned = {a.agency_id for a in incident.assignments.all()}
        options = []
        for agency in Agency.objects.filter(active=True):
            post, distance = selectors.nearest_post(agency=agency, latitude=incident.latitude, longitude=incident.longitude)
            options.append(
                {
                    "agency": {"id": agency.pk, "code": agency.code, "name": agency.name, "kind": agency.kind},
                    "preselected": agency.pk in defaults and agency.pk not in assigned,
                    "assigned": agency.pk in assigned,
                    "nearest_post": {"id": post.pk, "name": post.name, "distance_m": round(distance)} if post else None,
                }
            )
        options.sort(key=lambda o: (not o["preselected"], o["assigned"], o["agency"]["name"]))
        return Response({"results": options, "distance_note": _("Straight-line distance, not road distance.")})


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CallSerializer
    permission_classes = [ConsoleOnly]
    pagination_class = QueuePagination

    def get_queryset(self):
        queryset = Call.objects.select_related("operator", "incident").order_by("-received_at")
        params = self.request.query_params
        if params.get("outcome"):
            queryset = queryset.filter(outcome__in=params["outcome"].split(","))
        if params.get("number"):
            queryset = queryset.filter(caller_number=normalise_phone(params["number"], field="number"))
        after = _moment_param(params, "received_after")
        before = _moment_param(params, "received_before", end_of_day=True)
        if after:
            queryset = queryset.filter(received_at__gte=after)
        if before:
            queryset = queryset.filter(received_at__lte=before)
        return queryset

    @extend_schema(request=CallInput, responses=CallSerializer)
    @idempotent
    def create(self, request, *args, **kwargs):
        data = dict(_validated(CallInput, request))
        new_incident = data.pop("incident", None)
        link_to = data.pop("link_to", None)
        call = services.call_log(
            by=request.user,
            new_incident=services.IncidentInput(**new_incident) if new_incident else None,
            link_to=link_to,
            **data,
        )
        body = CallSerializer(call).data
        if new_incident:  # the incident as written, with no assignments yet: nothing is read back
            with known_without_assignments(call.incident):
                body["incident_detail"] = IncidentSerializer(call.incident).data
        elif call.incident_id:
            body["incident_detail"] = IncidentSerializer(Incident.objects.with_related().get(pk=call.incident_id)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("number", str, required=True)], responses=dict)
    @action(detail=False, methods=["get"])
    def history(self, request, *args, **kwargs):
        """Earlier calls and incidents of a number, and whether it is flagged for pranks."""
        raw = request.query_params.get("number", "")
        if not raw.strip():
            raise exceptions.ValidationError({"number": [_("This field is required.")]})
        number = normalise_phone(raw, field="number")
        history = selectors.caller_history(number=number, now=timezone.now())
        return Response(
            {
                "number": history.number,
                "total_calls": history.total_calls,
                "prank_calls_recent": history.prank_calls_recent,
                "flagged": history.flagged,
                "calls": CallSerializer(history.calls, many=True).data,
                "incidents": [
                    {"id": i.id, "reference": i.reference, "status": i.status, "category": i.category.name_id, "created_at": i.created_at}
                    for i in history.incidents
                ],
            }
        )


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer
    permission_classes = [ConsoleOrAgency]
    pagination_class = QueuePagination

    def get_queryset(self):
        queryset = Assignment.objects.select_related("agency", "post", "incident__category").order_by("-notified_at")
        if getattr(self, "swagger_fake_view", False):
            return queryset
        scope = agency_scope(self.request.user)
        if scope is not None:
            queryset = queryset.filter(agency_id=scope)
        status_param = self.request.query_params.get("status")
        if status_param:
            queryset = queryset.filter(status__in=status_param.split(","))
        return queryset

    def represent_current(self, incident):
        return IncidentSerializer(Incident.objects.with_related().get(pk=incident.pk)).data

    def _answer(self, assignment):
        assignment.refresh_from_db()
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, *args, **kwargs):
        assignment = self.get_object()
        services.assignment_acknowledge(assignment=assignment, by=request.user)
        return self._answer(assignment)

    @extend_schema(request=AdvanceInput, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def advance(self, request, *args, **kwargs):
        assignment = self.get_object()
        data = _validated(AdvanceInput, request)
        services.assignment_transition(assignment=assignment, to=AssignmentStatus(data["status"]), by=request.user)
        return self._answer(assignment)

    @extend_schema(request=DeclineInput, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request, *args, **kwargs):
        assignment = self.get_object()
        data = _validated(DeclineInput, request)
        services.assignment_decline(assignment=assignment, by=request.user, reason=data["reason"])
        return self._answer(assignment)


class OverdueView(APIView):
    permission_classes = [ConsoleOnly]

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request, *args, **kwargs):
        now = timezone.now()
        rows = selectors.overdue_assignments(now=now)
        return Response(
            [
                {
                    **AssignmentSerializer(a).data,
                    "incident": {"id": a.incident_id, "reference": a.incident.reference, "priority": a.incident.priority},
                    "overdue_seconds": round((now - a.acknowledge_deadline()).total_seconds()),
                }
                for a in rows
            ]
        )


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    permission_classes = [ConsoleOrAgency]
    queryset = Agency.objects.prefetch_related("posts").order_by("name")
    pagination_class = None


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    permission_classes = [ConsoleOrAgency]
    queryset = IncidentCategory.objects.filter(active=True).prefetch_related("default_agencies")
    pagination_class = None


class KelurahanViewSet(viewsets.ReadOnlyModelViewSet):
    """The region's kelurahan/desa; `?q=` matches name, code or kecamatan (type-ahead)."""

    serializer_class = KelurahanSerializer
    permission_classes = [ConsoleOrAgency]
    pagination_class = None

    def get_queryset(self):
        queryset = region_kelurahan().select_related("kecamatan").order_by("name")
        text = self.request.query_params.get("q", "").strip()[:60]
        if text:
            queryset = queryset.filter(Q(name__icontains=text) | Q(code__startswith=text) | Q(kecamatan__name__icontains=text))
        return queryset


class TelephonyIncomingInput(serializers.Serializer):
    caller_number = serializers.CharField(allow_blank=True, max_length=32, help_text=gettext_lazy("As the PBX sends it; empty for a phone without SIM."))
    line = serializers.CharField(required=False, allow_blank=True, max_length=40)


class TelephonyIncomingView(APIView):
    """For the PBX / call-center system (token of a user in the `telephony` group): a call is ringing."""

    permission_classes = [HasRole.of(Role.TELEPHONY)]

    @extend_schema(request=TelephonyIncomingInput, responses={201: dict})
    def post(self, request, *args, **kwargs):
        data = _validated(TelephonyIncomingInput, request)
        event = services.call_ringing(by=request.user, caller_number=data["caller_number"], line=data.get("line", ""))
        return Response({"ring_id": event.pk, **{k: v for k, v in event.payload.items() if k != "actor_name"}}, status=status.HTTP_201_CREATED)


class RingTakeView(APIView):
    """An operator takes a ringing call; the banner leaves the other consoles."""

    permission_classes = [ConsoleOnly]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, ring_id, *args, **kwargs):
        ring = get_object_or_404(Event, pk=ring_id, kind="call.ringing")
        services.ring_take(ring=ring, by=request.user)
        return Response({"ring_id": ring.pk, "caller_number": ring.payload.get("caller_number")})
