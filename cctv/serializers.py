"""The API's camera representation (cctv.snapshots builds it; these declare it for the OpenAPI
schema) and the inputs of the write actions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cctv.models import Camera, CameraStatus, Direction, FeedKind, WallLayout
from cctv.snapshots import camera_snapshot
from dispatch112.region import region_kelurahan


class CameraKelurahanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kecamatan = serializers.CharField()
    kecamatan_id = serializers.IntegerField()


class CameraFeedSerializer(serializers.Serializer):
    frame = serializers.CharField(allow_null=True, help_text=_("This server's URL of a still picture (snapshot and MJPEG cameras)."))
    stream = serializers.CharField(allow_null=True, help_text=_("This server's URL of the MJPEG stream."))
    hls = serializers.CharField(allow_null=True, help_text=_("This server's URL of the HLS playlist."))
    refresh_seconds = serializers.IntegerField(help_text=_("How often a wall tile asks for a new picture."))


class CameraSerializer(serializers.ModelSerializer):
    """A camera as the map, the wall and pushed `camera.*` events show it. Browsers only ever get
    this server's proxy URLs (`feed`); `feed_url` is given to supervisors and admins only, and
    never holds credentials."""

    kelurahan = CameraKelurahanSerializer(allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=True)
    bearing = serializers.IntegerField(allow_null=True, help_text=_("Degrees clockwise from north the camera faces."))
    has_credentials = serializers.BooleanField()
    status = serializers.ChoiceField(choices=CameraStatus.choices)
    feed_kind = serializers.ChoiceField(choices=FeedKind.choices)
    feed = CameraFeedSerializer()
    feed_url = serializers.CharField(allow_null=True, help_text=_("Upstream URL; null unless you manage cameras."))

    class Meta:
        model = Camera
        fields = [
            "id", "code", "name", "location", "kelurahan", "latitude", "longitude", "direction", "bearing",
            "feed_kind", "active", "is_demo", "has_credentials", "status", "status_changed_at", "last_seen",
            "last_checked_at", "last_error", "feed", "feed_url",
        ]

    def to_representation(self, instance):
        data = camera_snapshot(instance)
        data["feed_url"] = instance.feed_url if self.context.get("show_feed_url") else None
        return data


@extend_schema_field(OpenApiTypes.INT)
class RegionKelurahanField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return region_kelurahan()  # read per request: the region is configuration


class CameraInput(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=120)
    location = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    kelurahan = RegionKelurahanField(allow_null=True, required=False, default=None)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False, allow_blank=True, default="")
    feed_kind = serializers.ChoiceField(choices=FeedKind.choices)
    feed_url = serializers.CharField(max_length=500)
    username = serializers.CharField(max_length=120, required=False, allow_blank=True, write_only=True)
    password = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True, style={"input_type": "password"},
        help_text=_("Write-only. Empty keeps the stored password."),
    )
    clear_credentials = serializers.BooleanField(required=False, default=False, write_only=True, help_text=_("Remove the stored user name and password."))
    active = serializers.BooleanField(required=False, default=True)
    is_demo = serializers.BooleanField(required=False, default=False)


class NearCameraSerializer(serializers.Serializer):
    camera = CameraSerializer()
    distance_m = serializers.IntegerField()


class NearestCamerasSerializer(serializers.Serializer):
    radius_m = serializers.IntegerField()
    distance_note = serializers.CharField()
    results = NearCameraSerializer(many=True)


class OfflineCameraSerializer(serializers.Serializer):
    camera = CameraSerializer()
    offline_seconds = serializers.IntegerField()


class OfflineCamerasSerializer(serializers.Serializer):
    threshold_minutes = serializers.FloatField()
    results = OfflineCameraSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


class WallLayoutSerializer(serializers.ModelSerializer):
    tiles_per_page = serializers.ChoiceField(choices=WallLayout.TilesPerPage.choices)
    cameras = serializers.ListField(child=serializers.IntegerField(), max_length=256, help_text=_("Camera ids in wall order."))
    version = serializers.IntegerField(help_text=_("The version you loaded; a stale save answers 409."))

    class Meta:
        model = WallLayout
        fields = ["tiles_per_page", "cameras", "version"]


class WallAddInput(serializers.Serializer):
    cameras = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=32)
    position = serializers.IntegerField(required=False, default=0, min_value=0)
