"""Reading configuration from the environment, loudly.

A typo in a production variable must stop the process at start-up, not quietly fall back to a
default: `DEBUG=maybe` is an error, not False.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    def __init__(self, environ=None):
        self.environ = os.environ if environ is None else environ

    def raw(self, name):
        """The value of NAME, or of the file named by NAME_FILE (for Docker/Kubernetes secrets)."""
        value = self.environ.get(name)
        file_path = self.environ.get(f"{name}_FILE")
        if value is not None and file_path:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
        if file_path:
            try:
                return Path(file_path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def is_set(self, name):
        return self.raw(name) is not None

    def str(self, name, default=None, *, required=False):
        value = self.raw(name)
        if value is None:
            if required:
                raise ImproperlyConfigured(f"{name} must be set.")
            return default
        return value

    def bool(self, name, default=False):
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}."
        )

    def int(self, name, default=None, *, minimum=None, maximum=None):
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}.")
        if maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}.")
        return number

    def list(self, name, default=()):
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name, *, schemes):
        value = self.raw(name)
        if value is None:
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name} must start with one of {', '.join(s + '://' for s in schemes)}; got {scheme or value!r}."
            )
        return value
