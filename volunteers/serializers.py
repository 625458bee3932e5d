"""API input, and the shapes of the answers for the OpenAPI schema.

Answers are built by volunteers.snapshots (the same dicts pushed events carry); the serializers
below declare those fields for the schema, and tests/volunteers/test_api.py keeps the two equal.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from volunteers.models import ActivationStatus, Channel, Skill

RECORDABLE_STATUSES = [ActivationStatus.ACCEPTED, ActivationStatus.DECLINED, ActivationStatus.ARRIVED, ActivationStatus.FINISHED]


class AreaRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kecamatan = serializers.CharField()


class CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class VolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kelurahan = AreaRefSerializer()
    skills = CodeLabelSerializer(many=True)
    languages = CodeLabelSerializer(many=True)
    active = serializers.BooleanField()
    phone = serializers.CharField(required=False, help_text=_("E.164. Only for operators, supervisors and admins."))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    channel_label = serializers.CharField(required=False)


class MessageStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    status = serializers.CharField(help_text="queued / sending / sent / failed")
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class ActivationVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kelurahan = AreaRefSerializer()
    phone = serializers.CharField(required=False, help_text=_("Only for operators, supervisors and admins."))
    channel = serializers.CharField(required=False)


class ActivationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField()
    volunteer = ActivationVolunteerSerializer()
    status = serializers.ChoiceField(choices=ActivationStatus.choices)
    status_label = serializers.CharField()
    sent_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expired_at = serializers.DateTimeField(allow_null=True)
    expire_reason = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    sent_by = serializers.CharField(allow_null=True)
    messages = MessageStateSerializer(many=True, required=False, help_text=_("Only for operators, supervisors and admins."))


class ActivationListSerializer(serializers.Serializer):
    results = ActivationSerializer(many=True)


class BusyWithSerializer(serializers.Serializer):
    activation = serializers.IntegerField()
    incident = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()


class ProposalSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    volunteer = VolunteerSerializer()
    coverage = serializers.ChoiceField(choices=["home", "covers", "neighbour"])
    covers_incident_kelurahan = serializers.BooleanField()
    via_kelurahan = AreaRefSerializer(allow_null=True)
    distance_m = serializers.IntegerField(allow_null=True)
    matching_skills = serializers.ListField(child=serializers.CharField())
    available_now = serializers.BooleanField()
    available_until = serializers.DateTimeField(allow_null=True)
    available_from = serializers.DateTimeField(allow_null=True)
    availability_text = serializers.CharField()
    busy = serializers.BooleanField()
    busy_with = BusyWithSerializer(allow_null=True)
    on_operator_duty = serializers.BooleanField()
    activation = serializers.DictField(allow_null=True, help_text=_("This volunteer's open activation for this incident: {id, status}."))
    can_activate = serializers.BooleanField()


class ProposalsSerializer(serializers.Serializer):
    incident = serializers.DictField()
    skills = serializers.ListField(child=serializers.CharField())
    skills_from = serializers.ChoiceField(choices=["category", "request"])
    total = serializers.IntegerField()
    note = serializers.CharField()
    distance_note = serializers.CharField()
    results = ProposalSerializer(many=True)


class CoverageRowSerializer(serializers.Serializer):
    kelurahan = AreaRefSerializer()
    active = serializers.IntegerField()
    home = serializers.IntegerField()
    available_now = serializers.IntegerField()
    no_active = serializers.BooleanField()
    none_available = serializers.BooleanField()


# --- input ----------------------------------------------------------------------------------------


class ActivateInput(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1)
    volunteers = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=20)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class RecordInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in RECORDABLE_STATUSES])


class ProposalQuery(serializers.Serializer):
    skills = serializers.CharField(required=False, allow_blank=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200)

    def validate_skills(self, value):
        codes = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in codes if s not in Skill.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown skill(s): %(unknown)s. Known: %(known)s.") % {"unknown": ", ".join(unknown), "known": ", ".join(Skill.values)}
            )
        return codes
