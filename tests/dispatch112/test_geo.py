"""Points in kelurahan boundaries (GeoJSON: [lon, lat] pairs), and the boxes that skip the rest."""

from dispatch112.geo import geometry_bounds, geometry_contains

SQUARE = [[117.10, -0.50], [117.20, -0.50], [117.20, -0.40], [117.10, -0.40], [117.10, -0.50]]
HOLE = [[117.14, -0.46], [117.16, -0.46], [117.16, -0.44], [117.14, -0.44], [117.14, -0.46]]
FAR = [[117.30, -0.70], [117.40, -0.70], [117.40, -0.60], [117.30, -0.60], [117.30, -0.70]]


def test_a_polygon_holds_its_inside_but_not_its_hole_nor_outside():
    polygon = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
    assert geometry_contains(polygon, -0.48, 117.12)
    assert not geometry_contains(polygon, -0.45, 117.15)  # in the hole
    assert not geometry_contains(polygon, -0.48, 117.25)
    assert geometry_contains({"type": "Feature", "geometry": polygon}, "-0.48", "117.12")  # a Feature, text numbers


def test_a_multipolygon_holds_each_part_and_its_box_spans_them_all():
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [FAR]]}
    assert geometry_contains(multi, -0.65, 117.35)
    assert not geometry_contains(multi, -0.55, 117.25)  # between the parts: in the box, in no part
    assert geometry_bounds(multi) == (-0.70, 117.10, -0.40, 117.40)


def test_no_geometry_has_no_box_and_holds_nothing():
    for nothing in (None, {}, {"type": "Point", "coordinates": [117.1, -0.5]}, {"type": "Polygon", "coordinates": []}):
        assert geometry_bounds(nothing) is None
        assert not geometry_contains(nothing, -0.5, 117.1)
