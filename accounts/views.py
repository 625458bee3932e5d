import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts import selectors, services, sessions, totp
from dispatch112.region import current_region
from dispatch112.views import ConsoleLoginView


class LoginView(ConsoleLoginView):
    """The password step; a user with an authenticator goes on to the code step, not logged in yet."""

    def form_valid(self, form):
        user = form.get_user()
        if not selectors.totp_enrolled(user):
            return super().form_valid(form)
        sessions.begin_second_step(self.request, user, next_url=self.get_success_url())
        return redirect("accounts:totp-verify")


class TOTPVerifyView(View):
    """The code step. Wrong codes are failed logins to django-axes: they lock this username from
    this address exactly as wrong passwords do."""

    template_name = "accounts/totp_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = sessions.pending_login(request)
        if self.pending is None:
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {})

    def post(self, request):
        user, backend, next_url = self.pending
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        code = request.POST.get("code", "")
        if not services.normalise_code(code):
            return render(request, self.template_name, {"error": _("Enter the 6-digit code from the authenticator app.")}, status=400)
        if not services.totp_check(user=user, code=code):
            # Axes answers with its lockout page (AxesMiddleware) once this failure reaches the limit.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            return render(request, self.template_name, {"error": services.wrong_code_error().messages[0]}, status=400)
        sessions.end_second_step(request)
        request.two_factor_passed = True
        login(request, user, backend=backend)
        return redirect(next_url)


class AccountView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            totp_enrolled=selectors.totp_enrolled(user),
            totp_may_enrol=selectors.totp_may_enrol(user),
            totp_required=selectors.totp_required(user),
            recovery_codes_left=selectors.recovery_codes_left(user),
            **kwargs,
        )


class EnrollingRoleMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.totp_may_enrol(request.user):
            raise PermissionDenied(_("Two-factor login is for admins and supervisors."))
        return super().dispatch(request, *args, **kwargs)


def _qr_svg(uri):
    # Rendered here, inline: the secret never goes to a QR service or into a URL.
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", title=_("QR code for the authenticator app"))
    return mark_safe(svg)


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class TOTPEnrolView(EnrollingRoleMixin, View):
    template_name = "accounts/totp_enrol.html"

    def _page(self, request, *, error=None, status=200):
        try:
            _device, secret = services.totp_enrolment_begin(user=request.user)
        except ValidationError:
            return redirect("accounts:account")  # already on: the secret is never shown again
        issuer = f"Command Center 112 {current_region().name}".strip()
        uri = totp.provisioning_uri(secret, account=request.user.get_username(), issuer=issuer)
        context = {"qr_svg": _qr_svg(uri), "secret": _grouped(secret), "error": error, "issuer": issuer}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._page(request)

    def post(self, request):
        try:
            codes = services.totp_enrolment_confirm(user=request.user, code=request.POST.get("code", ""))
        except ValidationError as exc:
            return self._page(request, error=exc.message_dict["code"][0], status=400)
        sessions.after_enrolment(request)
        # Shown in this answer only: a reload or the back button cannot bring them back.
        response = render(request, "accounts/recovery_codes.html", {"codes": codes})
        response["Cache-Control"] = "no-store"
        return response


class TOTPDisableView(EnrollingRoleMixin, View):
    def post(self, request):
        try:
            services.totp_disable(user=request.user, code=request.POST.get("code", ""))
        except ValidationError as exc:
            view = AccountView(request=request, args=(), kwargs={})
            context = view.get_context_data(disable_error=exc.message_dict["code"][0])
            return render(request, AccountView.template_name, context, status=400)
        sessions.after_disable(request)
        messages.success(request, _("Two-factor login is off."))
        return redirect("accounts:account")
