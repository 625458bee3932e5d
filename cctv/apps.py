from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = _("CCTV")

    def ready(self):
        # Register the health-check task with Celery when Django starts: the in-process scheduler
        # of `manage.py serve` runs only tasks it finds registered (it never autodiscovers), and
        # would otherwise send the check to a broker nobody reads.
        from cctv import tasks  # noqa: F401

        # The shift handover lists the cameras offline at the change of shift. The shifts app keeps
        # the list of sections and asks each app for its own; without shifts, nothing to fill.
        if apps.is_installed("shifts"):
            from cctv.selectors import offline_cameras_for_handover
            from shifts.snapshot import register_section

            register_section(
                "offline_cameras", _("Offline cameras"), offline_cameras_for_handover, order=30, short_label=_("cameras offline")
            )
