from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts: two-factor login")

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from django.core.exceptions import ImproperlyConfigured

        from accounts import sessions
        from dispatch112.roles import Role

        unknown = set(settings.TOTP_REQUIRED_ROLES) - {r.value for r in Role}
        if unknown:
            raise ImproperlyConfigured(
                f"TOTP_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(unknown))}; use {', '.join(r.value for r in Role)}."
            )
        user_logged_in.connect(sessions.mark_login, dispatch_uid="accounts.mark_login")
