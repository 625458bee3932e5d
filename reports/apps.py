from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_reports_permission(using="default", **kwargs):
    """Django makes each model's permissions after every migrate and flush; this app has no model,
    so its one permission is made the same way here (a flush, as between transactional tests,
    removes it along with everything else)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    report_type, _created = ContentType.objects.using(using).get_or_create(app_label="reports", model="report")
    Permission.objects.using(using).get_or_create(
        content_type=report_type, codename="view_reports", defaults={"name": "Can read the reports and export their figures"}
    )


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.apps import apps

        # After auth has made the models' permissions (post_migrate is sent per app with models).
        post_migrate.connect(create_reports_permission, sender=apps.get_app_config("auth"), dispatch_uid="reports-permission")
