"""Advanced Mobile Location (AML): the position a handset sends by itself when it dials 112.

Two shapes (EENA AML specification, ETSI TS 103 625):

- the SMS body, `key=value` pairs separated by `;`, starting with the header `A"ML=1`:
  lt/lg latitude/longitude (WGS84, signed decimal degrees), rd radius (m), top time of
  positioning (UTC, YYYYMMDDhhmmss), lc level of confidence (%), pm positioning method
  (G GNSS, W Wi-Fi, C cell, N none), si IMSI, ei IMEI, mcc/mnc the network, ml the length of
  the whole message (ml itself included: a cut-off SMS shows here);
- the HTTPS POST, form-encoded: v, device_number, location_latitude, location_longitude,
  location_time (ms since 1970), location_accuracy (m), location_source (GPS, WIFI, CELL,
  FUSED…), location_certainty (%), device_imei, device_imsi, cell_network_mcc/mnc…

Both parse to one AmlFix or raise AmlInvalid naming the first field that is wrong. Pure
functions: no database, no clock but the `now` they are given.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_MESSAGE = 2000
# A handset clock a little ahead of the network's is normal; further is a broken message.
FUTURE_TOLERANCE = timedelta(minutes=5)


class PositioningMethod(models.TextChoices):
    GNSS = "G", gettext_lazy("GNSS (GPS)")
    WIFI = "W", gettext_lazy("Wi-Fi")
    CELL = "C", gettext_lazy("cell")
    FUSED = "F", gettext_lazy("fused (GNSS, Wi-Fi and cell)")
    NONE = "N", gettext_lazy("no position")


class AmlInvalid(Exception):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class AmlFix:
    caller_number: str
    latitude: Decimal | None
    longitude: Decimal | None
    radius_m: int | None
    positioned_at: datetime | None
    confidence: int | None
    method: str
    imsi: str = ""
    imei: str = ""
    mcc: str = ""
    mnc: str = ""

    @property
    def has_position(self):
        return self.latitude is not None


SMS_HEADER = 'A"ML'
SMS_FIELDS = ("lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml")
_DEGREES = {"lt": (re.compile(r"[+-]?\d{1,2}\.\d{1,7}"), 90), "lg": (re.compile(r"[+-]?\d{1,3}\.\d{1,7}"), 180)}
_HTTPS_SOURCES = {"gps": "G", "gnss": "G", "wifi": "W", "wi-fi": "W", "cell": "C", "fused": "F", "hybrid": "F", "none": "N"}


def _need(pattern, value, field, message):
    if not re.fullmatch(pattern, value):
        raise AmlInvalid(field, message)
    return value


def _degrees(field, value, *, label=None):
    pattern, limit = _DEGREES[field]
    name = label or field
    if not pattern.fullmatch(value):
        raise AmlInvalid(name, _("Not signed decimal degrees (e.g. -0.50224): “%(value)s”.") % {"value": value[:20]})
    number = Decimal(value)
    if abs(number) > limit:
        raise AmlInvalid(name, _("Out of range (±%(limit)d): %(value)s.") % {"limit": limit, "value": value})
    return number.quantize(Decimal("0.000001"))


def _percent(field, value):
    _need(r"\d{1,3}", value, field, _("Not a percentage (0–100): “%(value)s”.") % {"value": value[:10]})
    if int(value) > 100:
        raise AmlInvalid(field, _("Not a percentage (0–100): “%(value)s”.") % {"value": value})
    return int(value)


def _not_future(field, moment, now):
    if moment > now + FUTURE_TOLERANCE:
        raise AmlInvalid(field, _("In the future: %(value)s UTC (check the handset clock).") % {"value": moment.strftime("%Y-%m-%d %H:%M:%S")})
    return moment


def parse_sms(text, *, caller_number, now):
    """The SMS body as the handset sent it; `caller_number` is the SMS sender (the caller)."""
    text = (text or "").strip()
    if not text:
        raise AmlInvalid("body", _("Empty message."))
    if len(text) > MAX_MESSAGE:
        raise AmlInvalid("body", _("Too long for an AML message."))
    pairs, stray = {}, None
    for index, part in enumerate(text.split(";")):
        key, sep, value = part.partition("=")
        if index == 0 and key != SMS_HEADER:
            raise AmlInvalid(SMS_HEADER, _("The message must start with A\"ML=1."))
        if not sep:
            stray = stray or part
            continue
        if key in pairs:
            raise AmlInvalid(key[:10], _("Given twice."))
        pairs[key] = value
    # The length first: a message cut short in transit is named as such, not by the field it cut.
    if "ml" not in pairs:
        raise AmlInvalid("ml", _("Missing: the message was cut short or is not AML."))
    _need(r"\d{1,4}", pairs["ml"], "ml", _("Not a length: “%(value)s”.") % {"value": pairs["ml"][:10]})
    if int(pairs["ml"]) != len(text):
        raise AmlInvalid("ml", _("Says %(said)s characters, the message has %(has)d: it was cut or altered.") % {"said": pairs["ml"], "has": len(text)})
    if stray is not None:
        raise AmlInvalid("body", _("“%(part)s” is not a key=value pair.") % {"part": stray[:20]})
    if pairs[SMS_HEADER] != "1":
        raise AmlInvalid(SMS_HEADER, _("Version %(value)s is not supported (only 1).") % {"value": pairs[SMS_HEADER][:5]})
    for field in SMS_FIELDS:
        if field not in pairs:
            raise AmlInvalid(field, _("Missing."))

    method = pairs["pm"]
    if method not in ("G", "W", "C", "N"):
        raise AmlInvalid("pm", _("Unknown positioning method “%(value)s” (G, W, C or N).") % {"value": method[:5]})
    no_position = method == "N" and not pairs["lt"] and not pairs["lg"]
    if no_position:
        latitude = longitude = radius = positioned_at = confidence = None
    else:
        latitude = _degrees("lt", pairs["lt"])
        longitude = _degrees("lg", pairs["lg"])
        radius = int(_need(r"\d{1,6}", pairs["rd"], "rd", _("Not a radius in whole metres: “%(value)s”.") % {"value": pairs["rd"][:10]}))
        _need(r"\d{14}", pairs["top"], "top", _("Not a time as YYYYMMDDhhmmss: “%(value)s”.") % {"value": pairs["top"][:20]})
        try:
            positioned_at = datetime.strptime(pairs["top"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            raise AmlInvalid("top", _("Not a real date and time: “%(value)s”.") % {"value": pairs["top"]}) from None
        _not_future("top", positioned_at, now)
        confidence = _percent("lc", pairs["lc"])
        if method == "N":
            raise AmlInvalid("pm", _("“N” (no position) with a position given."))
    return AmlFix(
        caller_number=caller_number,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius,
        positioned_at=positioned_at,
        confidence=confidence,
        method=method,
        imsi=_need(r"\d{5,15}|", pairs["si"], "si", _("Not an IMSI (up to 15 digits).")),
        imei=_need(r"\d{14,16}|", pairs["ei"], "ei", _("Not an IMEI (14 to 16 digits).")),
        mcc=_need(r"\d{3}", pairs["mcc"], "mcc", _("Not a mobile country code (3 digits).")),
        mnc=_need(r"\d{2,3}", pairs["mnc"], "mnc", _("Not a mobile network code (2 or 3 digits).")),
    )


def parse_https(form, *, now):
    """The HTTPS variant: a dict of the form fields (one value each)."""
    def field(name, *, required=True):
        value = str(form.get(name, "") or "").strip()
        if required and not value:
            raise AmlInvalid(name, _("Missing."))
        if len(value) > 200:
            raise AmlInvalid(name, _("Too long."))
        return value

    _need(r"\d{1,2}", field("v"), "v", _("Not a version number."))
    caller_number = field("device_number")
    latitude = _degrees("lt", field("location_latitude"), label="location_latitude")
    longitude = _degrees("lg", field("location_longitude"), label="location_longitude")
    millis = _need(r"\d{10,14}", field("location_time"), "location_time", _("Not milliseconds since 1970."))
    try:
        positioned_at = datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        raise AmlInvalid("location_time", _("Not milliseconds since 1970.")) from None
    _not_future("location_time", positioned_at, now)
    accuracy = field("location_accuracy")
    try:
        radius = Decimal(accuracy)
    except InvalidOperation:
        radius = None
    if radius is None or not radius.is_finite() or radius < 0 or radius > 999999:
        raise AmlInvalid("location_accuracy", _("Not a radius in metres: “%(value)s”.") % {"value": accuracy[:20]})
    source = field("location_source")
    method = _HTTPS_SOURCES.get(source.lower())
    if method is None or method == "N":
        raise AmlInvalid("location_source", _("Unknown source “%(value)s” (GPS, WIFI, CELL or FUSED).") % {"value": source[:20]})
    certainty = field("location_certainty", required=False)
    return AmlFix(
        caller_number=caller_number,
        latitude=latitude,
        longitude=longitude,
        radius_m=int(radius.to_integral_value()),
        positioned_at=positioned_at,
        confidence=_percent("location_certainty", certainty) if certainty else None,
        method=method,
        imsi=_need(r"\d{5,15}|", field("device_imsi", required=False), "device_imsi", _("Not an IMSI (up to 15 digits).")),
        imei=_need(r"\d{14,16}|", field("device_imei", required=False), "device_imei", _("Not an IMEI (14 to 16 digits).")),
        mcc=_need(r"\d{3}|", field("cell_network_mcc", required=False), "cell_network_mcc", _("Not a mobile country code (3 digits).")),
        mnc=_need(r"\d{2,3}|", field("cell_network_mnc", required=False), "cell_network_mnc", _("Not a mobile network code (2 or 3 digits).")),
    )
