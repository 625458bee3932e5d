"""The three shifts of a Command Center day, WITA: pagi 07–15, siang 15–23, malam 23–07 (crosses
midnight, belongs to the date it starts). Times and minimum staffing are edited in the admin."""

from datetime import time

from django.db import migrations

DEFAULT_SHIFT_TYPES = [
    # code, name, starts, ends, order
    ("pagi", "Pagi", time(7), time(15), 10),
    ("siang", "Siang", time(15), time(23), 20),
    ("malam", "Malam", time(23), time(7), 30),
]


def create_default_shift_types(apps, schema_editor):
    ShiftType = apps.get_model("shifts", "ShiftType")
    if ShiftType.objects.exists():
        return
    for code, name, starts_at, ends_at, order in DEFAULT_SHIFT_TYPES:
        ShiftType.objects.create(
            code=code, name=name, starts_at=starts_at, ends_at=ends_at, sort_order=order, min_operators=2, min_supervisors=1
        )


class Migration(migrations.Migration):
    dependencies = [("shifts", "0001_initial")]

    operations = [migrations.RunPython(create_default_shift_types, migrations.RunPython.noop)]
