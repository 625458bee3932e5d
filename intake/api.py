"""The intake API (/api/v1/): PBX call events, AML positions, WhatsApp/SMS messages.
Thin: parse, check the role, call a service, answer."""

from datetime import UTC, datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112.models import Event
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role
from incidents.models import Call
from intake import telephony

ConsoleOnly = HasRole.of(*CONSOLE_ROLES)
TelephonyOnly = HasRole.of(Role.TELEPHONY)


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PbxTimeField(serializers.DateTimeField):
    """ISO 8601 with a zone, or Unix seconds (what ${EPOCH} in Asterisk and FreeSWITCH give)."""

    def to_internal_value(self, value):
        text = str(value).strip()
        if text.replace(".", "", 1).isdigit():
            try:
                return datetime.fromtimestamp(float(text), tz=UTC)
            except (OverflowError, ValueError, OSError):
                self.fail("invalid", format="Unix seconds")
        return super().to_internal_value(value)


# --- telephony --------------------------------------------------------------------------------------


class PbxEventInput(serializers.Serializer):
    pbx_call_id = serializers.CharField(max_length=128, help_text=gettext_lazy("The PBX's own id of the call (Asterisk UNIQUEID / LINKEDID, FreeSWITCH uuid)."))
    event = serializers.CharField(max_length=20, help_text=gettext_lazy("offered, queued (or ringing), answered, abandoned, ended (or hangup)."))
    at = PbxTimeField(required=False, allow_null=True, help_text=gettext_lazy("When it happened at the PBX: ISO 8601 or Unix seconds; default now."))
    caller_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    line = serializers.CharField(required=False, allow_blank=True, max_length=40)
    operator = serializers.CharField(required=False, allow_blank=True, max_length=150, help_text=gettext_lazy("answered: the operator's user name, if the PBX knows it."))
    stage = serializers.CharField(required=False, allow_blank=True, max_length=8, help_text=gettext_lazy("abandoned: menu or queue; default from the events seen."))


class PbxEventView(APIView):
    """For the PBX (token of a user in the `telephony` group): one event of one call.
    A repeat of the same (pbx_call_id, event) answers 200 and changes nothing."""

    permission_classes = [TelephonyOnly]

    @extend_schema(request=PbxEventInput, responses={201: dict, 200: dict})
    def post(self, request, *args, **kwargs):
        data = _validated(PbxEventInput, request)
        pbx_call, recorded = telephony.pbx_event_record(by=request.user, **data)
        body = {"recorded": recorded, "event": telephony.EVENT_ALIASES.get(data["event"], data["event"]), **telephony.pbx_call_snapshot(pbx_call)}
        return Response(body, status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK)


class PbxCallLinkInput(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    ring = serializers.IntegerField(required=False, allow_null=True, help_text=gettext_lazy("The ring (call.ringing event id) the operator took."))


class PbxCallLinkView(APIView):
    """The console, after logging a call: tie it to its PBX call (and any AML position)."""

    permission_classes = [ConsoleOnly]

    @extend_schema(request=PbxCallLinkInput, responses={200: dict})
    def post(self, request, *args, **kwargs):
        data = _validated(PbxCallLinkInput, request)
        ring = get_object_or_404(Event, pk=data["ring"], kind="call.ringing") if data.get("ring") else None
        pbx_call = telephony.pbx_call_link(call=data["call"], ring=ring, by=request.user)
        return Response({"call": data["call"].pk, "pbx_call": telephony.pbx_call_snapshot(pbx_call) if pbx_call else None})

