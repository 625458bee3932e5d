from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShiftsConfig(AppConfig):
    name = "shifts"
    verbose_name = _("Shifts")

    def ready(self):
        # Register the shift-ending reminder with Celery when Django starts: the in-process
        # scheduler of `manage.py serve` runs only tasks already registered (it never
        # autodiscovers) and would otherwise hand the reminder to a broker nobody reads.
        from shifts import tasks  # noqa: F401
