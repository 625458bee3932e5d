from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations: health, metrics, logs")

    def ready(self):
        from celery.signals import after_task_publish

        from ops import outboxes
        from ops.tasks import beat_published

        after_task_publish.connect(beat_published, weak=False, dispatch_uid="ops.beat_published")
        outboxes.register("volunteer_messages", outboxes.volunteer_messages)
