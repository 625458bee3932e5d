"""The API's representation of calls and incidents. The incident representation is also the
snapshot every pushed event carries, so a console's live state equals a fresh API fetch."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch112.models import Event, Kelurahan
from incidents.models import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    Agency,
    AgencyPost,
    Assignment,
    AssignmentStatus,
    Call,
    CallOutcome,
    Incident,
    IncidentCategory,
)
from incidents.phone import mask_phone
from incidents.snapshots import assignment_snapshot, incident_snapshot


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name"]


class PostRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgencyPost
        fields = ["id", "name"]


class AssignmentSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer()
    post = PostRefSerializer(allow_null=True)

    def to_representation(self, instance):
        return assignment_snapshot(instance)

    class Meta:
        model = Assignment
        fields = [
            "id", "agency", "post", "status", "notified_at", "acknowledged_at", "en_route_at", "on_scene_at",
            "completed_at", "declined_at", "decline_reason", "escalated_at",
        ]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentCategory
        fields = ["id", "code", "name_id", "name_en", "colour", "icon"]


class KelurahanRefSerializer(serializers.ModelSerializer):
    kecamatan = serializers.CharField(source="kecamatan.name")
    kecamatan_id = serializers.IntegerField()

    class Meta:
        model = Kelurahan
        fields = ["id", "code", "name", "kind", "kecamatan", "kecamatan_id"]


class IncidentSerializer(serializers.ModelSerializer):
    """An incident as the queue, the map and the OPD list show it (incidents.snapshots builds it)."""

    category = CategoryRefSerializer()
    kelurahan = KelurahanRefSerializer(allow_null=True)
    assignments = serializers.SerializerMethodField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=True)

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "status", "priority", "category", "kelurahan", "address", "landmark", "latitude",
            "longitude", "description", "call_count", "version", "created_at", "dispatched_at",
            "first_acknowledged_at", "first_on_scene_at", "resolved_at", "closed_at", "cancelled_at",
            "cancel_reason", "closing_note", "assignments",
        ]

    def get_assignments(self, incident) -> list[dict]:  # for the schema; see to_representation
        return []

    def to_representation(self, instance):
        return incident_snapshot(instance)


_MOMENT = serializers.DateTimeField()  # DRF's own formatting of a moment, in the current time zone


class CallSerializer(serializers.ModelSerializer):
    operator = serializers.StringRelatedField()
    incident_reference = serializers.CharField(source="incident.reference", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = [
            "id", "caller_number", "caller_name", "line", "received_at", "answered_at", "ended_at", "operator",
            "outcome", "location_text", "notes", "incident", "incident_reference",
        ]

    def to_representation(self, call):
        # What the fields above give (tests/incidents/api/test_call_representation.py compares the
        # two), without DRF building the fields from the model for every call: the API's answer to
        # every logged call, and each row of the call lists.
        def moment(value):
            return None if value is None else _MOMENT.to_representation(value)

        return {
            "id": call.pk, "caller_number": call.caller_number, "caller_name": call.caller_name, "line": call.line,
            "received_at": moment(call.received_at), "answered_at": moment(call.answered_at), "ended_at": moment(call.ended_at),
            "operator": str(call.operator) if call.operator_id is not None else None, "outcome": call.outcome,
            "location_text": call.location_text, "notes": call.notes, "incident": call.incident_id,
            "incident_reference": call.incident.reference if call.incident_id is not None else None,
        }  # fmt: skip


class MaskedCallSerializer(CallSerializer):
    """A call as OPD staff see it: the caller's number masked, no name."""

    caller_number = serializers.SerializerMethodField()
    caller_name = serializers.SerializerMethodField()

    def get_caller_number(self, call) -> str:
        return mask_phone(call.caller_number)

    def get_caller_name(self, call) -> str:
        return ""

    def to_representation(self, call):
        return {**super().to_representation(call), "caller_number": self.get_caller_number(call), "caller_name": self.get_caller_name(call)}


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = Event
        fields = ["id", "kind", "actor", "created_at", "payload"]


