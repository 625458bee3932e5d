"""Who is making a change, for the audit trail.

A page or API request binds itself here (audit.middleware); a service called from a command or a
task can name its actor with `acting(by)`. The actor is resolved only when an entry is written:
by then DRF has put the user its token authentication found on the underlying request.

`batch()` gathers the changes of one object made in several steps (a relawan's row, then its
kelurahan, skills and hours) into one entry with the before of the first step and the after of
the last.
"""

import contextlib
import contextvars

_request = contextvars.ContextVar("audit_request", default=None)
_actor = contextvars.ContextVar("audit_actor", default=None)
_batch = contextvars.ContextVar("audit_batch", default=None)


def bind_request(request):
    return _request.set(request)


def unbind_request(token):
    _request.reset(token)


def current_request():
    return _request.get()


@contextlib.contextmanager
def acting(user):
    """Changes made inside are recorded as `user`'s (a service called outside a request)."""
    token = _actor.set(user if getattr(user, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_details():
    """(request id, client address, path) of the current request, or empties."""
    request = _request.get()
    if request is None:
        return "", None, ""
    return getattr(request, "request_id", "") or "", request.META.get("REMOTE_ADDR") or None, request.path[:200]


@contextlib.contextmanager
def batch():
    """Merge every change of one object made inside into one entry, written when the block ends
    (nested blocks join the outer one)."""
    if _batch.get() is not None:
        yield
        return
    pending = {}
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    # Reached only when the block succeeded: a change rolled back by an exception is no change.
    from audit import capture

    capture.flush(pending)


def current_batch():
    return _batch.get()
