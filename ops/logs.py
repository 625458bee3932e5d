"""Structured logs: every line carries the request id and the user id, never a caller's data.

`RequestContextFilter` stamps each record with the request it was written in (a context variable
set by `ops.middleware.RequestContextMiddleware`); `PersonalDataFilter` masks phone numbers
anywhere in a record, the values of personal fields given as `extra` or in a logged mapping, and
the literals of logged SQL; `JsonFormatter` writes one JSON object a line (production), the
`readable` format in settings is for the embedded demo and development.

Both filters sit on the handler, not on a logger: a logger's filters do not see records that
propagate from its children, a handler's see them all.
"""

import contextvars
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from django.utils.functional import SimpleLazyObject

_current = contextvars.ContextVar("ops_request_context", default=None)


class RequestContext:
    __slots__ = ("request_id", "request", "session_user_id")

    def __init__(self, request_id, request):
        self.request_id = request_id
        self.request = request
        # Set by the middleware once authentication has run. A log filter must never resolve the
        # lazy request.user itself: that reads the session from the database, whose SQL log line
        # would come back through the filter.
        self.session_user_id = None

    @property
    def user_id(self):
        user = self.request.__dict__.get("user")
        if user is not None and not isinstance(user, SimpleLazyObject):
            # DRF replaced the lazy object with the user its token authentication found.
            return user.pk if user.is_authenticated else None
        return self.session_user_id


def bind(context):
    return _current.set(context)


def unbind(token):
    _current.reset(token)


def current():
    return _current.get()


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        context = _current.get()
        record.request_id = getattr(record, "request_id", None) or (context.request_id if context else None)
        record.user_id = getattr(record, "user_id", None) or (context.user_id if context else None)
        return True


# Indonesian numbers as people write them: +62 812-3456-7890, 62812…, 0812 3456 7890, (0541) 741112.
# Not preceded or followed by a word character, so ids, hex tokens and dates stay readable.
PHONE_PATTERN = re.compile(r"(?<![\w/.+-])(?:\+|00)?(?:62[\s.-]?|\(?0)\d(?:[\s.()-]{0,2}\d){6,13}(?!\w)")
# Keys whose values are personal data wherever they turn up (extra={...}, a logged dict). Not a
# bare "name": Celery logs its task names under it.
PERSONAL_KEYS = frozenset(
    {"caller_name", "caller_number", "volunteer_name", "full_name", "first_name", "last_name", "phone", "number", "recipient", "to_local", "reporter"}
)
SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")
MASK = "***"

# What a LogRecord carries by itself; everything else on a record came in through `extra`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def mask_phone(match):
    digits = re.sub(r"\D", "", match.group(0))
    return digits[:4] + "*" * max(len(digits) - 6, 3) + digits[-2:]


def mask_text(text):
    return PHONE_PATTERN.sub(mask_phone, text)


def mask_value(value, key=None):
    if key is not None and str(key).lower() in PERSONAL_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(v) for v in value)
    return value


class PersonalDataFilter(logging.Filter):
    """Masks what the Command Center must not keep in its logs: callers' and volunteers' numbers
    and names (DESIGN.md, Security). Logs go to aggregators with wider access and longer
    retention than the database, so the mask is applied before anything is written."""

    def filter(self, record):
        # A value given as a personal field (extra={"caller_name": …}) is masked in the message too.
        known = _personal_values(vars(record)) | (_personal_values(record.args) if isinstance(record.args, Mapping) else set())
        if record.name.startswith("django.db.backends"):
            # SQL logged with its parameters quotes every value written: a caller's name included.
            record.msg = SQL_LITERAL.sub("'…'", record.getMessage())
            record.args = None
            for key in ("sql", "params"):
                if hasattr(record, key):
                    setattr(record, key, None)
        elif record.args:
            args = record.args
            if isinstance(args, Mapping):
                args = mask_value(args)
            else:
                args = tuple(mask_value(a) if isinstance(a, (Mapping, list, tuple)) else a for a in args)
            record.msg = mask_text(_render(record.msg, args))
            record.args = None
        else:
            record.msg = mask_text(str(record.msg))
        for value in sorted(known, key=len, reverse=True):
            record.msg = record.msg.replace(value, MASK)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRIBUTES and key not in ("request_id", "user_id"):
                setattr(record, key, mask_value(value, key))
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def _personal_values(mapping):
    return {str(v) for k, v in mapping.items() if str(k).lower() in PERSONAL_KEYS and isinstance(v, str) and len(v) >= 3}


def _render(msg, args):
    try:
        return str(msg) % args
    except (TypeError, ValueError):
        return f"{msg} {args!r}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, user_id, extras."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class ReadableFormatter(logging.Formatter):
    """The demo's and a developer's console: one line, the request id and user when there are."""

    def format(self, record):
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id:
            user_id = getattr(record, "user_id", None)
            return f"{line} [req={request_id}{f' user={user_id}' if user_id else ''}]"
        return line
