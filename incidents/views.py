from dispatch112.roles import Role
from dispatch112.views import RolePage


class OperatorConsole(RolePage):
    allowed_roles = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
    template_name = "incidents/operator_console.html"


class OpdConsole(RolePage):
    allowed_roles = (Role.OPD_STAFF,)
    template_name = "incidents/opd_console.html"
