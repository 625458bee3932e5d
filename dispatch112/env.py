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


def redis_url_for_test_worker(url, worker):
    """The Redis URL of one pytest-xdist worker: worker gwN uses the database N after REDIS_URL's.

    Everything the project keeps on Redis — the cache (whose clear() is a FLUSHDB), the channel
    layer's groups, the Celery broker — lives in the database REDIS_URL names, so one database per
    worker keeps two workers of a parallel test run apart, including the daphne and Celery
    subprocesses the tests start (they inherit PYTEST_XDIST_WORKER with the environment). Outside
    a pytest-xdist worker (production, a serial test run), the URL is returned unchanged.
    """
    import re
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    match = re.fullmatch(r"gw(\d+)", worker or "")
    if not url or not match or match.group(1) == "0":
        return url
    offset = int(match.group(1))
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_query = [v for k, v in query if k == "db"]
    if in_query or parts.scheme == "unix":
        # redis-py reads ?db= first; a unix socket URL has no other place for it.
        db = int(in_query[-1]) if in_query else 0
        query = [(k, v) for k, v in query if k != "db"] + [("db", str(db + offset))]
        return url.split("?", 1)[0] + "?" + urlencode(query)
    path = parts.path.strip("/")
    db = int(path) if path else 0
    return urlunsplit(parts._replace(path=f"/{db + offset}"))
