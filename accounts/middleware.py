from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import sessions

# What a user who must enrol can still reach: the enrolment itself, their account, logging out,
# the language switch and the strings the pages' scripts need.
ENROLMENT_OPEN_VIEWS = {
    "accounts:account",
    "accounts:totp-enrol",
    "logout",
    "set_language",
    "javascript-catalog",
}


class TwoFactorMiddleware:
    """After AuthenticationMiddleware: a session that skipped the second step is anonymous; a user
    whose role must use two-factor login and has not enrolled is sent to enrol (the API: 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.two_factor = sessions.OK
        if sessions.has_login(request.session):
            request.two_factor = sessions.state(request.session, request.user)
            if request.two_factor == sessions.SECOND_STEP_MISSING:
                anonymous = AnonymousUser()
                request.user = anonymous

                async def auser():
                    return anonymous

                request.auser = auser
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.two_factor != sessions.ENROLMENT_REQUIRED:
            return None
        if request.resolver_match.view_name in ENROLMENT_OPEN_VIEWS:
            return None
        message = _("Your role must use two-factor login: set up an authenticator app first.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "two_factor_enrolment_required"}, status=403)
        return redirect("accounts:totp-enrol")


class TwoFactorScopeMiddleware(BaseMiddleware):
    """Websockets (inside channels' AuthMiddlewareStack): the same rule, so a half-logged-in
    session, or one that must enrol first, opens no console stream."""

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is not None and user.is_authenticated:
            if await database_sync_to_async(sessions.state)(scope["session"], user) != sessions.OK:
                scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)
