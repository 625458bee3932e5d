"""Incoming WhatsApp/SMS webhooks, parsed to plain IncomingMessage values. No database.

Two shapes:
- the WhatsApp Cloud API (Meta) webhook: {"object": "whatsapp_business_account", "entry": [{
  "changes": [{"value": {"contacts": [...], "messages": [{"from", "id", "timestamp", "type",
  "text" | "location" | "image" ...}]}}]}]}, signed with X-Hub-Signature-256 (HMAC-SHA256 of the
  raw body with the app secret);
- a generic format for any SMS/WhatsApp gateway (token-authenticated), one message or a list:
  {"channel": "sms"|"whatsapp", "id", "from", "name", "at", "text",
   "location": {"latitude", "longitude", "name"}, "media": {"url", "id", "mime_type", "caption"}}.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from intake.models import MessageKind

MAX_BATCH = 100


@dataclass
class IncomingMessage:
    channel: str
    provider_id: str
    sender: str
    sender_name: str = ""
    sent_at: datetime | None = None
    kind: str = MessageKind.TEXT
    text: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    location_name: str = ""
    media_id: str = ""
    media_url: str = ""
    media_type: str = ""


def signature_valid(body, header, secret):
    """X-Hub-Signature-256: "sha256=<hex HMAC-SHA256 of the raw body>". No secret: nothing passes."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def _text(value, field, limit):
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ValidationError({field: _("Must be text.")})
    return str(value)[:limit]


def _degrees(value, field, limit):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Not a number: “%(value)s”.") % {"value": str(value)[:20]}}) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError({field: _("Out of range (±%(limit)d).") % {"limit": limit}})
    return number.quantize(Decimal("0.000001"))


def _moment(value, field):
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise ValidationError({field: _("Not a time.")}) from None
    moment = parse_datetime(text)
    if moment is None or moment.tzinfo is None:
        raise ValidationError({field: _("Not a time: use ISO 8601 with a zone, or Unix seconds.")})
    return moment


def _located(message, location, field):
    if not isinstance(location, dict):
        raise ValidationError({field: _("Must be an object with latitude and longitude.")})
    message.kind = MessageKind.LOCATION
    message.latitude = _degrees(location.get("latitude"), f"{field}.latitude", 90)
    message.longitude = _degrees(location.get("longitude"), f"{field}.longitude", 180)
    message.location_name = ", ".join(str(location[k])[:120] for k in ("name", "address") if location.get(k))[:255]


def _media_url(url, field):
    if not url:
        return ""
    url = str(url)
    if not url.startswith(("https://", "http://")) or len(url) > 1000:
        raise ValidationError({field: _("Must be an http(s) address.")})
    return url


def parse_whatsapp(payload):
    """The Cloud API webhook body → [IncomingMessage]. Delivery statuses carry no message: skipped."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise ValidationError({"object": _("Not a WhatsApp Business webhook.")})
    found = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "") for c in value.get("contacts") or [] if isinstance(c, dict)}
            for raw in value.get("messages") or []:
                if not isinstance(raw, dict) or not raw.get("id") or not raw.get("from"):
                    raise ValidationError({"messages": _("A message without id or sender.")})
                message = IncomingMessage(
                    channel="whatsapp",
                    provider_id=_text(raw["id"], "id", 128),
                    sender=_text(raw["from"], "from", 32),
                    sender_name=_text(names.get(raw["from"], ""), "sender_name", 120),
                    sent_at=_moment(raw.get("timestamp"), "timestamp"),
                )
                kind = raw.get("type")
                if kind == "text":
                    message.text = _text((raw.get("text") or {}).get("body"), "text", 4096)
                elif kind == "location":
                    _located(message, raw.get("location"), "location")
                elif kind == "image":
                    image = raw.get("image") or {}
                    message.kind = MessageKind.IMAGE
                    message.media_id = _text(image.get("id"), "image.id", 255)
                    message.media_type = _text(image.get("mime_type"), "image.mime_type", 80)
                    message.text = _text(image.get("caption"), "image.caption", 4096)
                else:
                    message.kind = MessageKind.OTHER
                    message.text = f"[{str(kind)[:20]}]"
                found.append(message)
    if len(found) > MAX_BATCH:
        raise ValidationError({"messages": _("At most %(n)d messages at once.") % {"n": MAX_BATCH}})
    return found


def parse_generic(payload):
    """The generic gateway format (one message, or {"messages": [...]}) → [IncomingMessage]."""
    items = payload.get("messages") if isinstance(payload, dict) and "messages" in payload else [payload]
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
        raise ValidationError({"messages": _("Send one message, or a list of 1 to %(n)d.") % {"n": MAX_BATCH}})
    found = []
    for raw in items:
        if not isinstance(raw, dict):
            raise ValidationError({"messages": _("Each message must be an object.")})
        channel = raw.get("channel", "sms")
        if channel not in ("sms", "whatsapp"):
            raise ValidationError({"channel": _("Use “sms” or “whatsapp”.")})
        for required in ("id", "from"):
            if not str(raw.get(required) or "").strip():
                raise ValidationError({required: _("This field is required.")})
        message = IncomingMessage(
            channel=channel,
            provider_id=_text(raw["id"], "id", 128),
            sender=_text(raw["from"], "from", 32),
            sender_name=_text(raw.get("name"), "name", 120),
            sent_at=_moment(raw.get("at"), "at"),
            text=_text(raw.get("text"), "text", 4096),
        )
        if raw.get("location") is not None:
            _located(message, raw["location"], "location")
        media = raw.get("media")
        if media is not None:
            if not isinstance(media, dict) or not (media.get("url") or media.get("id")):
                raise ValidationError({"media": _("Give the photo's url or id.")})
            message.kind = MessageKind.IMAGE
            message.media_url = _media_url(media.get("url"), "media.url")
            message.media_id = _text(media.get("id"), "media.id", 255)
            message.media_type = _text(media.get("mime_type"), "media.mime_type", 80)
            message.text = message.text or _text(media.get("caption"), "media.caption", 4096)
        if message.kind == MessageKind.TEXT and not message.text.strip():
            raise ValidationError({"text": _("An empty message: give text, a location or a photo.")})
        found.append(message)
    return found
