from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Calls and incidents")

    def ready(self):
        # Register the Celery tasks now: the embedded in-process scheduler runs only tasks that
        # are already registered (a worker would autodiscover them, `manage.py serve` does not).
        from incidents import tasks  # noqa: F401
