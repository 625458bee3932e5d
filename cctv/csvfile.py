"""The camera registry as a CSV file: the columns, reading and checking rows, writing an export.

An import is all rows or none: every bad row is reported with its line number and reason, and
nothing is written unless the whole file is good (the write is cctv.services.cameras_import_csv).
Credentials are never exported; in an import, empty username/password keep the stored ones.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cctv.models import Camera, Direction, FeedKind
from dispatch112.csvexport import csv_text, dict_reader, read_cell
from dispatch112.region import region_kelurahan

COLUMNS = (
    "code",
    "name",
    "location",
    "kelurahan_code",
    "latitude",
    "longitude",
    "direction",
    "feed_kind",
    "feed_url",
    "username",
    "password",
    "active",
    "is_demo",
)
REQUIRED_COLUMNS = ("code", "name", "latitude", "longitude", "feed_kind", "feed_url")
MAX_ROWS = 5000
TRUE = {"1", "true", "yes", "ya", "y", "aktif"}
FALSE = {"0", "false", "no", "tidak", "n", "nonaktif"}


@dataclass(frozen=True)
class RowProblem:
    line: int
    code: str
    reason: str

    def __str__(self):
        where = _("line %(line)s") % {"line": self.line} + (f" ({self.code})" if self.code else "")
        return f"{where}: {self.reason}"

    def as_dict(self):
        return {"line": self.line, "code": self.code, "reason": self.reason}


class CameraImportError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__(_("%(n)s bad row(s); nothing was imported.") % {"n": len(problems)})


@dataclass
class ParsedRow:
    line: int
    camera: Camera  # existing (to update) or new, with the row's values set, validated
    created: bool
    changed_fields: list


def _flag(text, default, label, problems, line, code):
    value = text.strip().lower()
    if value == "":
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    problems.append(RowProblem(line, code, _("%(column)s %(value)r is not yes/no (true/false, 1/0, ya/tidak).") % {"column": label, "value": text}))
    return default


def _coordinate(text, label, problems, line, code):
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        problems.append(RowProblem(line, code, _("%(column)s %(value)r is not a number.") % {"column": label, "value": text}))
        return None
    if not value.is_finite():
        problems.append(RowProblem(line, code, _("%(column)s %(value)r is not a number.") % {"column": label, "value": text}))
        return None
    return value.quantize(Decimal("0.000001"))


def _messages(error):
    if hasattr(error, "error_dict"):
        return [f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages) for name, messages in error.message_dict.items()]
    return list(error.messages)


def parse(text):
    """(rows, problems). Line numbers count the header as line 1, as a spreadsheet shows them."""
    from cctv.services import split_url_credentials  # the same normalisation as every other edit

    reader = dict_reader(text)
    header = reader.fieldnames
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowProblem(1, "", _("Missing column(s): %(missing)s. Expected: %(expected)s.") % {"missing": ", ".join(missing), "expected": ",".join(COLUMNS)})]
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        return [], [RowProblem(1, "", _("Unknown column(s): %(unknown)s. Expected: %(expected)s.") % {"unknown": ", ".join(unknown), "expected": ",".join(COLUMNS)})]

    kelurahan_by_code = {k.code: k for k in region_kelurahan().select_related("kecamatan")}
    existing = {c.code: c for c in Camera.objects.all()}
    first_line = {}
    rows, problems = [], []
    for record in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, "", _("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS}))
            break
        values = {c: read_cell((record.get(c) or "").strip()) for c in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        code = values["code"]
        before = len(problems)
        if code and code in first_line:
            problems.append(RowProblem(line, code, _("Duplicate code (first on line %(line)s).") % {"line": first_line[code]}))
            continue
        if code:
            first_line[code] = line
        kelurahan = None
        if values["kelurahan_code"]:
            kelurahan = kelurahan_by_code.get(values["kelurahan_code"])
            if kelurahan is None:
                problems.append(RowProblem(line, code, _("Unknown kelurahan code %(code)r in this region.") % {"code": values["kelurahan_code"]}))
        kind = values["feed_kind"].lower()
        if kind not in FeedKind.values:
            problems.append(RowProblem(line, code, _("Unknown feed_kind %(value)r; expected one of %(choices)s.") % {"value": values["feed_kind"], "choices": ", ".join(FeedKind.values)}))
        direction = values["direction"].upper()
        if direction and direction not in Direction.values:
            problems.append(RowProblem(line, code, _("Unknown direction %(value)r; expected one of %(choices)s.") % {"value": values["direction"], "choices": ", ".join(Direction.values)}))
        latitude = _coordinate(values["latitude"], "latitude", problems, line, code)
        longitude = _coordinate(values["longitude"], "longitude", problems, line, code)
        active = _flag(values["active"], True, "active", problems, line, code)
        is_demo = _flag(values["is_demo"], False, "is_demo", problems, line, code)
        if len(problems) > before:
            continue

        url, url_user, url_password = split_url_credentials(values["feed_url"])
        fields = {
            "code": code,
            "name": values["name"],
            "location": values["location"],
            "kelurahan": kelurahan,
            "latitude": latitude,
            "longitude": longitude,
            "direction": direction,
            "feed_kind": kind,
            "feed_url": url,
            "active": active,
            "is_demo": is_demo,
        }
        username = values["username"] or url_user
        password = values["password"] or url_password
        if username:
            fields["username"] = username
        if password:
            fields["password"] = password
        camera = existing.get(code)
        created = camera is None
        if created:
            camera = Camera()
        changed = [name for name, value in fields.items() if getattr(camera, name) != value]
        for name, value in fields.items():
            setattr(camera, name, value)
        try:
            camera.full_clean()
        except ValidationError as error:
            for message in _messages(error):
                problems.append(RowProblem(line, code, message))
            continue
        rows.append(ParsedRow(line, camera, created, changed))
    return rows, problems


def export(cameras):
    """CSV text of the cameras, in the import's columns, without credentials."""
    return csv_text(
        COLUMNS,
        (
            [
                camera.code,
                camera.name,
                camera.location,
                camera.kelurahan.code if camera.kelurahan_id else "",
                Decimal(f"{camera.latitude:.6f}"),
                Decimal(f"{camera.longitude:.6f}"),
                camera.direction,
                camera.feed_kind,
                camera.feed_url,
                "",  # username: never exported
                "",  # password: never exported
                "true" if camera.active else "false",
                "true" if camera.is_demo else "false",
            ]
            for camera in cameras
        ),
    )
