"""The integrations API (/api/v1/eido/…, /api/v1/cap/…, /api/v1/units/…). Thin: parse, check, call."""

import base64
import binascii

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112 import clock
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role
from incidents.api import agency_scope
from incidents.models import Assignment, Incident
from integrations import eido, selectors, services, trackers
from integrations.models import AgencyWebhook, Unit, UnitSource
from integrations.snapshots import received_snapshot, unit_snapshot

ConsoleOnly = HasRole.of(*CONSOLE_ROLES)
ConsoleOrAgency = HasRole.of(*CONSOLE_ROLES, Role.OPD_STAFF)
AgencyStaff = HasRole.of(Role.OPD_STAFF)

ANY_OBJECT = OpenApiTypes.OBJECT


class EidoIncidentView(APIView):
    """GET /api/v1/eido/incidents/{id}/: the incident as an EIDO document."""

    permission_classes = [ConsoleOrAgency]

    @extend_schema(responses={200: ANY_OBJECT}, summary="An incident as a NENA EIDO-style JSON document")
    def get(self, request, incident_id, **kwargs):
        scope = agency_scope(request.user)
        incidents = Incident.objects.select_related("category", "kelurahan__kecamatan")
        if scope is not None:
            incidents = incidents.visible_to_agency(scope)
        incident = get_object_or_404(incidents, pk=incident_id)
        console = scope is None
        with_caller = console or AgencyWebhook.objects.filter(agency_id=scope, share_caller_data=True).exists()
        return Response(eido.eido_document(incident, with_caller=with_caller, console=console))


class ReceivedAlertsView(APIView):
    """GET /api/v1/cap/received/: hazard alerts from the feeds that are in force for the region."""

    permission_classes = [ConsoleOnly]

    @extend_schema(responses={200: ANY_OBJECT}, summary="CAP alerts received from hazard feeds, in force now")
    def get(self, request, **kwargs):
        return Response({"results": [received_snapshot(a) for a in selectors.received_alerts_in_force(now=clock.now())]})


class UnitsView(APIView):
    """GET /api/v1/units/: units that reported recently (OPD staff: their own agency's only)."""

    permission_classes = [ConsoleOrAgency]

    @extend_schema(responses={200: ANY_OBJECT}, summary="Units on the map, with their latest position")
    def get(self, request, **kwargs):
        scope = agency_scope(request.user)
        return Response({"results": [unit_snapshot(unit, position) for unit, position in selectors.units_on_map(agency_id=scope, now=clock.now())]})


class ShareInput(serializers.Serializer):
    assignment = serializers.IntegerField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    accuracy = serializers.FloatField(required=False, allow_null=True)
    recorded_at = serializers.CharField(required=False, allow_blank=True)


class ShareView(APIView):
    """POST /api/v1/units/share/: the OPD console reports this person's position while en route."""

    permission_classes = [AgencyStaff]

    @extend_schema(request=ShareInput, responses={201: ANY_OBJECT}, summary="Share my position for an assignment")
    def post(self, request, **kwargs):
        if not request.user.agency_id:
            raise exceptions.PermissionDenied(_("Your account is not linked to an agency."))
        data = request.data if hasattr(request.data, "get") else {}
        assignment_id = data.get("assignment")
        if not str(assignment_id or "").isdigit():
            raise exceptions.ValidationError({"assignment": [_("Must be the id of your assignment.")]})
        assignment = get_object_or_404(Assignment, pk=int(assignment_id), agency_id=request.user.agency_id)
        fix = trackers.from_browser(data, now=clock.now())
        position = services.unit_share(user=request.user, assignment=assignment, fix=fix)
        return Response({"unit": position.unit_id, "recorded_at": position.recorded_at.isoformat()}, status=201)


class ShareStopView(APIView):
    """POST /api/v1/units/share/stop/: stop showing this person on the map."""

    permission_classes = [AgencyStaff]

    @extend_schema(request=None, responses={200: ANY_OBJECT}, summary="Stop sharing my position")
    def post(self, request, **kwargs):
        services.unit_share_stop(user=request.user)
        return Response({"sharing": False})


# --- trackers: no session, a token per device ------------------------------------------------------


def device_token(request):
    """OwnTracks: HTTP Basic (the password) or a Bearer token; Traccar/OsmAnd: the `id` parameter
    (the device identifier set in Traccar Client). Either may also use ?token=."""
    header = request.headers.get("Authorization", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            return base64.b64decode(value.strip()).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return request.query_params.get("token") or request.query_params.get("id") or (request.data.get("id") if hasattr(request.data, "get") else "") or ""


class HasDeviceToken(BasePermission):
    message = _("Unknown or disabled device token.")

    def has_permission(self, request, view):
        token = str(device_token(request) or "")
        unit = Unit.objects.select_related("agency").filter(token=token, active=True).first() if token else None
        request.unit = unit
        return unit is not None


class TrackerView(APIView):
    authentication_classes = []
    permission_classes = [HasDeviceToken]

    def get_authenticate_header(self, request):
        return 'Basic realm="dispatch112-units"'  # a 401 with this header, as OwnTracks expects

    def permission_denied(self, request, message=None, code=None):
        if not device_token(request):
            raise exceptions.NotAuthenticated()  # no token at all: as any endpoint answers the anonymous
        raise exceptions.AuthenticationFailed(HasDeviceToken.message)


class OwnTracksView(TrackerView):
    """POST /api/v1/units/owntracks/: OwnTracks in HTTP mode."""

    @extend_schema(request=ANY_OBJECT, responses={200: ANY_OBJECT}, summary="OwnTracks location (HTTP mode)")
    def post(self, request, **kwargs):
        fix = trackers.from_owntracks(request.data, now=clock.now())
        if fix is not None:
            services.unit_position_record(unit=request.unit, fix=fix, source=UnitSource.OWNTRACKS)
        return Response([])  # OwnTracks expects a JSON array (cards, commands): none


TRACCAR_PARAMETERS = [OpenApiParameter(name, str, required=name in ("id", "lat", "lon")) for name in ("id", "lat", "lon", "timestamp", "speed", "bearing", "accuracy")]


class TraccarView(TrackerView):
    """GET or POST /api/v1/units/traccar/?id=<token>&lat=…&lon=…: the OsmAnd protocol."""

    @extend_schema(parameters=TRACCAR_PARAMETERS, request=None, responses={200: inline_serializer("TraccarOk", {"ok": serializers.BooleanField()})})
    def post(self, request, **kwargs):
        params = request.query_params.copy()
        if hasattr(request.data, "items"):
            params.update(request.data)
        fix = trackers.from_osmand(params, now=clock.now())
        services.unit_position_record(unit=request.unit, fix=fix, source=UnitSource.TRACCAR)
        return Response({"ok": True})

    @extend_schema(parameters=TRACCAR_PARAMETERS, responses={200: inline_serializer("TraccarGetOk", {"ok": serializers.BooleanField()})})
    def get(self, request, **kwargs):
        return self.post(request, **kwargs)
