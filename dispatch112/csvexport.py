"""CSV exports that a spreadsheet opens safely: one writer for every app's downloads.

A text cell starting with = + - @ (or a tab or carriage return, which some spreadsheet programs
skip before looking for those) would run as a formula when the file is opened: such cells get a
leading apostrophe, which spreadsheets show as text. Numbers stay numbers (a negative duration is
data, not a formula). Excel needs the byte-order mark to read UTF-8 (kelurahan names, "→").

A text that itself starts with an apostrophe gets one more, so that `read_cell` (the importers'
side) can always take exactly one off: what was exported reads back as it was stored.
"""

import csv
import io
import numbers
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Number):  # int, float, Decimal: a "-0.5" latitude is a number
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds") if timezone.is_aware(value) else value.isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(ESCAPED_STARTS) else text


def read_cell(text):
    """A cell of an imported file as the value it stands for: the apostrophe `safe_cell` (or a
    spreadsheet user keeping "+62…" as text) put in front is not data."""
    return text[1:] if text.startswith("'") else text


def dict_reader(text):
    """The rows of an uploaded file, by column name (as the header has them, lower case). The
    delimiter is sniffed from the header (spreadsheets write , ; or tab); quoting is always the one
    spreadsheets and csv_lines write — a sniffed dialect would guess "no doubled quotes" from a header
    without quotes, and split a cell such as `=HYPERLINK("…","…")` at its comma."""
    text = text.lstrip("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), dialect=csv.excel, delimiter=delimiter)
    reader.fieldnames = [h.strip().lower() for h in (reader.fieldnames or [])]
    return reader


class _Echo:
    def write(self, value):
        return value


def csv_lines(header, rows):
    """The encoded lines of a CSV file (header first), each cell made safe."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_text(header, rows, *, bom=False):
    """The whole file as one string (files that are also written by management commands)."""
    out = io.StringIO()
    for number, line in enumerate(csv_lines(header, rows)):
        out.write(line if number or bom else line.removeprefix("\ufeff"))
    return out.getvalue()


def csv_response(filename, header, rows):
    """A streamed download: `rows` may be a generator over a large queryset."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
