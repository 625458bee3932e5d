"""The intake API (/api/v1/): PBX call events, AML positions, WhatsApp/SMS messages.
Thin: parse, check the role, call a service, answer."""

from datetime import UTC, datetime
from urllib.parse import urlencode

import hmac
import json

from django.conf import settings
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch112.models import Event
from dispatch112.roles import CONSOLE_ROLES, HasRole, Role
from incidents.models import Call, Incident
from incidents.serializers import NewIncidentInput
from incidents.services import IncidentInput
from intake import media, selectors, services, webhooks
from intake.models import AmlTransport, InboundMessage, MessageMedia, MessageStatus

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


class AmlPositionsView(APIView):
    """GET /api/v1/aml/?incident=<id>: the handset positions attached to the incident's calls
    (console roles: a caller's position is personal data), newest first."""

    permission_classes = [ConsoleOnly]

    @extend_schema(responses={200: dict})
    def get(self, request, *args, **kwargs):
        incident_id = request.query_params.get("incident", "")
        if not incident_id.isdigit():
            raise exceptions.ValidationError({"incident": [_("Give the id of an incident.")]})
        incident = get_object_or_404(Incident, pk=int(incident_id))
        return Response({"results": [services.aml_snapshot(p) for p in selectors.aml_positions_of_incident(incident.pk)]})


# --- WhatsApp / SMS messages ----------------------------------------------------------------------


def _raw_body(request):
    """The body as sent. These endpoints take JSON: a form body, parsed already by the NUL check at
    the door (and so no longer readable as sent), is refused as the wrong media type."""
    try:
        return request.body
    except RawPostDataException:
        raise exceptions.UnsupportedMediaType(request.content_type) from None


def _json_body(request):
    body = _raw_body(request)
    if len(body) > settings.INTAKE_WEBHOOK_MAX_BYTES:
        raise exceptions.ValidationError({"body": [_("Too large.")]})
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise exceptions.ParseError(str(error)) from None


class WhatsAppWebhookView(APIView):
    """The WhatsApp Cloud API webhook. No account: Meta proves itself by the verify token (GET
    handshake) and by signing every POST with the app secret (X-Hub-Signature-256); an unsigned or
    wrongly signed POST is refused before anything is read."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: str, 403: dict})
    def get(self, request, *args, **kwargs):
        params = request.query_params
        token = settings.WHATSAPP_VERIFY_TOKEN
        if params.get("hub.mode") == "subscribe" and token and hmac.compare_digest(params.get("hub.verify_token", "").encode(), token.encode()):
            return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")
        raise exceptions.NotAuthenticated(_("Wrong verify token."))

    @extend_schema(request=dict, responses={200: dict, 403: dict})
    def post(self, request, *args, **kwargs):
        signature = request.headers.get("X-Hub-Signature-256", "")
        if not webhooks.signature_valid(_raw_body(request), signature, settings.WHATSAPP_APP_SECRET):
            raise exceptions.NotAuthenticated(_("Missing or wrong X-Hub-Signature-256."))
        stored = services.messages_receive(incoming=webhooks.parse_whatsapp(_json_body(request)))
        # Meta retries anything but a 200; a delivery status (no message) is a 200 with nothing stored.
        return Response({"stored": [m.pk for m in stored]})


class InboundMessagesView(APIView):
    """For an SMS/WhatsApp gateway (token of a `telephony` machine account), in the generic format:
    one message, or {"messages": [...]}. A message delivered twice is stored once."""

    permission_classes = [TelephonyOnly]

    @extend_schema(request=dict, responses={201: dict, 200: dict})
    def post(self, request, *args, **kwargs):
        stored = services.messages_receive(incoming=webhooks.parse_generic(_json_body(request)), by=request.user)
        return Response({"stored": [m.pk for m in stored]}, status=status.HTTP_201_CREATED if stored else status.HTTP_200_OK)


class InboundMessageSerializer(serializers.ModelSerializer):
    def to_representation(self, instance):
        # The same shape the pushed message.* events carry, so the queue is one thing to render.
        return services.message_snapshot(instance)

    class Meta:
        model = InboundMessage
        fields = [
            "id", "channel", "sender", "sender_name", "received_at", "kind", "text", "latitude", "longitude",
            "location_name", "media_url", "media_id", "media_type", "status", "handled_at", "call", "incident",
        ]


class MessageLinkInput(serializers.Serializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())


class MessageReplyInput(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


class InboundMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The operators' intake queue of WhatsApp/SMS messages: `?status=new` (default) or `all`."""

    serializer_class = InboundMessageSerializer
    permission_classes = [ConsoleOnly]
    pagination_class = None

    def get_queryset(self):
        # The photo's bytes are read only by the media action, never for the queue.
        queryset = InboundMessage.objects.select_related("handled_by", "media").defer("media__content").order_by("received_at", "id")
        if self.action != "list":
            return queryset  # a handled message answers 409 from the service, not 404
        wanted = self.request.query_params.get("status", MessageStatus.NEW)
        if wanted == "all":
            return queryset.order_by("-received_at")[:200]
        if wanted not in MessageStatus.values:
            raise exceptions.ValidationError({"status": [_("Use new, incident, linked, prank or all.")]})
        return queryset.filter(status=wanted)[:200]

    def _answer(self, message):
        return Response(services.message_snapshot(message))

    @extend_schema(request=NewIncidentInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def incident(self, request, *args, **kwargs):
        """Turn the message into a logged call and a new incident (the shared pin, the text)."""
        data = _validated(NewIncidentInput, request)
        message = services.message_to_incident(message=self.get_object(), by=request.user, data=IncidentInput(**data))
        return self._answer(message)

    @extend_schema(request=MessageLinkInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def link(self, request, *args, **kwargs):
        data = _validated(MessageLinkInput, request)
        return self._answer(services.message_link(message=self.get_object(), incident=data["incident"], by=request.user))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def prank(self, request, *args, **kwargs):
        return self._answer(services.message_mark_prank(message=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={(200, "image/*"): bytes, 404: dict})
    @action(detail=True, methods=["get"])
    def media(self, request, *args, **kwargs):
        """The message's photo, as fetched from the gateway (console roles only, like the queue)."""
        message = self.get_object()
        photo = MessageMedia.objects.filter(message=message).first()
        if photo is None or photo.state != "stored":
            detail = {
                None: _("This message has no photo."),
                "pending": _("The photo is still being fetched from the gateway."),
                "failed": _("The photo could not be fetched: %(error)s") % {"error": photo.last_error if photo else ""},
            }[photo.state if photo else None]
            raise exceptions.NotFound(detail)
        response = HttpResponse(bytes(photo.content), content_type=photo.content_type)
        extension = media.EXTENSIONS.get(photo.content_type, "bin")
        response["Content-Disposition"] = f'inline; filename="pesan-{message.pk}.{extension}"'
        response["X-Content-Type-Options"] = "nosniff"
        # Personal data: no shared cache keeps it; the browser may, for the operator's session.
        response["Cache-Control"] = "private, max-age=3600"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    @extend_schema(request=MessageReplyInput, responses={201: dict})
    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        data = _validated(MessageReplyInput, request)
        outgoing = services.message_reply(message=self.get_object(), by=request.user, text=data["text"])
        return Response({"outbox_message": outgoing.pk, "status": outgoing.status}, status=status.HTTP_201_CREATED)
