"""A group for machine accounts of the PBX / call-center system (token auth, no console)."""

from django.db import migrations


def create_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_type, _ = ContentType.objects.get_or_create(app_label="dispatch112", model="user")
    permission, _ = Permission.objects.get_or_create(
        content_type=user_type,
        codename="post_telephony_events",
        defaults={"name": "Can post telephony events (PBX / call-center system)"},
    )
    group, _ = Group.objects.get_or_create(name="telephony")
    group.permissions.add(permission)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="telephony").delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch112", "0005_telephony_permission")]

    operations = [migrations.RunPython(create_role, remove_role)]
