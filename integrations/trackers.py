"""Position reports as trackers send them, read into one shape (a Fix).

- OwnTracks (HTTP mode): a JSON body {"_type": "location", "lat", "lon", "tst", "acc", "vel", "cog"}.
- Traccar Client / OsmAnd protocol: query (or form) parameters id, lat, lon, timestamp, speed
  (knots), bearing, accuracy.
- The OPD console: {"latitude", "longitude", "accuracy", "recorded_at"} from the browser.
Bad input raises ValidationError naming the field.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

KNOT_KMH = 1.852


@dataclass
class Fix:
    latitude: Decimal
    longitude: Decimal
    recorded_at: datetime
    accuracy_m: int | None = None
    speed_kmh: float | None = None
    heading: float | None = None


def _number(value, field, *, low=None, high=None, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError({field: _("Must be a number between %(low)s and %(high)s.") % {"low": low, "high": high}})
    return number


def _moment(value, field, now):
    if value in (None, ""):
        return now
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        seconds = float(text)
        if seconds > 1e11:  # milliseconds (Traccar Client sends either)
            seconds /= 1000
        moment = datetime.fromtimestamp(seconds, tz=dt_timezone.utc)
    else:
        moment = parse_datetime(text.replace(" ", "T"))
        if moment is None:
            raise ValidationError({field: _("Not a time: use Unix seconds or ISO 8601.")})
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt_timezone.utc)
    # A device with a wrong clock must not put a position in the future (it would never be replaced).
    return min(moment, now)


def _fix(*, lat, lon, at, accuracy, speed_kmh, heading, now, names=("lat", "lon", "timestamp", "accuracy")):
    lat_name, lon_name, at_name, accuracy_name = names
    accuracy = _number(accuracy, accuracy_name, low=0, high=100000, required=False)
    return Fix(
        latitude=Decimal(str(round(_number(lat, lat_name, low=-90, high=90), 6))),
        longitude=Decimal(str(round(_number(lon, lon_name, low=-180, high=180), 6))),
        recorded_at=_moment(at, at_name, now),
        accuracy_m=round(accuracy) if accuracy is not None else None,
        speed_kmh=speed_kmh,
        heading=heading,
    )


def from_owntracks(data, *, now):
    if not isinstance(data, dict):
        raise ValidationError({"body": _("Expected a JSON object.")})
    if data.get("_type") != "location":
        return None  # OwnTracks also sends waypoints, transitions, cards: nothing to place
    speed = _number(data.get("vel"), "vel", low=0, high=1000, required=False)
    heading = _number(data.get("cog"), "cog", low=0, high=360, required=False)
    return _fix(lat=data.get("lat"), lon=data.get("lon"), at=data.get("tst"), accuracy=data.get("acc"), speed_kmh=speed, heading=heading, now=now, names=("lat", "lon", "tst", "acc"))


def from_osmand(params, *, now):
    knots = _number(params.get("speed"), "speed", low=0, high=600, required=False)
    heading = _number(params.get("bearing"), "bearing", low=0, high=360, required=False)
    return _fix(
        lat=params.get("lat"), lon=params.get("lon"), at=params.get("timestamp"), accuracy=params.get("accuracy"),
        speed_kmh=round(knots * KNOT_KMH, 1) if knots is not None else None, heading=heading, now=now,
    )


def from_browser(data, *, now):
    return _fix(
        lat=data.get("latitude"), lon=data.get("longitude"), at=data.get("recorded_at"), accuracy=data.get("accuracy"),
        speed_kmh=None, heading=None, now=now, names=("latitude", "longitude", "recorded_at", "accuracy"),
    )
