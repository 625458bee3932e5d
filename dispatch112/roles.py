"""Roles, in one place for pages, the API and websockets.

A role is a Django group carrying permissions (created by migration 0002_roles). Code asks
`has_role(user, ...)` or `role_of(user)`; nothing else reads group names.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class Role(models.TextChoices):
    # Ordered from widest to narrowest: a user in several groups lands on the first one's page.
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    OPERATOR = "operator", _("Operator")
    OPD_STAFF = "opd_staff", _("OPD staff")
    # Leadership (Kadis, Sekda, Wali Kota's office): reads the reports, changes nothing.
    PIMPINAN = "pimpinan", _("Pimpinan (leadership)")
    # A machine account (the PBX or call-center system), not a person; it has no console.
    TELEPHONY = "telephony", _("Telephony system")


# The permissions each role's group carries (app_label.codename).
ROLE_PERMISSIONS = {
    Role.OPERATOR: ["dispatch112.use_operator_console"],
    Role.SUPERVISOR: ["dispatch112.use_operator_console", "dispatch112.use_supervisor_console", "reports.view_reports"],
    Role.ADMIN: [
        "dispatch112.use_operator_console",
        "dispatch112.use_supervisor_console",
        "dispatch112.use_admin_pages",
        "reports.view_reports",
    ],
    Role.OPD_STAFF: ["dispatch112.use_opd_console"],
    Role.PIMPINAN: ["reports.view_reports"],
    Role.TELEPHONY: ["dispatch112.post_telephony_events"],
}

# Roles that see every incident (the `console` audience); OPD staff see their agency only.
CONSOLE_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)

LANDING_URL_NAMES = {
    Role.ADMIN: "manage-home",
    Role.SUPERVISOR: "supervisor-home",
    Role.OPERATOR: "operator-console",
    Role.OPD_STAFF: "opd-console",
    Role.PIMPINAN: "reports:dashboard",
}
# Who may read the reports (pages, exports and API); the pimpinan only reads.
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.PIMPINAN)


def ensure_role_groups():
    """Create any missing role group and give it its permissions (the migrations do the same;
    this also repairs a database whose groups were deleted, e.g. by a test flush)."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def roles_of(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_dispatch112_roles", None)
    if cached is None:
        cached = remember_roles(user, user.groups.values_list("name", flat=True))
    return cached


def remember_roles(user, group_names):
    """Keep the roles these group names give on the user object (read once per request)."""
    names = set(group_names)
    user._dispatch112_roles = {role for role in Role if role.value in names}
    return user._dispatch112_roles


def role_of(user):
    """The user's primary role (the widest), or None."""
    roles = roles_of(user)
    return next((role for role in Role if role in roles), None)


def has_role(user, *roles):
    return bool(roles_of(user) & set(roles))


def landing_url(user):
    role = role_of(user)
    if role is None or role not in LANDING_URL_NAMES:
        return None
    return reverse(LANDING_URL_NAMES[role])


class RoleRequiredMixin(AccessMixin):
    """Class-based views: anonymous → login page, logged in with another role → 403."""

    allowed_roles = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied(_("Your role does not give access to this page."))
        return super().dispatch(request, *args, **kwargs)


class HasRole(BasePermission):
    """DRF: `permission_classes = [HasRole.of(Role.OPERATOR, ...)]`."""

    allowed_roles = ()
    message = _("Your role does not allow this action.")

    @classmethod
    def of(cls, *roles):
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"allowed_roles": roles})

    def has_permission(self, request, view):
        return has_role(request.user, *self.allowed_roles)
