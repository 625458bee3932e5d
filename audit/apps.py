from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from audit import audited, capture, tasks  # noqa: F401  (tasks: see incidents.apps)

        audited.register_defaults()
        capture.connect()
