from django.conf import settings

from accounts.models import RecoveryCode, TOTPDevice
from dispatch112.roles import Role, has_role

# Who may turn two-factor login on for themselves (besides the roles that must).
ENROLLING_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def totp_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_required(user):
    required = settings.TOTP_REQUIRED_ROLES
    return bool(required) and has_role(user, *required)


def totp_may_enrol(user):
    return has_role(user, *ENROLLING_ROLES) or totp_required(user)


def recovery_codes_left(user):
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
