from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Relawan (volunteers)")

    def ready(self):
        # Register the tasks with Celery at start-up: the in-process scheduler of `manage.py serve`
        # runs only registered tasks (it never autodiscovers).
        from volunteers import checks, tasks  # noqa: F401
        from volunteers.handover import register

        register()