class TimelineEventSerializer(EventSerializer):
    """A timeline entry without the incident snapshot it carried (the detail shows the incident)."""

    payload = serializers.SerializerMethodField()

    def get_payload(self, event) -> dict:
        return {k: v for k, v in event.payload.items() if k != "incident"}


class IncidentDetailSerializer(IncidentSerializer):
    timeline = serializers.SerializerMethodField()
    calls = serializers.SerializerMethodField()

    def to_representation(self, instance):
        return {**incident_snapshot(instance), "timeline": self.get_timeline(instance), "calls": self.get_calls(instance)}

    class Meta(IncidentSerializer.Meta):
        fields = IncidentSerializer.Meta.fields + ["timeline", "calls"]

    def get_timeline(self, incident) -> list[dict]:
        events = incident.events.select_related("actor").order_by("id")
        if self.context.get("agency_id"):
            # OPD staff see the incident's own events and their agency's, not other agencies'.
            events = [e for e in events if e.audience in ("incident", f"agency-{self.context['agency_id']}")]
        return TimelineEventSerializer(events, many=True).data

    def get_calls(self, incident) -> list[dict]:
        calls = incident.calls.select_related("operator", "incident").order_by("received_at")
        serializer = MaskedCallSerializer if self.context.get("mask_callers") else CallSerializer
        return serializer(calls, many=True).data


# --- input ----------------------------------------------------------------------------------------


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=_("The version you saw; a stale one is refused with 409."))


class NewIncidentInput(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=IncidentCategory.objects.all())
    priority = serializers.IntegerField(required=False, min_value=1, max_value=4, allow_null=True)
    kelurahan = serializers.PrimaryKeyRelatedField(queryset=Kelurahan.objects.select_related("kecamatan__region"), required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SHORT_TEXT, trim_whitespace=True)
    landmark = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SHORT_TEXT)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-180, max_value=180)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class CallInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    caller_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    caller_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    line = serializers.CharField(required=False, allow_blank=True, max_length=40)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    answered_at = serializers.DateTimeField(required=False, allow_null=True)
    location_text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SHORT_TEXT)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    incident = NewIncidentInput(required=False, allow_null=True, help_text=_("A new incident for an emergency call."))
    link_to = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, help_text=_("An open incident this call is about.")
    )


class IncidentUpdateInput(VersionedInput):
    category = serializers.PrimaryKeyRelatedField(queryset=IncidentCategory.objects.filter(active=True), required=False)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=4)
    kelurahan = serializers.PrimaryKeyRelatedField(queryset=Kelurahan.objects.select_related("kecamatan__region"), required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SHORT_TEXT)
    landmark = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SHORT_TEXT)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-180, max_value=180)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class DispatchInput(VersionedInput):
    agencies = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), many=True, allow_empty=False)
    posts = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text=_("Optional chosen post per agency id: {agency_id: post_id}.")
    )


class NoteInput(VersionedInput):
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class CloseInput(VersionedInput):
    note = serializers.CharField(max_length=MAX_TEXT, help_text=_("The closing note is required."))


class ReasonInput(VersionedInput):
    reason = serializers.CharField(max_length=MAX_SHORT_TEXT)


class TimelineNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT)


class LinkCallInput(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.select_related("incident"))


class AdvanceInput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s, s.label) for s in (AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE, AssignmentStatus.COMPLETED)]
    )


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_SHORT_TEXT)


class AgencySerializer(serializers.ModelSerializer):
    posts = serializers.SerializerMethodField()

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "kind", "phone", "active", "posts"]

    def get_posts(self, agency) -> list[dict]:
        return [
            {"id": p.id, "name": p.name, "address": p.address, "latitude": str(p.latitude), "longitude": str(p.longitude), "is_demo": p.is_demo}
            for p in agency.posts.all()
            if p.active
        ]


class CategorySerializer(serializers.ModelSerializer):
    default_agencies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = IncidentCategory
        fields = ["id", "code", "name_id", "name_en", "default_priority", "default_agencies", "colour", "icon", "quick_key", "active"]


class KelurahanSerializer(KelurahanRefSerializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)

    class Meta(KelurahanRefSerializer.Meta):
        fields = KelurahanRefSerializer.Meta.fields + ["latitude", "longitude"]
