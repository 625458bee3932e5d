"""The relawan API (/api/v1/). Thin: parse, check the role, call a service or selector, answer.

Operators, supervisors and admins see volunteers with their phone numbers. OPD staff see only the
activations on incidents assigned to their agency, without any phone number, and nothing else.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112.api import idempotent
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role, has_role
from incidents.models import Incident
from volunteers import selectors, services
from volunteers.models import Activation, ActivationStatus, Volunteer
from volunteers.serializers import (
    ActivateInput,
    ActivationListSerializer,
    ActivationSerializer,
    CancelInput,
    CoverageRowSerializer,
    ProposalQuery,
    ProposalsSerializer,
    RecordInput,
    VolunteerSerializer,
)
from volunteers.snapshots import activation_snapshot, kelurahan_ref, proposal_snapshot, volunteer_snapshot

ConsoleOnly = HasRole.of(*CONSOLE_ROLES)
ConsoleOrAgency = HasRole.of(*CONSOLE_ROLES, Role.OPD_STAFF)


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _link_base(request):
    return request.build_absolute_uri("/").rstrip("/")


def _agency_scope(user):
    """None for roles that see everything; the agency id for OPD staff."""
    if has_role(user, *CONSOLE_ROLES):
        return None
    if has_role(user, Role.OPD_STAFF) and user.agency_id:
        return user.agency_id
    raise exceptions.PermissionDenied(_("Your account is not linked to an agency."))


class ProposalsView(APIView):
    """Volunteers to call for an incident, best first: available now and free, covering the
    incident's kelurahan, then neighbours by distance; matching skills first; busy ones marked."""

    permission_classes = [ConsoleOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("skills", str, description="Comma-separated skill codes; default: the category's skills"),
            OpenApiParameter("limit", int, description="At most this many (default VOLUNTEER_PROPOSAL_LIMIT)"),
        ],
        responses=ProposalsSerializer,
    )
    def get(self, request, incident_id, *args, **kwargs):
        incident = get_object_or_404(Incident.objects.select_related("category", "kelurahan__kecamatan"), pk=incident_id)
        query = _validated(ProposalQuery, request.query_params)
        skills = query.get("skills") if "skills" in request.query_params else None
        proposals = selectors.volunteer_proposals(incident=incident, skills=skills, limit=query.get("limit"))
        notes = {"no_place": _("The incident has no kelurahan or point yet: set the place to see volunteers nearby.")}
        return Response(
            {
                "incident": {"id": incident.pk, "reference": incident.reference, "kelurahan": kelurahan_ref(incident.kelurahan)},
                "skills": proposals.skills,
                "skills_from": proposals.skills_from,
                "total": proposals.total,
                "note": notes.get(proposals.note, ""),
                "distance_note": _("Straight-line distance, not road distance."),
                "results": [proposal_snapshot(p, rank=i) for i, p in enumerate(proposals.results, start=1)],
            }
        )


class ActivationPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500

    def get_paginated_response_schema(self, schema):
        # The list answers {"results", "count"} (no next/previous links): say so in the schema.
        return {"type": "object", "required": ["results", "count"], "properties": {"count": {"type": "integer"}, "results": schema}}


class ActivationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Volunteers called to incidents. OPD staff: read-only, their agency's incidents, no phone numbers."""

    serializer_class = ActivationSerializer
    pagination_class = ActivationPagination  # for the schema: list() pages with it explicitly

    def get_permissions(self):
        return [ConsoleOrAgency() if self.action in ("list", "retrieve") else ConsoleOnly()]

    def get_queryset(self):
        queryset = Activation.objects.with_related().order_by("id")
        if getattr(self, "swagger_fake_view", False):
            return queryset
        scope = _agency_scope(self.request.user)
        if scope is not None:
            queryset = queryset.filter(incident__assignments__agency_id=scope).distinct()
        return queryset

    def _represent(self, activation):
        return activation_snapshot(activation, with_phone=has_role(self.request.user, *CONSOLE_ROLES))

    def represent_current(self, current):
        # A refused transition (409) carries the activation as it is now.
        if isinstance(current, Activation):
            return self._represent(Activation.objects.with_related().get(pk=current.pk))
        return None

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", int, description="Only this incident's activations"),
            OpenApiParameter("status", str, description="Comma-separated statuses, or `open`"),
        ],
        responses=ActivationSerializer,
    )
    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        incident = request.query_params.get("incident")
        if incident:
            if not incident.isdigit():
                raise exceptions.ValidationError({"incident": [_("Must be a whole number.")]})
            queryset = queryset.filter(incident_id=int(incident))
        statuses = [s for s in request.query_params.get("status", "").split(",") if s]
        if statuses == ["open"]:
            queryset = queryset.open()
        elif statuses:
            unknown = set(statuses) - set(ActivationStatus.values)
            if unknown:
                raise exceptions.ValidationError({"status": [_("Unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]})
            queryset = queryset.filter(status__in=statuses)
        paginator = ActivationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return Response({"results": [self._represent(a) for a in page], "count": paginator.count})

    @extend_schema(responses=ActivationSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self._represent(self.get_object()))

    @extend_schema(request=ActivateInput, responses={201: ActivationListSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        data = _validated(ActivateInput, request.data)
        incident = Incident.objects.filter(pk=data["incident"]).first()
        if incident is None:
            raise exceptions.ValidationError({"incident": [_("Unknown incident %(id)s.") % {"id": data["incident"]}]})
        found = {v.pk: v for v in Volunteer.objects.filter(pk__in=data["volunteers"])}
        unknown = [str(i) for i in data["volunteers"] if i not in found]
        if unknown:
            raise exceptions.ValidationError({"volunteers": [_("Unknown volunteer(s): %(ids)s.") % {"ids": ", ".join(unknown)}]})
        created = services.activation_create(
            incident=incident, volunteers=[found[i] for i in data["volunteers"]], by=request.user, link_base=_link_base(request)
        )
        activations = Activation.objects.with_related().filter(pk__in=[a.pk for a in created]).order_by("id")
        return Response({"results": [self._represent(a) for a in activations]}, status=status.HTTP_201_CREATED)

    def _answer(self, activation):
        return Response(self._represent(Activation.objects.with_related().get(pk=activation.pk)))

    @extend_schema(request=CancelInput, responses=ActivationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, *args, **kwargs):
        """Stand the volunteer down; one who already had the invitation gets a message saying so."""
        activation = self.get_object()
        data = _validated(CancelInput, request.data)
        services.activation_cancel(activation=activation, by=request.user, reason=data.get("reason", ""))
        return self._answer(activation)

    @extend_schema(request=RecordInput, responses=ActivationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def record(self, request, *args, **kwargs):
        """Record what the volunteer said on the phone: accepted, declined, arrived, finished."""
        activation = self.get_object()
        data = _validated(RecordInput, request.data)
        services.activation_transition(activation=activation, to=data["status"], by=request.user, via="console")
        return self._answer(activation)


class VolunteerPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class VolunteerViewSet(viewsets.ReadOnlyModelViewSet):
    """The roster (console roles only): `?q=` name, phone or skill; `?kelurahan=`, `?kecamatan=`, `?skill=`."""

    serializer_class = VolunteerSerializer
    permission_classes = [ConsoleOnly]
    pagination_class = VolunteerPagination

    def get_queryset(self):
        from dispatch112.models import Kecamatan, Kelurahan

        params = self.request.query_params
        kelurahan = kecamatan = None
        for name, model in (("kelurahan", Kelurahan), ("kecamatan", Kecamatan)):
            value = params.get(name)
            if value and not value.isdigit():
                raise exceptions.ValidationError({name: [_("Must be a whole number.")]})
            if value:
                found = model.objects.filter(pk=int(value)).first()
                if found is None:
                    raise exceptions.ValidationError({name: [_("Unknown %(name)s %(id)s.") % {"name": name, "id": value}]})
                if name == "kelurahan":
                    kelurahan = found
                else:
                    kecamatan = found
        return selectors.roster(
            q=params.get("q", ""),
            kelurahan=kelurahan,
            kecamatan=kecamatan,
            skill=params.get("skill", ""),
            include_inactive=params.get("active") == "all",
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([volunteer_snapshot(v, with_phone=True) for v in page])

    def retrieve(self, request, *args, **kwargs):
        volunteer = get_object_or_404(Volunteer.objects.with_related(), pk=kwargs["pk"])
        return Response(volunteer_snapshot(volunteer, with_phone=True))

    @extend_schema(responses=CoverageRowSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per kelurahan, all of them
    def coverage(self, request, *args, **kwargs):
        """Every kelurahan with its active volunteers and how many are available now."""
        rows = [row for group in selectors.coverage() for row in group.rows]
        return Response(
            [
                {
                    "kelurahan": kelurahan_ref(row.kelurahan),
                    "active": row.active,
                    "home": row.home,
                    "available_now": row.available_now,
                    "no_active": row.no_active,
                    "none_available": row.none_available,
                }
                for row in rows
            ]
        )
