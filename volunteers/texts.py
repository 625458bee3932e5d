"""The words of the messages sent to volunteers: Bahasa Indonesia, one SMS (160 GSM-7 characters)
where possible.

An SMS with a single character outside the GSM 03.38 alphabet (a typographic dash, an emoji, an
accented letter the alphabet lacks) is sent as UCS-2 and holds only 70 characters, so the text is
folded to the GSM alphabet first. The link is never cut; the place and the description are, in
that order of priority, to keep the message in one part.
"""

import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _

SMS_LENGTH = 160
SMS_PART_LENGTH = 153  # a part of a concatenated SMS: 7 characters go to the joining header
# GSM 03.38: the basic alphabet (one unit each) and the extension table (two units each: escape + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")
_REPLACEMENTS = {
    "–": "-", "—": "-", "‒": "-", "−": "-", "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
    "…": "...", "•": "-", "·": "-", "\t": " ", "°": "o", "×": "x", "`": "'",
}
ELLIPSIS = ".."


def fold_gsm(text):
    """The text in the GSM 03.38 alphabet: typographic punctuation replaced, accents dropped where
    the alphabet lacks the letter, anything else left out."""
    out = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENDED:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
            out.append("".join(c for c in base if c in GSM_BASIC))
    return " ".join("".join(out).split())


def sms_units(text):
    """Length in GSM-7 units (extension characters count twice); None if the text is not GSM-7."""
    units = 0
    for char in text:
        if char in GSM_BASIC:
            units += 1
        elif char in GSM_EXTENDED:
            units += 2
        else:
            return None
    return units


def sms_parts(text):
    units = sms_units(text)
    if units is None:
        return 1 if len(text) <= 70 else -(-len(text) // 67)
    return 1 if units <= SMS_LENGTH else -(-units // SMS_PART_LENGTH)


def _cut(text, units):
    if units <= 0:
        return ""
    if sms_units(text) <= units:
        return text
    keep = max(0, units - len(ELLIPSIS))
    while keep and sms_units(text[:keep].rstrip(" ,.;:-")) + len(ELLIPSIS) > units:
        keep -= 1
    head = text[:keep]
    # End on a whole word when that costs little ("lantai terbaka.." reads worse than "lantai..").
    if keep < len(text) and text[keep].isalnum() and " " in head:
        word_end = head.rstrip().rfind(" ")
        if word_end >= keep * 0.6:
            head = head[:word_end]
    head = head.rstrip(" ,.;:-")
    return head + ELLIPSIS if head else ""


def _fit(template, values, *, cuts, limit=SMS_LENGTH):
    """Fill the template, then cut values in the order of `cuts` — (name, units to keep at least) —
    until the text fits `limit`. What cannot be cut (the link) is never touched; if the text still
    does not fit, it goes as a longer SMS."""
    values = {k: fold_gsm(str(v)) for k, v in values.items()}

    def render():
        return " ".join(fold_gsm(template % values).replace(" .", ".").replace(ELLIPSIS + ".", ELLIPSIS).split())

    text = render()
    for name, keep in cuts:
        over = sms_units(text) - limit
        if over <= 0:
            break
        units = sms_units(values[name])
        if units > keep:
            values[name] = _cut(values[name], max(keep, units - over))
            text = render()
    return text


def place_of(incident):
    parts = []
    if incident.kelurahan_id:
        parts.append(incident.kelurahan.name)
    for extra in (incident.address, incident.landmark):
        if extra and extra not in parts:
            parts.append(extra)
    return ", ".join(parts)


def activation_text(*, incident, link):
    """The activation message: reference, category, place, a short description and the link."""
    with translation.override("id"):
        description = " ".join((incident.description or "").split())
        values = {
            "reference": incident.reference,
            "category": incident.category.name_id,
            "place": place_of(incident) or _("place not known yet"),
            "description": (description + ".") if description and not description.endswith((".", "!", "?")) else description,
            "link": link,
        }
        template = _("%(reference)s %(category)s at %(place)s. %(description)s Accept or decline: %(link)s")
        # The description is cut first, but not below a few words; then the place, down to the
        # kelurahan; then the description altogether.
        kelurahan = len(fold_gsm(incident.kelurahan.name)) if incident.kelurahan_id else 12
        return _fit(template, values, cuts=(("description", 24), ("place", kelurahan), ("description", 0)))


def stand_down_text(*, incident):
    with translation.override("id"):
        values = {"reference": incident.reference, "category": incident.category.name_id, "place": place_of(incident) or "-"}
        template = _("%(reference)s %(category)s at %(place)s: you are stood down, no need to come. Thank you.")
        return _fit(template, values, cuts=(("place", 0),))
