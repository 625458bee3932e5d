"""The CCTV API (/api/v1/cameras/, /api/v1/wall-layout/). Thin: parse, check the role, call a
service or selector, answer. Operators read; supervisors and admins manage."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from cctv import csvfile, selectors, services
from cctv.models import Camera, CameraStatus
from cctv.serializers import (
    CameraInput,
    CameraSerializer,
    ImportResultSerializer,
    NearestCamerasSerializer,
    OfflineCamerasSerializer,
    WallAddInput,
    WallLayoutSerializer,
)
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role, has_role

MANAGER_ROLES = (Role.SUPERVISOR, Role.ADMIN)
ConsoleOnly = HasRole.of(*CONSOLE_ROLES)
Managers = HasRole.of(*MANAGER_ROLES)
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class CameraPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class CsvTextParser(parsers.BaseParser):
    """A CSV file sent as the request body (Content-Type: text/csv)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            raise exceptions.ParseError(_("The file is larger than %(n)s bytes.") % {"n": MAX_IMPORT_BYTES})
        try:
            return {"csv": raw.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The file is not UTF-8 text.")) from None


def _float_param(params, name, *, required=False, low=None, high=None):
    value = params.get(name, "")
    if value in ("", None):
        if required:
            raise exceptions.ValidationError({name: [_("This field is required.")]})
        return None
    try:
        number = float(value)
    except ValueError:
        raise exceptions.ValidationError({name: [_("Must be a number.")]}) from None
    if number != number or (low is not None and number < low) or (high is not None and number > high):
        raise exceptions.ValidationError({name: [_("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}]})
    return number


def import_text(request):
    """The CSV text of an import request: a multipart `file`, or a text/csv body."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_IMPORT_BYTES:
            raise exceptions.ValidationError({"file": [_("The file is larger than %(n)s bytes.") % {"n": MAX_IMPORT_BYTES}]})
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise exceptions.ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None
    text = request.data.get("csv") if hasattr(request.data, "get") else None
    if not isinstance(text, str) or not text.strip():
        raise exceptions.ValidationError({"file": [_("Send the CSV file as `file` (multipart) or as a text/csv body.")]})
    return text


def import_problem_response(error):
    rows = [p.as_dict() for p in error.problems]
    return Response(
        {"detail": str(error), "code": "invalid_rows", "fields": {"file": [str(p) for p in error.problems]}, "rows": rows},
        status=status.HTTP_400_BAD_REQUEST,
    )


IMPORT_PROBLEMS = inline_serializer(
    "CameraImportProblems",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "rows": inline_serializer(
            "CameraImportRowProblem",
            {"line": serializers.IntegerField(), "code": serializers.CharField(), "reason": serializers.CharField()},
            many=True,
        ),
    },
)


class CameraViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The camera registry. Every console role reads it; supervisors and admins change it."""

    serializer_class = CameraSerializer
    pagination_class = CameraPagination
    manage_actions = {"create", "update", "partial_update", "destroy", "import_csv", "export_csv"}

    def get_permissions(self):
        return [Managers() if self.action in self.manage_actions else ConsoleOnly()]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        context["show_feed_url"] = user is not None and has_role(user, *MANAGER_ROLES)
        return context

    def get_queryset(self):
        queryset = Camera.objects.with_related().order_by("code")
        if self.action != "list":
            return queryset
        params = self.request.query_params
        active = params.get("active", "").lower()
        if active in ("true", "1"):
            queryset = queryset.filter(active=True)
        elif active in ("false", "0"):
            queryset = queryset.filter(active=False)
        elif active not in ("", "all"):
            raise exceptions.ValidationError({"active": [_("Use true, false or all.")]})
        statuses = [s for s in params.get("status", "").split(",") if s]
        unknown = set(statuses) - set(CameraStatus.values)
        if unknown:
            raise exceptions.ValidationError({"status": [_("Unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]})
        if statuses:
            queryset = queryset.filter(status__in=statuses)
        if params.get("kelurahan"):
            if not params["kelurahan"].isdigit():
                raise exceptions.ValidationError({"kelurahan": [_("Must be a whole number.")]})
            queryset = queryset.filter(kelurahan_id=int(params["kelurahan"]))
        text = params.get("q", "").strip()[:60]
        if text:
            from django.db.models import Q

            queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(location__icontains=text))
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("active", str, description="`true`, `false` or `all` (default)"),
            OpenApiParameter("status", str, description="Comma-separated: online, offline, unknown"),
            OpenApiParameter("kelurahan", int),
            OpenApiParameter("q", str, description="Text in code, name or location"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _answer(self, camera, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(camera).data, status=status_code)

    @extend_schema(request=CameraInput, responses={201: CameraSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CameraInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("clear_credentials", None)
        camera = services.camera_create(by=request.user, data=data)
        return self._answer(camera, status.HTTP_201_CREATED)

    @extend_schema(request=CameraInput, responses=CameraSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        camera = self.get_object()
        serializer = CameraInput(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        clear = changes.pop("clear_credentials", False)
        camera = services.camera_update(camera=camera, by=request.user, changes=changes, clear_credentials=clear)
        return self._answer(camera)

    @extend_schema(request=CameraInput, responses=CameraSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.camera_delete(camera=instance, by=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("latitude", float, required=True),
            OpenApiParameter("longitude", float, required=True),
            OpenApiParameter("radius", int, description="Metres (default CCTV_NEAREST_RADIUS_METERS)"),
            OpenApiParameter("limit", int, description="At most this many (default 10, at most 50)"),
        ],
        responses=NearestCamerasSerializer,
    )
    @action(detail=False, methods=["get"])
    def nearest(self, request, *args, **kwargs):
        """Active cameras within the radius of a point, nearest first (an incident's location)."""
        from django.conf import settings

        params = request.query_params
        latitude = _float_param(params, "latitude", required=True, low=-90, high=90)
        longitude = _float_param(params, "longitude", required=True, low=-180, high=180)
        radius = _float_param(params, "radius", low=1, high=50_000) or settings.CCTV_NEAREST_RADIUS_METERS
        limit = int(_float_param(params, "limit", low=1, high=50) or 10)
        near = selectors.cameras_nearest(latitude=latitude, longitude=longitude, radius_m=radius, limit=limit)
        context = self.get_serializer_context()
        return Response(
            {
                "radius_m": round(radius),
                "distance_note": _("Straight-line distance, not road distance."),
                "results": [
                    {"camera": CameraSerializer(n.camera, context=context).data, "distance_m": round(n.distance_m)} for n in near
                ],
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("minutes", int, description="Threshold (default CCTV_OFFLINE_ALERT_MINUTES)")],
        responses=OfflineCamerasSerializer,
    )
    @action(detail=False, methods=["get"])
    def offline(self, request, *args, **kwargs):
        """Active cameras offline for longer than the threshold, longest outage first."""
        from django.conf import settings

        minutes = _float_param(request.query_params, "minutes", low=0, high=7 * 24 * 60)
        minutes = settings.CCTV_OFFLINE_ALERT_MINUTES if minutes is None else minutes
        now = timezone.now()
        context = self.get_serializer_context()
        rows = selectors.cameras_offline_longer_than(now=now, minutes=minutes)
        return Response(
            {
                "threshold_minutes": minutes,
                "results": [
                    {
                        "camera": CameraSerializer(camera, context=context).data,
                        "offline_seconds": round((now - camera.status_changed_at).total_seconds()),
                    }
                    for camera in rows
                ],
            }
        )

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="export")
    def export_csv(self, request, *args, **kwargs):
        """Every camera as CSV, in the import's columns (user names and passwords are never exported)."""
        text = csvfile.export(Camera.objects.with_related().order_by("code"))
        response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cameras-{timezone.localdate():%Y%m%d}.csv"'
        return response

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("CameraImportUpload", {"file": serializers.FileField()}),
            "text/csv": OpenApiTypes.STR,
        },
        responses={200: ImportResultSerializer, 400: OpenApiResponse(IMPORT_PROBLEMS, description="Bad rows; nothing imported.")},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser, CsvTextParser],
    )
    def import_csv(self, request, *args, **kwargs):
        """Import a CSV of cameras: all rows or none; every bad row comes back with its line and reason."""
        text = import_text(request)
        try:
            summary = services.cameras_import_csv(text=text, by=request.user)
        except csvfile.CameraImportError as error:
            return import_problem_response(error)
        return Response({"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged})


def layout_data(layout):
    return {"tiles_per_page": layout.tiles_per_page, "cameras": list(layout.cameras), "version": layout.version}


class WallLayoutView(APIView):
    """The signed-in person's CCTV wall: tiles per page and cameras in order."""

    permission_classes = [Managers]

    def represent_current(self, layout):
        return layout_data(selectors.wall_layout_for(layout.user))

    @extend_schema(responses=WallLayoutSerializer)
    def get(self, request, *args, **kwargs):
        return Response(layout_data(selectors.wall_layout_for(request.user)))

    @extend_schema(request=WallLayoutSerializer, responses=WallLayoutSerializer)
    def put(self, request, *args, **kwargs):
        serializer = WallLayoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        layout = services.wall_layout_save(
            user=request.user, tiles_per_page=data["tiles_per_page"], camera_ids=data["cameras"], version=data["version"]
        )
        return Response(layout_data(selectors.wall_layout_for(layout.user)))


class WallAddView(APIView):
    """Put cameras on the wall (first page, first tiles unless `position` says otherwise)."""

    permission_classes = [Managers]

    def represent_current(self, layout):
        return layout_data(selectors.wall_layout_for(layout.user))

    @extend_schema(request=WallAddInput, responses=WallLayoutSerializer)
    def post(self, request, *args, **kwargs):
        serializer = WallAddInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        layout = services.wall_layout_add_cameras(
            user=request.user, camera_ids=serializer.validated_data["cameras"], position=serializer.validated_data["position"]
        )
        return Response(layout_data(selectors.wall_layout_for(layout.user)))
