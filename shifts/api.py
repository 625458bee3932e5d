"""The shifts API (/api/v1/shifts/): who is on duty at a moment. Thin: parse, check the role,
call the selector, answer."""

import re

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112 import clock
from dispatch112.roles import CONSOLE_ROLES, HasRole
from shifts import selectors
from shifts.models import Duty

# "+08:00" arrives as " 08:00" when a client forgets to encode the plus sign in a query string.
_UNENCODED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


class ShiftSlotSerializer(serializers.Serializer):
    code = serializers.CharField(source="shift_type.code")
    name = serializers.CharField(source="shift_type.name")
    date = serializers.DateField(help_text="The date the shift starts (a night shift belongs to the date it starts).")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class DutyPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    duty = serializers.ChoiceField(choices=Duty.choices)
    volunteer = serializers.BooleanField(help_text="A relawan on operator duty.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def get_name(self, entry) -> str:
        return str(entry.user)


class HeadcountSerializer(serializers.Serializer):
    rostered = serializers.IntegerField()
    required = serializers.IntegerField()
    missing = serializers.IntegerField()


class StaffingSerializer(serializers.Serializer):
    operators = HeadcountSerializer()
    supervisors = HeadcountSerializer()
    understaffed = serializers.BooleanField()
    gaps = serializers.ListField(child=serializers.CharField(), help_text="What is missing, in the user's language.")


class OnDutySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    shift = ShiftSlotSerializer(source="slot", allow_null=True, help_text="null when no shift covers the moment.")
    people = DutyPersonSerializer(source="entries", many=True)
    staffing = StaffingSerializer(source="staffing_summary", allow_null=True)
    next_shift = ShiftSlotSerializer(source="next_slot", allow_null=True)
    next_people = DutyPersonSerializer(source="next_entries", many=True)


MOMENT_YEARS = (2000, 2100)


def moment_param(params, name):
    value = (params.get(name) or "").strip()
    if not value:
        return None
    moment = parse_datetime(_UNENCODED_OFFSET.sub(r"+\1", value))
    if moment is None:
        raise exceptions.ValidationError({name: [_("Use an ISO 8601 date and time, e.g. 2026-11-27T23:30:00+08:00.")]})
    if not MOMENT_YEARS[0] <= moment.year <= MOMENT_YEARS[1]:
        # Far from any roster; before 1932 WITA was local mean time (+07:57:36), an offset ISO 8601 cannot write.
        raise exceptions.ValidationError({name: [_("Out of range: use a year from %(first)d to %(last)d.") % {"first": MOMENT_YEARS[0], "last": MOMENT_YEARS[1]}]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class OnDutyView(APIView):
    permission_classes = [HasRole.of(*CONSOLE_ROLES)]

    @extend_schema(
        summary="Who is on duty at a moment",
        parameters=[
            OpenApiParameter(
                "at",
                OpenApiTypes.DATETIME,
                description="ISO 8601 moment (WITA when it has no offset); default now.",
            )
        ],
        responses=OnDutySerializer,
    )
    def get(self, request, *args, **kwargs):
        at = moment_param(request.query_params, "at") or clock.now()
        return Response(OnDutySerializer(selectors.on_duty(at)).data)
