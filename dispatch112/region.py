"""The region this installation serves, derived from settings.REGION_CODE and the wilayah data."""

import contextlib
import uuid

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Min

from dispatch112.models import Kecamatan, Kelurahan, Region

_CACHE_KEY = "dispatch112:region:v2"
# Reference prefixes for the regions that ship with the project; others derive one from the name.
KNOWN_SHORT_NAMES = {"64.72": "SMD", "64.02": "KKR"}


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    short: str
    centre: tuple  # (lat, lon)
    bounds: tuple  # ((south, west), (north, east))
    loaded: bool
    # New at every computation, which a change of the wilayah forces (forget_region_cache): what a
    # process keeps of the wilayah beside it (incidents.selectors.region_areas) is good while the
    # token is the same.
    token: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)

    def contains(self, latitude, longitude):
        (south, west), (north, east) = self.bounds
        return south <= float(latitude) <= north and west <= float(longitude) <= east


def _short_name(code, name):
    if settings.REGION_SHORT:
        return settings.REGION_SHORT.upper()
    if code in KNOWN_SHORT_NAMES:
        return KNOWN_SHORT_NAMES[code]
    words = [w for w in name.replace("Kabupaten", "").replace("Kota", "").split() if w]
    if len(words) == 1:
        return words[0][:3].upper()  # Balikpapan → BAL, not B
    return ("".join(w[0] for w in words) or code.replace(".", ""))[:3].upper()


def _compute(code):
    region = Region.objects.filter(code=code).first()
    if region is None:
        return RegionInfo(code, code, _short_name(code, code), (0.0, 0.0), ((-90.0, -180.0), (90.0, 180.0)), False)
    extents = []
    for model, lookup in ((Kelurahan, "kecamatan__region"), (Kecamatan, "region")):
        agg = model.objects.filter(**{lookup: region}, latitude__isnull=False).aggregate(
            s=Min("latitude"), n=Max("latitude"), w=Min("longitude"), e=Max("longitude")
        )
        if agg["s"] is not None:
            extents.append(agg)
    margin = Decimal(str(settings.REGION_BOUNDS_MARGIN_DEG))
    if extents:
        south = min(a["s"] for a in extents) - margin
        north = max(a["n"] for a in extents) + margin
        west = min(a["w"] for a in extents) - margin
        east = max(a["e"] for a in extents) + margin
    elif region.has_point:
        south, north = region.latitude - margin * 10, region.latitude + margin * 10
        west, east = region.longitude - margin * 10, region.longitude + margin * 10
    else:
        return RegionInfo(code, region.name, _short_name(code, region.name), (0.0, 0.0), ((-90.0, -180.0), (90.0, 180.0)), True)
    centre = (float((south + north) / 2), float((west + east) / 2))
    return RegionInfo(
        code=code,
        name=region.name,
        short=_short_name(code, region.name),
        centre=centre,
        bounds=((float(south), float(west)), (float(north), float(east))),
        loaded=True,
    )


def current_region():
    # The cache is an optimisation: with Redis down, intake must go on (computed from the database).
    try:
        info = cache.get(_CACHE_KEY)
    except Exception:  # noqa: BLE001
        info = None
    if info is None or info.code != settings.REGION_CODE:
        info = _compute(settings.REGION_CODE)
        if info.loaded:
            with contextlib.suppress(Exception):
                cache.set(_CACHE_KEY, info, 3600)
    return info


def forget_region_cache():
    with contextlib.suppress(Exception):
        cache.delete(_CACHE_KEY)


def region_kelurahan():
    return Kelurahan.objects.filter(kecamatan__region__code=settings.REGION_CODE)
