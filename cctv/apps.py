from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = _("CCTV")

    def ready(self):
        # Register the health-check task with Celery when Django starts: the in-process scheduler
        # of `manage.py serve` runs only tasks it finds registered (it never autodiscovers), and
        # would otherwise send the check to a broker nobody reads.
        from cctv import tasks  # noqa: F401
