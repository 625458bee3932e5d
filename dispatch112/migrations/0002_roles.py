"""The four roles as groups with their permissions.

The role table is copied here, not imported from dispatch112.roles, so that this migration keeps
meaning what it meant when it was written; later changes to a role's permissions come as new
migrations.
"""

from django.db import migrations

ROLE_PERMISSIONS = {
    "operator": ["use_operator_console"],
    "supervisor": ["use_operator_console", "use_supervisor_console"],
    "admin": ["use_operator_console", "use_supervisor_console", "use_admin_pages"],
    "opd_staff": ["use_opd_console"],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_type, _ = ContentType.objects.get_or_create(app_label="dispatch112", model="user")
    names = {
        "use_operator_console": "Can use the operator console",
        "use_supervisor_console": "Can use the supervisor map, CCTV wall and dashboards",
        "use_admin_pages": "Can manage reference data, rosters and users",
        "use_opd_console": "Can use the OPD (agency) console",
    }
    # Permissions are normally created after migrate (post_migrate); create them now so the
    # groups can hold them on a fresh database.
    permissions = {
        codename: Permission.objects.get_or_create(content_type=user_type, codename=codename, defaults={"name": name})[0]
        for codename, name in names.items()
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch112", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
