"""Importing the wilayah registry from a Kemendagri-coded CSV file (see data/wilayah/SOURCES.md).

All rows or none: every bad row is reported with its line number and reason, and nothing is
written unless the whole file is good. Re-importing updates names and points in place (rows are
matched by code), so incidents and volunteers that refer to an area keep referring to it.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from dispatch112.models import AreaLevel, Kecamatan, Kelurahan, Region
from dispatch112.region import forget_region_cache

COLUMNS = ("code", "name", "parent_code", "level", "lat", "lon")
MAX_NAME_LENGTH = 120
# Which level each level hangs under.
PARENT_LEVELS = {
    AreaLevel.PROVINSI: set(),
    AreaLevel.KOTA: {AreaLevel.PROVINSI},
    AreaLevel.KABUPATEN: {AreaLevel.PROVINSI},
    AreaLevel.KECAMATAN: {AreaLevel.KOTA, AreaLevel.KABUPATEN},
    AreaLevel.KELURAHAN: {AreaLevel.KECAMATAN},
    AreaLevel.DESA: {AreaLevel.KECAMATAN},
}


@dataclass(frozen=True)
class RowProblem:
    line: int
    code: str
    reason: str

    def __str__(self):
        where = f"line {self.line}" + (f" ({self.code})" if self.code else "")
        return f"{where}: {self.reason}"


class WilayahImportError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} bad row(s); nothing was imported")


@dataclass
class ImportSummary:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    without_point: list = field(default_factory=list)  # RowProblem warnings

    def count(self, bucket, level):
        bucket[level] = bucket.get(level, 0) + 1


@dataclass
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    level: str
    lat: Decimal | None
    lon: Decimal | None


def _parse_coordinate(text, low, high, label, problems, line, code):
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(RowProblem(line, code, f"{label} {text!r} is not a number"))
        return None
    if not value.is_finite() or not (low <= value <= high):
        problems.append(RowProblem(line, code, f"{label} {text} is outside {low}..{high}"))
        return None
    return value.quantize(Decimal("0.000001"))


def parse_rows(text):
    """Parse the CSV text into rows; returns (rows, problems). Line numbers count the header as 1."""
    problems = []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [RowProblem(1, "", f"missing column(s): {', '.join(missing)}; expected {','.join(COLUMNS)}")]
    rows = []
    for record in reader:
        line = reader.line_num
        values = {k: (record.get(k) or "").strip() for k in COLUMNS}
        code, name, level = values["code"], values["name"], values["level"].lower()
        before = len(problems)
        if not code:
            problems.append(RowProblem(line, "", "missing code"))
        if not name:
            problems.append(RowProblem(line, code, "missing name"))
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(RowProblem(line, code, f"name is longer than {MAX_NAME_LENGTH} characters"))
        if level not in AreaLevel.values:
            problems.append(
                RowProblem(line, code, f"unknown level {values['level']!r}; expected one of {', '.join(AreaLevel.values)}")
            )
        lat = _parse_coordinate(values["lat"], -90, 90, "latitude", problems, line, code)
        lon = _parse_coordinate(values["lon"], -180, 180, "longitude", problems, line, code)
        if (values["lat"] == "") != (values["lon"] == ""):
            problems.append(RowProblem(line, code, "latitude and longitude must both be given or both be empty"))
        if len(problems) == before:
            rows.append(_Row(line, code, name, values["parent_code"], level, lat, lon))
    return rows, problems


def _check_structure(rows):
    problems = []
    by_code = {}
    for row in rows:
        if row.code in by_code:
            problems.append(RowProblem(row.line, row.code, f"duplicate code (first on line {by_code[row.code].line})"))
        else:
            by_code[row.code] = row

    known_levels = {code: AreaLevel.KECAMATAN for code in Kecamatan.objects.values_list("code", flat=True)}
    known_levels.update({code: level for code, level in Region.objects.values_list("code", "level")})
    for row in by_code.values():
        allowed = PARENT_LEVELS[row.level]
        if not allowed:
            continue
        parent = by_code.get(row.parent_code)
        parent_level = parent.level if parent else known_levels.get(row.parent_code)
        if row.level in (AreaLevel.KOTA, AreaLevel.KABUPATEN) and not row.parent_code:
            continue  # a region may come without its province row
        if parent_level is None:
            problems.append(RowProblem(row.line, row.code, f"unknown parent code {row.parent_code!r}"))
        elif parent_level not in allowed:
            problems.append(
                RowProblem(row.line, row.code, f"parent {row.parent_code} is a {parent_level}, not a {' or '.join(sorted(allowed))}")
            )
        elif not row.code.startswith(row.parent_code + "."):
            problems.append(RowProblem(row.line, row.code, f"code does not start with its parent code {row.parent_code}"))
    return by_code, problems


def import_wilayah_csv(*, text):
    """Validate and import a whole wilayah CSV. Raises WilayahImportError with every bad row."""
    rows, problems = parse_rows(text)
    by_code, structure_problems = _check_structure(rows)
    problems = sorted(problems + structure_problems, key=lambda p: p.line)
    if problems:
        raise WilayahImportError(problems)

    summary = ImportSummary()
    with transaction.atomic():
        provinces = {r.code: r for r in by_code.values() if r.level == AreaLevel.PROVINSI}
        regions, kecamatans = {}, {}
        for row in sorted(by_code.values(), key=lambda r: (len(r.code.split(".")), r.code)):
            if row.lat is None:
                summary.without_point.append(RowProblem(row.line, row.code, f"{row.level} {row.name} has no point"))
            common = {"name": row.name, "latitude": row.lat, "longitude": row.lon}
            if row.level == AreaLevel.PROVINSI:
                continue
            if row.level in (AreaLevel.KOTA, AreaLevel.KABUPATEN):
                province = provinces.get(row.parent_code)
                obj, created = Region.objects.update_or_create(
                    code=row.code,
                    defaults={
                        **common,
                        "level": row.level,
                        "province_code": row.parent_code,
                        "province_name": province.name if province else "",
                    },
                )
                regions[row.code] = obj
            elif row.level == AreaLevel.KECAMATAN:
                region = regions.get(row.parent_code) or Region.objects.get(code=row.parent_code)
                obj, created = Kecamatan.objects.update_or_create(code=row.code, defaults={**common, "region": region})
                kecamatans[row.code] = obj
            else:
                kecamatan = kecamatans.get(row.parent_code) or Kecamatan.objects.get(code=row.parent_code)
                obj, created = Kelurahan.objects.update_or_create(
                    code=row.code, defaults={**common, "kecamatan": kecamatan, "kind": row.level}
                )
            summary.count(summary.created if created else summary.updated, row.level)
        transaction.on_commit(forget_region_cache)
    return summary
