"""Hourly call counts spread over shards (reports.models.CALL_HOUR_SHARDS), then the incidents'
facts rebuilt from the rows already stored.

The backfill calls reports.facts.rebuild_incidents, the code of today, not a frozen copy: it writes
the report tables as they are after this migration and reads the incident tables as they are at
this point. Should a later migration change those tables so that it no longer runs, move the backfill
there, or run `manage.py report_facts --rebuild` after migrating.
"""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from reports import facts

    # The incidents' facts only: the PBX calls' are made by 0005, with their tables.
    facts.rebuild_incidents()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_report_facts'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='callhour',
            name='call_hour_unique',
        ),
        migrations.AddField(
            model_name='callhour',
            name='shard',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name='callhour',
            constraint=models.UniqueConstraint(fields=('hour', 'outcome', 'shard'), name='call_hour_shard_unique'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
