from django.conf import settings

from dispatch112.region import current_region
from dispatch112.roles import CONSOLE_ROLES, LANDING_URL_NAMES, REPORT_ROLES, Role, role_of, roles_of


def console(request):
    """What the base layout needs on every page: region, the user's role and navigation."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    return {
        "region": current_region(),
        "user_role": role_of(user) if user is not None else None,
        "nav": navigation_for(roles),
        "on_duty": on_duty_for(roles),
        # static/js/session.js: when to warn before an idle session ends (dispatch112/idle.py).
        "session_idle": {"timeout": settings.SESSION_IDLE_TIMEOUT_MINUTES * 60, "warning": settings.SESSION_IDLE_WARNING_SECONDS},
    }


def on_duty_for(roles):
    """The header's "on duty now" (shift, people, gaps) for the console roles; read only if the
    page renders it."""
    if not roles & set(CONSOLE_ROLES):
        return None
    from django.utils.functional import SimpleLazyObject

    from shifts.selectors import header_on_duty

    return SimpleLazyObject(header_on_duty)


def navigation_for(roles):
    from django.utils.translation import gettext as _

    items = []
    if roles & {Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN}:
        items.append((LANDING_URL_NAMES[Role.OPERATOR], _("Operator console")))
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        items.append((LANDING_URL_NAMES[Role.SUPERVISOR], _("Live map")))
        items.append(("cctv-wall", _("CCTV wall")))
    if Role.ADMIN in roles:
        items.append((LANDING_URL_NAMES[Role.ADMIN], _("Administration")))
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        items.append(("shifts-calendar", _("Shifts")))
    if Role.ADMIN in roles:
        items.append(("volunteers-roster", _("Relawan")))
        items.append(("audit:log", _("Audit trail")))
    if Role.OPD_STAFF in roles:
        items.append((LANDING_URL_NAMES[Role.OPD_STAFF], _("Agency console")))
    if roles & set(REPORT_ROLES):
        items.append(("reports:dashboard", _("Reports")))
    return items
