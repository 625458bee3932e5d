from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dispatch112 import publisher
from dispatch112.region import region_kelurahan
from dispatch112.roles import Role, RoleRequiredMixin, landing_url


class ConsoleLogoutView(LogoutView):
    """Logging out also closes this user's live consoles."""

    def post(self, request, *args, **kwargs):
        user_id = request.user.pk if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        if user_id is not None:
            from dispatch112.consumers import user_group

            publisher.submit([user_group(user_id)], {"type": "session.end"})
        return response


class ConsoleLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """Send each role to its own page."""
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(_("Your account has no role yet. Ask an administrator to assign one."))
    return redirect(url)


class RolePage(RoleRequiredMixin, TemplateView):
    """A role's landing page until its console arrives."""

    heading = ""
    summary = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, summary=self.summary, **kwargs)


class SupervisorHome(RolePage):
    """The live map: every active incident and camera, and what is late."""

    allowed_roles = (Role.SUPERVISOR, Role.ADMIN)
    template_name = "dispatch112/supervisor_home.html"
    # NFPA 1225: 90% of emergencies processed from answer to dispatch within 60 s. A new incident
    # not dispatched after that is marked as waiting on the map.
    dispatch_target_seconds = 60

    def get_context_data(self, **kwargs):
        # This page composes the incidents and CCTV apps (both depend on the core, so they are
        # imported here rather than at the top of the core's module).
        from cctv.views import cctv_config
        from incidents.views import console_config

        config = {
            **console_config(self.request.user),
            **cctv_config(),
            "dispatch_target_seconds": self.dispatch_target_seconds,
        }
        return super().get_context_data(map_config=config, **kwargs)


class ManageHome(RolePage):
    allowed_roles = (Role.ADMIN,)
    template_name = "dispatch112/manage_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(kelurahan_count=region_kelurahan().count(), **kwargs)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You do not have access to this page.")
    return render(request, "403.html", {"message": message}, status=403)
