"""Indonesian phone numbers, normalised to E.164 (+62…)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalise_phone(text, *, field="caller_number"):
    """'0812-3456-7890', '62812…', '+62 812…', '0541 123456' → '+62…'. Empty stays empty (no SIM)."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > 32 or any(ch.isalpha() for ch in text):
        raise ValidationError({field: _("“%(value)s” is not a phone number.") % {"value": text[:32]}})
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("62") or (digits.startswith("62") and not text.startswith(("0", "+"))):
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        raise ValidationError({field: _("“%(value)s” is not a phone number.") % {"value": text}}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {field: _("“%(value)s” is not a valid phone number (use 08…, 62…, +62… or a landline such as 0541…).") % {"value": text}}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164):
    """+6281234567890 → +62812•••••890, for roles that need to know a caller exists but not who."""
    if not e164:
        return ""
    return e164[:6] + "•" * max(len(e164) - 9, 3) + e164[-3:]
