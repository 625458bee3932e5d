"""Does an alert's area touch the region? Good enough at city scale: boxes, circles on a sphere,
and point-in-polygon for the kelurahan centres."""

from dispatch112.geo import distance_m, point_in_polygon


def _box_contains(bounds, lat, lon):
    (south, west), (north, east) = bounds
    return south <= lat <= north and west <= lon <= east


def polygon_touches(ring, bounds, centres):
    """ring: [[lat, lon], …]. True when a vertex lies in the region's box or the polygon covers a
    kelurahan centre (a province-wide warning has every vertex outside the city)."""
    if any(_box_contains(bounds, lat, lon) for lat, lon in ring):
        return True
    as_geojson = [(lon, lat) for lat, lon in ring]
    (south, west), (north, east) = bounds
    corners = [(south, west), (south, east), (north, west), (north, east)]
    return any(point_in_polygon(lat, lon, as_geojson) for lat, lon in [*centres, *corners])


def circle_touches(lat, lon, radius_km, bounds):
    (south, west), (north, east) = bounds
    nearest_lat = min(max(lat, south), north)
    nearest_lon = min(max(lon, west), east)
    return distance_m(lat, lon, nearest_lat, nearest_lon) <= radius_km * 1000


def geocode_touches(geocodes, region_code):
    """A Kemendagri code (64.72, 6472, 64.72.01…) at or below the region, or the region above it
    (a province-wide 64 warning covers the city)."""
    compact = region_code.replace(".", "")
    for _name, value in geocodes:
        code = (value or "").replace(".", "").strip()
        if code and (code.startswith(compact) or compact.startswith(code)) and len(code) >= 2 and code.isdigit():
            return True
    return False


def area_touches_region(parsed, *, bounds, region_code, centres):
    if any(polygon_touches(ring, bounds, centres) for ring in parsed.polygons):
        return True
    if any(circle_touches(lat, lon, radius, bounds) for lat, lon, radius in parsed.circles):
        return True
    return geocode_touches(parsed.geocodes, region_code)
