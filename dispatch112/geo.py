"""Straight-line distances on the sphere; good to a few metres at city scale."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(lambda v: radians(float(v)), (lat1, lon1, lat2, lon2))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(h))


def degree_box(lat, radius_m):
    """Half-widths (dlat, dlon) in degrees of a box that contains the circle of radius_m."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(cos(radians(float(lat))), 0.01))
    return dlat, dlon


def point_in_polygon(lat, lon, ring):
    """Ray casting over a GeoJSON ring of [lon, lat] pairs."""
    inside = False
    x, y = float(lon), float(lat)
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / ((y2 - y1) or 1e-12) + x1:
            inside = not inside
    return inside


def geometry_bounds(geometry):
    """(south, west, north, east) of a GeoJSON (Multi)Polygon's outer rings, or None."""
    rings = [polygon[0] for polygon in _polygons(geometry) if polygon and polygon[0]]
    if not rings:
        return None
    lons = [float(p[0]) for ring in rings for p in ring]
    lats = [float(p[1]) for ring in rings for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


def _polygons(geometry):
    if not geometry:
        return []
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    return [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []


def geometry_contains(geometry, lat, lon):
    for polygon in _polygons(geometry):
        if polygon and point_in_polygon(lat, lon, [tuple(p) for p in polygon[0]]):
            holes = polygon[1:]
            if not any(point_in_polygon(lat, lon, [tuple(p) for p in hole]) for hole in holes):
                return True
    return False
