"""Free text from users: kept as typed (rendered escaped everywhere), but bounded and printable."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_FORBIDDEN = {chr(c) for c in range(0, 32)} - {"\n", "\r", "\t"}


def clean_text(value, *, field, max_length, required=False):
    value = "" if value is None else str(value)
    value = value.replace("\r\n", "\n").strip()
    if any(ch in _FORBIDDEN for ch in value):
        raise ValidationError({field: _("Contains control characters (such as a null byte) that are not allowed.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Too long: %(length)d characters, at most %(max)d.") % {"length": len(value), "max": max_length}}
        )
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    return value
