"""Importing the wilayah registry: the shipped files, every kind of bad row, all-or-nothing, re-import."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dispatch112.models import AreaLevel, Kecamatan, Kelurahan, Region
from dispatch112.wilayah import WilayahImportError, import_wilayah_csv
from tests.conftest import WILAYAH_DIR

pytestmark = pytest.mark.django_db

HEADER = "code,name,parent_code,level,lat,lon\n"
# Lines 1-4 of every small file below: a valid region, kecamatan and kelurahan.
GOOD_ROWS = (
    HEADER
    + "64.72,Kota Samarinda,,kota,-0.500280,117.177063\n"
    + "64.72.01,Palaran,64.72,kecamatan,-0.617633,117.185066\n"
    + "64.72.01.1001,Rawa Makmur,64.72.01,kelurahan,-0.572194,117.177495\n"
)


def area_counts():
    return (Region.objects.count(), Kecamatan.objects.count(), Kelurahan.objects.count())


def problems_of(text):
    with pytest.raises(WilayahImportError) as excinfo:
        import_wilayah_csv(text=text)
    return [(p.line, p.reason) for p in excinfo.value.problems]


# --- the shipped files ---------------------------------------------------------------------------


def test_samarinda_file_imports_10_kecamatan_and_59_kelurahan(samarinda_csv):
    summary = import_wilayah_csv(text=samarinda_csv)

    region = Region.objects.get()
    assert (region.code, region.name, region.level) == ("64.72", "Kota Samarinda", AreaLevel.KOTA)
    assert (region.province_code, region.province_name) == ("64", "Kalimantan Timur")
    assert Kecamatan.objects.filter(region=region).count() == 10
    assert Kelurahan.objects.filter(kecamatan__region=region, kind=AreaLevel.KELURAHAN).count() == 59
    assert Kelurahan.objects.count() == 59
    assert summary.created == {"kota": 1, "kecamatan": 10, "kelurahan": 59}
    assert summary.updated == {}
    assert summary.without_point == []

    rawa_makmur = Kelurahan.objects.get(code="64.72.01.1001")
    assert rawa_makmur.name == "Rawa Makmur"
    assert rawa_makmur.kecamatan.name == "Palaran"
    assert (rawa_makmur.latitude, rawa_makmur.longitude) == (Decimal("-0.572194"), Decimal("117.177495"))
    assert not Kelurahan.objects.filter(latitude__isnull=True).exists()


def test_kutai_kartanegara_file_imports_with_23_rows_without_a_point_as_warnings(kukar_csv):
    summary = import_wilayah_csv(text=kukar_csv)

    region = Region.objects.get(code="64.02")
    assert (region.name, region.level) == ("Kabupaten Kutai Kartanegara", AreaLevel.KABUPATEN)
    assert Kecamatan.objects.filter(region=region).count() == 20
    assert Kelurahan.objects.filter(kind=AreaLevel.KELURAHAN).count() == 44
    assert Kelurahan.objects.filter(kind=AreaLevel.DESA).count() == 193
    tenggarong = Kecamatan.objects.get(name="Tenggarong")
    assert tenggarong.kelurahan.filter(kind=AreaLevel.KELURAHAN).count() == 12
    assert tenggarong.kelurahan.filter(kind=AreaLevel.DESA).count() == 2

    # Every row of the file without a point, and only those, is a warning with its line number.
    lines_without_point = {
        number
        for number, line in enumerate(kukar_csv.splitlines(), start=1)
        if number > 1 and line.split(",")[4] == ""
    }
    assert len(summary.without_point) == 23
    assert {w.line for w in summary.without_point} == lines_without_point
    warned_names = " ".join(str(w) for w in summary.without_point)
    assert "Kota Bangun Darat" in warned_names and "Samboja Barat" in warned_names
    # The rows are imported all the same, without a point.
    assert Kecamatan.objects.get(name="Samboja Barat").latitude is None
    assert area_counts() == (1, 20, 237)


def test_both_shipped_regions_can_live_in_one_database(samarinda_csv, kukar_csv):
    import_wilayah_csv(text=samarinda_csv)
    import_wilayah_csv(text=kukar_csv)

    assert area_counts() == (2, 30, 59 + 237)


def test_command_imports_the_shipped_file_and_lists_rows_without_a_point():
    out, err = StringIO(), StringIO()
    call_command("import_wilayah", str(WILAYAH_DIR / "kutai_kartanegara.csv"), stdout=out, stderr=err)

    for part in ("1 kabupaten created", "20 kecamatan created", "44 kelurahan created", "193 desa created"):
        assert part in out.getvalue()
    warnings = [line for line in err.getvalue().splitlines() if "warning:" in line]
    assert len(warnings) == 23
    assert any("line " in w and "Samboja Barat has no point" in w for w in warnings)
    assert "23 row(s) without a point" in err.getvalue()
    assert area_counts() == (1, 20, 237)


def test_command_accepts_a_file_saved_with_a_byte_order_mark(tmp_path, samarinda_csv):
    # Spreadsheet programs on Windows save "CSV UTF-8" with a BOM before the header.
    path = tmp_path / "samarinda-excel.csv"
    path.write_bytes(samarinda_csv.encode("utf-8-sig"))

    call_command("import_wilayah", str(path), stdout=StringIO(), stderr=StringIO())

    assert area_counts() == (1, 10, 59)


# --- bad rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("64.72.09.1001,Sungai Kapih,64.72.09,kelurahan,-0.55,117.18", "unknown parent code '64.72.09'"),
        ("64.72.01.1001,Rawa Makmur Lagi,64.72.01,kelurahan,-0.57,117.17", "duplicate code (first on line 4)"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,95,117.17", "latitude 95 is outside -90..90"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,-0.57,200", "longitude 200 is outside -180..180"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,-0.57x,117.17", "latitude '-0.57x' is not a number"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,-0.57,timur", "longitude 'timur' is not a number"),
        ("64.72.01.1002,,64.72.01,kelurahan,-0.57,117.17", "missing name"),
        ("64.72.01.1002,Bantuas,64.72.01,dusun,-0.57,117.17", "unknown level 'dusun'"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,-0.57,", "latitude and longitude must both be given or both be empty"),
        ("64.72.01.1002,Bantuas,64.72.01,kelurahan,,117.17", "latitude and longitude must both be given or both be empty"),
        ("64.72.01.1002,Bantuas,64.72,kelurahan,-0.57,117.17", "parent 64.72 is a kota, not a kecamatan"),
        ("64.72.02.1002,Bantuas,64.72.01,kelurahan,-0.57,117.17", "code does not start with its parent code 64.72.01"),
    ],
    ids=[
        "unknown-parent", "duplicate-code", "latitude-95", "longitude-200", "latitude-not-a-number",
        "longitude-not-a-number", "missing-name", "unknown-level", "only-latitude", "only-longitude",
        "parent-of-wrong-level", "code-outside-parent",
    ],
)
def test_bad_row_is_reported_with_its_line_number_and_nothing_is_written(bad_row, reason):
    problems = problems_of(GOOD_ROWS + bad_row + "\n")

    assert len(problems) == 1, problems
    line, text = problems[0]
    assert line == 5
    assert reason in text
    assert area_counts() == (0, 0, 0)


def test_missing_column_is_reported_on_the_header_line():
    problems = problems_of("code,name,parent_code,level,lat\n64.72,Kota Samarinda,,kota,-0.5\n")

    assert problems == [(1, "missing column(s): lon; expected code,name,parent_code,level,lat,lon")]


def test_every_bad_row_of_a_file_is_reported_in_line_order():
    text = (
        GOOD_ROWS
        + "64.72.01.1002,Bantuas,64.72.01,kelurahan,95,117.17\n"  # 5
        + "64.72.01.1003,,64.72.01,kelurahan,-0.6,117.2\n"  # 6
        + "64.72.01.1004,Simpang Pasir,64.72.01,kelurahan,-0.6,117.2\n"  # 7: good
        + "\n"  # 8: blank lines are skipped but still counted
        + "64.72.01.1001,Rawa Makmur,64.72.01,kelurahan,-0.57,117.17\n"  # 9
        + "64.72.05.1001,Sungai Siring,64.72.05,kelurahan,-0.4,117.2\n"  # 10
    )

    problems = problems_of(text)

    assert [line for line, _ in problems] == [5, 6, 9, 10]
    assert "latitude 95" in problems[0][1]
    assert "missing name" in problems[1][1]
    assert "duplicate code (first on line 4)" in problems[2][1]
    assert "unknown parent code '64.72.05'" in problems[3][1]


def test_file_with_one_good_and_one_bad_row_writes_nothing(samarinda_csv):
    import_wilayah_csv(text=samarinda_csv)
    before = area_counts()
    text = (
        HEADER
        + "64.72.01.1001,Rawa Makmur Renamed,64.72.01,kelurahan,-0.5,117.1\n"  # good: a rename
        + "64.72.01.1099,Kelurahan Baru,64.72.01,kelurahan,-0.5,117.1\n"  # good: a new one
        + "64.72.01.1098,Kelurahan Rusak,64.72.01,kelurahan,-95,117.1\n"  # bad
    )

    problems = problems_of(text)

    assert problems == [(4, "latitude -95 is outside -90..90")]
    assert area_counts() == before
    assert Kelurahan.objects.get(code="64.72.01.1001").name == "Rawa Makmur"
    assert not Kelurahan.objects.filter(code="64.72.01.1099").exists()


def test_rows_may_refer_to_parents_imported_earlier(samarinda_csv):
    import_wilayah_csv(text=samarinda_csv)

    summary = import_wilayah_csv(text=HEADER + "64.72.01.1099,Kelurahan Baru,64.72.01,kelurahan,-0.6,117.18\n")

    assert summary.created == {"kelurahan": 1}
    assert Kelurahan.objects.get(code="64.72.01.1099").kecamatan.name == "Palaran"


# --- re-import -----------------------------------------------------------------------------------


def test_reimporting_a_changed_file_updates_in_place_keeping_primary_keys(samarinda_csv):
    import_wilayah_csv(text=samarinda_csv)
    kelurahan = Kelurahan.objects.get(code="64.72.05.1004")
    kecamatan_pk = kelurahan.kecamatan_id
    pks_before = dict(Kelurahan.objects.values_list("code", "pk"))
    old_line = next(line for line in samarinda_csv.splitlines() if line.startswith("64.72.05.1004,"))
    new_line = "64.72.05.1004,Sungai Siring Pelita,64.72.05,kelurahan,-0.412345,117.223456"
    changed = samarinda_csv.replace(old_line, new_line)

    summary = import_wilayah_csv(text=changed)

    assert summary.created == {}
    assert summary.updated == {"kota": 1, "kecamatan": 10, "kelurahan": 59}
    assert area_counts() == (1, 10, 59)
    kelurahan.refresh_from_db()
    assert kelurahan.name == "Sungai Siring Pelita"
    assert (kelurahan.latitude, kelurahan.longitude) == (Decimal("-0.412345"), Decimal("117.223456"))
    assert kelurahan.kecamatan_id == kecamatan_pk
    assert dict(Kelurahan.objects.values_list("code", "pk")) == pks_before


def test_reimporting_the_same_file_creates_no_duplicates(samarinda_csv):
    import_wilayah_csv(text=samarinda_csv)
    import_wilayah_csv(text=samarinda_csv)

    assert area_counts() == (1, 10, 59)


# --- the command's errors ------------------------------------------------------------------------


def test_command_fails_printing_each_problem_with_its_line_number(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(
        GOOD_ROWS
        + "64.72.01.1002,Bantuas,64.72.01,kelurahan,95,117.17\n"
        + "64.72.01.1003,Simpang Pasir,64.72.01,desa_adat,-0.6,117.2\n",
        encoding="utf-8",
    )
    err = StringIO()

    with pytest.raises(CommandError, match="2 bad row"):
        call_command("import_wilayah", str(path), stdout=StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert f"{path}: line 5 (64.72.01.1002): latitude 95 is outside -90..90" in lines
    assert any(line.startswith(f"{path}: line 6 (64.72.01.1003): unknown level 'desa_adat'") for line in lines)
    assert area_counts() == (0, 0, 0)


def test_command_fails_clearly_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nope.csv: cannot be read"):
        call_command("import_wilayah", str(tmp_path / "nope.csv"), stdout=StringIO(), stderr=StringIO())
