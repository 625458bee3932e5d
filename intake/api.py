"""The intake API (/api/v1/): PBX call events, AML positions, WhatsApp/SMS messages.
Thin: parse, check the role, call a service, answer."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112.models import Event
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role
from incidents.models import Call
from intake import services
from intake.models import AmlTransport

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
        pbx_call, recorded = services.pbx_event_record(by=request.user, **data)
        body = {"recorded": recorded, "event": services.EVENT_ALIASES.get(data["event"], data["event"]), **services.pbx_call_snapshot(pbx_call)}
        return Response(body, status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK)


class PbxCallLinkInput(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    ring = serializers.IntegerField(required=False, allow_null=True, help_text=gettext_lazy("The ring (call.ringing event id) the operator took."))


class PbxCallLinkView(APIView):
    """The console, after logging a call: tie it to its PBX call and to the AML positions from its number."""

    permission_classes = [ConsoleOnly]

    @extend_schema(request=PbxCallLinkInput, responses={200: dict})
    def post(self, request, *args, **kwargs):
        data = _validated(PbxCallLinkInput, request)
        ring = get_object_or_404(Event, pk=data["ring"], kind="call.ringing") if data.get("ring") else None
        pbx_call, positions = services.call_logged(call=data["call"], ring=ring, by=request.user)
        return Response(
            {
                "call": data["call"].pk,
                "pbx_call": services.pbx_call_snapshot(pbx_call) if pbx_call else None,
                "aml": [services.aml_snapshot(p) for p in positions],
            }
        )



# --- AML ------------------------------------------------------------------------------------------


class AmlSmsInput(serializers.Serializer):
    body = serializers.CharField(max_length=2000, trim_whitespace=False, help_text=gettext_lazy('The SMS text as received, A"ML=1;lt=…'))

    def get_fields(self):
        fields = super().get_fields()
        # "from" is what SMS gateways call the sender, and a Python keyword.
        fields["from"] = serializers.CharField(max_length=32, help_text=gettext_lazy("The sender: the number that dialled 112."))
        return fields


def _aml_answer(location):
    if location.rejected:
        return Response(
            {
                "detail": _("AML message rejected: %(field)s: %(reason)s") % {"field": location.reject_field, "reason": location.reject_reason},
                "code": "aml_rejected",
                "fields": {location.reject_field: [location.reject_reason]},
                "id": location.pk,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return Response(services.aml_snapshot(location), status=status.HTTP_201_CREATED)


class AmlSmsView(APIView):
    """For the SMS gateway (token of a `telephony` machine account): one AML SMS, as received.
    A malformed message answers 400 naming the field, and is kept (rejected) for the record."""

    permission_classes = [TelephonyOnly]

    @extend_schema(request=AmlSmsInput, responses={201: dict, 400: dict})
    def post(self, request, *args, **kwargs):
        data = _validated(AmlSmsInput, request)
        location = services.aml_receive(by=request.user, transport=AmlTransport.SMS, raw=data["body"], caller_number=data["from"])
        return _aml_answer(location)


class AmlHttpsView(APIView):
    """For the AML HTTPS endpoint or the gateway forwarding it: the handset's form-encoded POST
    (v, device_number, location_latitude, location_longitude, location_time, location_accuracy,
    location_source, …), unchanged."""

    permission_classes = [TelephonyOnly]

    @extend_schema(request={"application/x-www-form-urlencoded": dict}, responses={201: dict, 400: dict})
    def post(self, request, *args, **kwargs):
        form = {key: request.data.get(key) for key in request.data}
        raw = request.data.urlencode() if hasattr(request.data, "urlencode") else urlencode(form)
        location = services.aml_receive(by=request.user, transport=AmlTransport.HTTPS, raw=raw, form=form)
        return _aml_answer(location)
