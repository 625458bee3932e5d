"""A call as the API shows it is exactly what DRF's fields of CallSerializer give (the serializer
writes it by hand, for speed)."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from incidents.models import Call
from incidents.serializers import CallSerializer, MaskedCallSerializer
from incidents.services import IncidentInput, call_log
from tests.incidents.api.support import CITY_CENTRE

pytestmark = pytest.mark.django_db


class ByFields(serializers.ModelSerializer):
    """CallSerializer as DRF would render it from its declared fields."""

    operator = serializers.StringRelatedField()
    incident_reference = serializers.CharField(source="incident.reference", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = CallSerializer.Meta.fields


class MaskedByFields(ByFields):
    caller_number = serializers.SerializerMethodField()
    caller_name = serializers.SerializerMethodField()

    get_caller_number = MaskedCallSerializer.get_caller_number
    get_caller_name = MaskedCallSerializer.get_caller_name


def calls(world):
    operator = world.users["operator"]
    emergency = call_log(by=operator, outcome="emergency", caller_number="0812-3456-7890", caller_name="Siti <b>Aminah</b>",
                         new_incident=IncidentInput(category=world.categories["kebakaran"], latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1]))  # fmt: skip
    prank = call_log(by=operator, outcome="prank", caller_number="", notes="diam saja", received_at=datetime(2026, 11, 27, 1, 2, 3, 456789, tzinfo=UTC))
    anonymous = Call.objects.create(caller_number="+6281200000000", outcome="silent", received_at=timezone.now(), answered_at=None, ended_at=None)
    return [Call.objects.select_related("operator", "incident").get(pk=c.pk) for c in (emergency, prank, anonymous)]


def test_a_call_is_shown_as_its_fields_would_show_it(world):
    for call in calls(world):
        assert CallSerializer(call).data == ByFields(call).data
        assert MaskedCallSerializer(call).data == MaskedByFields(call).data


def test_in_another_time_zone_too(world, settings):
    with timezone.override("Asia/Jayapura"):
        for call in calls(world):
            assert CallSerializer(call).data == ByFields(call).data
