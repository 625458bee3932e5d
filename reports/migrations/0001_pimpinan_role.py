"""The reports permission, the read-only "pimpinan" (leadership) role, and the permission for the
supervisor and admin roles that read the reports too.

The reports app has no model of its own: the permission hangs on a content type made for it here.
Role names and codenames are copied, not imported, so this migration keeps meaning what it meant.
"""

from django.db import migrations

GROUPS = ["pimpinan", "supervisor", "admin"]


def create_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    report_type, _ = ContentType.objects.get_or_create(app_label="reports", model="report")
    permission, _ = Permission.objects.get_or_create(
        content_type=report_type, codename="view_reports", defaults={"name": "Can read the reports and export their figures"}
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def remove_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name="pimpinan").delete()
    Permission.objects.filter(content_type__app_label="reports", codename="view_reports").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch112", "0006_telephony_role"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
