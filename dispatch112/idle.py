"""Idle consoles: a session ends after SESSION_IDLE_TIMEOUT_MINUTES without the user doing anything.

A console left open on an unattended desk must not stay logged in for a whole shift; but an open
console is never quiet — it polls, refreshes and keeps its live socket alive. Those requests carry
`X-Dispatch112-Background: 1` (static/js) and do not count as activity; neither do the CCTV
pictures a wall keeps loading (an <img> cannot send a header). Everything else an authenticated
user asks for does. The browser (static/js/session.js) warns before the end, and tells the server
when the user types or clicks without sending anything (a long form being filled in).

The time of the last activity is kept in the session, rewritten at most every TOUCH_SECONDS so that
a busy console does not write its session on every request.
"""

from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dispatch112 import clock

ACTIVITY_KEY = "d112_last_activity"
BACKGROUND_HEADER = "HTTP_X_DISPATCH112_BACKGROUND"
# Pictures and streams the CCTV tiles load as <img>/<video>: no header can be set on those.
BACKGROUND_URL_NAMES = frozenset({"cctv-camera-frame", "cctv-camera-stream", "cctv-camera-hls", "cctv-demo-feed"})
TOUCH_SECONDS = 30
WEBSOCKET_PREFIX = "/ws/"


def _now():
    return clock.now().timestamp()  # tests travel in time through dispatch112.clock


def timeout_seconds():
    return settings.SESSION_IDLE_TIMEOUT_MINUTES * 60


def idle_seconds(session, now=None):
    """Seconds since the session's last activity; None for a session that has no stamp yet."""
    stamp = session.get(ACTIVITY_KEY)
    if not isinstance(stamp, (int, float)):
        return None
    return max(0.0, (now or _now()) - stamp)


def is_idle(session, now=None):
    idle = idle_seconds(session, now)
    return idle is not None and idle >= timeout_seconds()


def remaining_seconds(session, now=None):
    idle = idle_seconds(session, now)
    return timeout_seconds() if idle is None else max(0, int(timeout_seconds() - idle))


def touch(session, now=None, *, force=False):
    now = now or _now()
    idle = idle_seconds(session, now)
    if force or idle is None or idle >= TOUCH_SECONDS:
        session[ACTIVITY_KEY] = now


def start_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        touch(request.session, force=True)


def is_background(request):
    if request.META.get(BACKGROUND_HEADER) == "1":
        return True
    # The live socket's address asked over plain HTTP (a server without WebSockets, a proxy that
    # drops the upgrade) is the console reconnecting by itself, never the operator.
    if request.path.startswith(WEBSOCKET_PREFIX):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name in BACKGROUND_URL_NAMES


class IdleSessionMiddleware:
    """After authentication: an idle session is logged out before the view runs (the view then
    answers as for anyone not logged in: the login page, or the API's 403); after the view, the
    user's own requests stamp the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session and is_idle(session):
            logout(request)
            # The login page says why (the messages' cookie storage outlives the flushed session).
            messages.info(request, _("Your session ended after %(minutes)d minutes without activity. Log in again.")
                          % {"minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES})
        response = self.get_response(request)
        session = request.session  # logout() and login() replace or cycle it
        if SESSION_KEY in session:
            background = is_background(request)
            if not background or ACTIVITY_KEY not in session:
                touch(session, force=False)
        return response


@never_cache
@require_GET
def session_status(request):
    """How long the session has left. Asked in the background by static/js/session.js before it
    warns (another tab may have been busy meanwhile); asked without the header, it is the
    "stay logged in" button and counts as activity (the middleware stamps it)."""
    if SESSION_KEY not in request.session:
        return JsonResponse({"authenticated": False, "remaining": 0, "timeout": timeout_seconds()})
    if not is_background(request):
        touch(request.session, force=True)
    return JsonResponse({"authenticated": True, "remaining": remaining_seconds(request.session), "timeout": timeout_seconds()})


def session_store(session_key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def end_if_idle(store):
    """True if this stored session is gone, or idle (it is then ended)."""
    if SESSION_KEY not in store:
        return True  # ended (logged out, expired, flushed) meanwhile
    if is_idle(store):
        store.delete()  # so that the page the console reloads to cannot bring it back
        return True
    return False


def socket_store(scope):
    """The stored session behind a live socket: None when it was authenticated by other means
    than a session (nothing here to time out), False when it has no session key (ended)."""
    session = scope.get("session")
    if session is None:
        return None
    if not session.session_key:
        return False
    return session_store(session.session_key)


def socket_store_ended(store):
    """For the live socket, given socket_store(): True if its session is idle (it is then ended)
    or already gone. The consumer closes with 4401; the console reloads to the login page."""
    return store is not None and (store is False or end_if_idle(store))


@database_sync_to_async
def socket_session_ended(scope):
    return socket_store_ended(socket_store(scope))
