"""The roster as a CSV file, in the shape coordinators keep in spreadsheets.

Columns: id, name, phone, channel, kelurahan, kelurahan_code, covers, skills, languages,
availability, active, joined_on, notes. `kelurahan` and `covers` take names or Kemendagri codes
(covers comma-separated); skills and languages take codes or their names; availability is
"always" or windows such as "Sen-Jum 18:00-22:00; Sab 22:00-06:00"; the delimiter may be a comma
or a semicolon (Excel in Indonesian writes semicolons).

An import is all rows or none: every bad row is reported with its line and reason (unknown
kelurahan, bad phone, duplicate phone, …) and nothing is written unless the whole file is good
(the write is volunteers.services.volunteers_import_csv). A row updates an existing volunteer when
it carries their `id`, or their phone with the same name; a phone already in the roster under
another name is refused rather than overwriting that person.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dispatch112.csvexport import csv_text, dict_reader, read_cell
from dispatch112.region import region_kelurahan
from volunteers.availability import format_windows, windows_of
from volunteers.models import Availability, Channel, Language, Skill, Volunteer

COLUMNS = (
    "id",
    "name",
    "phone",
    "channel",
    "kelurahan",
    "kelurahan_code",
    "covers",
    "skills",
    "languages",
    "availability",
    "active",
    "joined_on",
    "notes",
)
REQUIRED_COLUMNS = ("name", "phone")
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
TRUE = {"1", "true", "yes", "ya", "y", "aktif"}
FALSE = {"0", "false", "no", "tidak", "n", "nonaktif", "tidak aktif"}
# Spreadsheet users write skills in their own words.
SKILL_ALIASES = {"p3k": Skill.FIRST_AID, "pertolongan pertama": Skill.FIRST_AID, "medis": Skill.MEDIC, "perawat": Skill.MEDIC,
                 "pemadam": Skill.FIRE, "damkar": Skill.FIRE, "sopir": Skill.DRIVER, "supir": Skill.DRIVER, "ular": Skill.SNAKE,
                 "sar": Skill.SEARCH_RESCUE, "perahu": Skill.BOAT, "gergaji mesin": Skill.CHAINSAW, "evakuasi": Skill.EVACUATION}


@dataclass(frozen=True)
class RowProblem:
    line: int
    name: str
    reason: str

    def __str__(self):
        where = _("line %(line)s") % {"line": self.line} + (f" ({self.name})" if self.name else "")
        return f"{where}: {self.reason}"

    def as_dict(self):
        return {"line": self.line, "name": self.name, "reason": self.reason}


class VolunteerImportError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__(_("%(n)s bad row(s); nothing was imported.") % {"n": len(problems)})


@dataclass
class ParsedRow:
    line: int
    volunteer: Volunteer | None  # the one it updates; None: a new volunteer
    clean: object  # services.CleanVolunteer
    changed: bool


def _lookup(choices, aliases=None):
    table = {}
    for value, label in choices:
        table[value.lower()] = value
        table[str(label).lower()] = value
    from django.utils import translation

    for language in ("id", "en"):
        with translation.override(language):
            for value, label in choices:
                table[str(label).lower()] = value
    table.update({k: v for k, v in (aliases or {}).items()})
    return table


def _split(text):
    return [part.strip() for part in text.replace("|", ",").replace("/", ",").split(",") if part.strip()]


def _flag(text):
    value = text.strip().lower()
    if value == "":
        return True
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError(_("active “%(value)s” is not yes/no (ya/tidak, true/false, 1/0).") % {"value": text})


def _date(text):
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("joined_on “%(value)s” is not a date (2024-08-17 or 17/08/2024).") % {"value": text})


def _messages(error):
    if hasattr(error, "error_dict"):
        return [" ".join(messages) for _name, messages in error.message_dict.items()]
    return list(error.messages)


def _reasons_from(error):
    """Service errors as import reasons, phone problems named as the issue names them."""
    reasons = []
    for name, messages in (error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]):
        for message in messages:
            if name == "phone" and "already" in message.lower() or name == "phone" and "sudah" in message.lower():
                reasons.append(_("duplicate phone: %(message)s") % {"message": message})
            elif name == "phone":
                reasons.append(_("bad phone: %(message)s") % {"message": message})
            elif name == "__all__" or not name:
                reasons.append(message)
            else:
                reasons.append(f"{name}: {message}")
    return reasons


def _read(text):
    return dict_reader(text)


def parse(text):
    """(rows, problems). Line numbers count the header as line 1, as a spreadsheet shows them."""
    from volunteers.services import VolunteerInput, clean_volunteer

    if len(text.encode("utf-8")) > MAX_BYTES:
        return [], [RowProblem(1, "", _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)})]
    reader = _read(text)
    header = reader.fieldnames
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "kelurahan" not in header and "kelurahan_code" not in header:
        missing.append("kelurahan")
    if missing:
        return [], [RowProblem(1, "", _("Missing column(s): %(missing)s. Expected: %(expected)s.") % {"missing": ", ".join(missing), "expected": ",".join(COLUMNS)})]
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        return [], [RowProblem(1, "", _("Unknown column(s): %(unknown)s. Expected: %(expected)s.") % {"unknown": ", ".join(unknown), "expected": ",".join(COLUMNS)})]

    kelurahan = list(region_kelurahan().select_related("kecamatan__region"))
    by_code = {k.code: k for k in kelurahan}
    by_name = {}
    for k in kelurahan:
        by_name.setdefault(k.name.lower(), []).append(k)
    skills = _lookup(Skill.choices, SKILL_ALIASES)
    languages = _lookup(Language.choices, {"indonesia": Language.INDONESIAN, "inggris": Language.ENGLISH, "jawa": Language.JAVANESE})
    channels = _lookup(Channel.choices, {"wa": Channel.WHATSAPP})
    existing = {v.pk: v for v in Volunteer.objects.with_related()}
    by_phone = {v.phone: v for v in existing.values()}

    def area(value):
        value = value.strip()
        if value in by_code:
            return by_code[value]
        found = by_name.get(value.lower(), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                _("kelurahan “%(value)s” is ambiguous (in %(list)s): use its code.") % {"value": value, "list": ", ".join(k.kecamatan.name for k in found)}
            )
        raise ValidationError(_("unknown kelurahan “%(value)s” in this region.") % {"value": value})

    rows, problems = [], []
    first_line_of_phone, first_line_of_id = {}, {}
    for record in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, "", _("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS}))
            break
        # A leading apostrophe is how a spreadsheet keeps "+62…" or "0812…" as text; it is not data.
        values = {c: read_cell((record.get(c) or "").strip()) for c in COLUMNS}
        if not any(values.values()):
            continue
        name = values["name"]
        reasons = []

        def attempt(function, *args):
            try:
                return function(*args)
            except ValidationError as error:
                reasons.extend(_messages(error))
                return None

        home = attempt(area, values["kelurahan_code"] or values["kelurahan"]) if (values["kelurahan_code"] or values["kelurahan"]) else None
        if home is None and not (values["kelurahan_code"] or values["kelurahan"]):
            reasons.append(_("kelurahan is missing."))
        covers = [k for k in (attempt(area, part) for part in _split(values["covers"])) if k is not None]
        row_skills = []
        for part in _split(values["skills"]):
            if part.lower() in skills:
                row_skills.append(str(skills[part.lower()]))
            else:
                reasons.append(_("unknown skill “%(value)s”.") % {"value": part})
        row_languages = []
        for part in _split(values["languages"]):
            if part.lower() in languages:
                row_languages.append(str(languages[part.lower()]))
            else:
                reasons.append(_("unknown language “%(value)s”.") % {"value": part})
        channel = Channel.SMS
        if values["channel"]:
            channel = channels.get(values["channel"].lower())
            if channel is None:
                reasons.append(_("unknown channel “%(value)s” (sms or whatsapp).") % {"value": values["channel"]})
                channel = Channel.SMS
        active = attempt(_flag, values["active"])
        joined_on = attempt(_date, values["joined_on"])

        volunteer = None
        if values["id"]:
            if not values["id"].isdigit() or int(values["id"]) not in existing:
                reasons.append(_("no volunteer with id %(id)s in the roster (leave id empty for a new volunteer).") % {"id": values["id"]})
            elif values["id"] in first_line_of_id:
                reasons.append(_("id %(id)s appears twice (first on line %(line)s).") % {"id": values["id"], "line": first_line_of_id[values["id"]]})
            else:
                first_line_of_id[values["id"]] = line
                volunteer = existing[int(values["id"])]

        phone = None
        try:
            from volunteers.services import mobile_phone

            phone = mobile_phone(values["phone"])
        except ValidationError as error:
            reasons.extend(_("bad phone: %(message)s") % {"message": m} for m in _messages(error))
        if phone:
            if phone in first_line_of_phone:
                reasons.append(_("duplicate phone %(number)s (first on line %(line)s).") % {"number": phone, "line": first_line_of_phone[phone]})
            else:
                first_line_of_phone[phone] = line
            holder = by_phone.get(phone)
            if volunteer is None and holder is not None:
                if " ".join(holder.name.lower().split()) == " ".join(name.lower().split()):
                    volunteer = holder
                else:
                    reasons.append(
                        _("duplicate phone: %(number)s is already the number of %(name)s (id %(id)s) in the roster.")
                        % {"number": phone, "name": holder.name, "id": holder.pk}
                    )
            elif volunteer is not None and holder is not None and holder.pk != volunteer.pk:
                reasons.append(
                    _("duplicate phone: %(number)s is already the number of %(name)s (id %(id)s) in the roster.")
                    % {"number": phone, "name": holder.name, "id": holder.pk}
                )
        if reasons:
            problems.extend(RowProblem(line, name, reason) for reason in reasons)
            continue

        data = VolunteerInput(
            name=name,
            phone=phone,
            kelurahan=home,
            covers=covers,
            skills=row_skills,
            languages=row_languages,
            availability=values["availability"] or "always",
            channel=channel,
            active=active,
            joined_on=joined_on or (volunteer.joined_on if volunteer else None),
            notes=values["notes"],
            user=volunteer.user if volunteer else None,
        )
        try:
            clean = clean_volunteer(data, instance=volunteer)
        except ValidationError as error:
            # Phone duplicates inside the roster were reported above, with the holder named.
            problems.extend(RowProblem(line, name, reason) for reason in _reasons_from(error))
            continue
        rows.append(ParsedRow(line, volunteer, clean, volunteer is None or _differs(volunteer, clean)))
    return rows, problems


def _differs(volunteer, clean):
    for name, value in clean.fields.items():
        if getattr(volunteer, name) != value:
            return True
    if {k.pk for k in volunteer.covers.all()} != {k.pk for k in clean.covers}:
        return True
    if set(volunteer.skills) != set(clean.skills):
        return True
    return set(windows_of(volunteer)) != set(clean.windows)


def export(volunteers):
    return csv_text(
        COLUMNS,
        (
            [
                volunteer.pk,
                volunteer.name,
                volunteer.phone,  # "+62…": kept as text by the apostrophe safe_cell puts in front
                volunteer.channel,
                volunteer.kelurahan.name,
                volunteer.kelurahan.code,
                ", ".join(k.name for k in volunteer.covers.all() if k.pk != volunteer.kelurahan_id),
                ", ".join(volunteer.skills),
                ", ".join(volunteer.languages),
                "always" if volunteer.availability == Availability.ALWAYS else format_windows(windows_of(volunteer)),
                "ya" if volunteer.active else "tidak",
                volunteer.joined_on.isoformat() if isinstance(volunteer.joined_on, date) else "",
                volunteer.notes.replace("\r", " ").replace("\n", " "),
            ]
            for volunteer in volunteers
        ),
    )
