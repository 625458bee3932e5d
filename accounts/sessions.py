"""What a session has proved. A user with an authenticator is logged in only after the second
step; until then the session holds a pending login and no user at all, so every page, the API
and the websocket see it as anonymous.

The session also records the outcome of its login (`two_factor`): "verified" (second step
passed) or "not_enrolled" (no authenticator then). A logged-in session without it — a login by
another door, such as the Django admin's login page — is refused if the user has an authenticator.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts import selectors
from dispatch112 import clock

STATE_KEY = "two_factor"
PENDING_KEY = "two_factor_pending"
VERIFIED, NOT_ENROLLED = "verified", "not_enrolled"
# What a request or socket may do, from the session.
OK, SECOND_STEP_MISSING, ENROLMENT_REQUIRED = "ok", "second_step_missing", "enrolment_required"


def mark_login(sender, request, user, **kwargs):
    """user_logged_in: every login passes here (ours, the admin's, a test client's)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(request, "two_factor_passed", False):
        session[STATE_KEY] = VERIFIED
    elif not selectors.totp_enrolled(user):
        session[STATE_KEY] = NOT_ENROLLED
    else:
        session.pop(STATE_KEY, None)


def state(session, user):
    if not user.is_authenticated:
        return OK
    recorded = session.get(STATE_KEY)
    if recorded is None:
        if selectors.totp_enrolled(user):
            return SECOND_STEP_MISSING
        # A session from before two-factor login existed: record it once, not a query a request.
        session[STATE_KEY] = recorded = NOT_ENROLLED
    if recorded == NOT_ENROLLED and selectors.totp_required(user):
        return ENROLMENT_REQUIRED
    return OK


def has_login(session):
    return SESSION_KEY in session


def begin_second_step(request, user, *, next_url):
    # A new session key: the pending login must not ride on a key someone else may have planted.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": clock.now().timestamp(),
    }


def pending_login(request):
    """(user, backend, next URL) of the login waiting for its code, or None (none, or too old)."""
    from django.contrib.auth import get_user_model

    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("since", 0) > settings.TOTP_LOGIN_STEP_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model()._default_manager.filter(pk=pending.get("user_id"), is_active=True).first()
    if user is None:
        return None
    return user, pending["backend"], pending["next"]


def end_second_step(request):
    request.session.pop(PENDING_KEY, None)


def after_enrolment(request):
    """The code just entered proves this session's second factor."""
    request.session[STATE_KEY] = VERIFIED


def after_disable(request):
    request.session[STATE_KEY] = NOT_ENROLLED
