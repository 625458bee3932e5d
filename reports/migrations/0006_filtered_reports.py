"""The call facts (reports/models.py CallFact), filled from the calls already stored by
reports.facts.rebuild_calls (the code of today, as in 0003 and 0005) before their indexes are
made; and the monthly rollups narrowed to one incident filter (DurationRollup.narrow): every month
rolled up so far has none of those rows, so it is marked dirty and built again by the hourly
beat task (`manage.py report_facts --rebuild` builds them at once). Until then the duration tables
read the facts, with the same figures.
"""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    from reports import facts

    facts.rebuild_calls()


def mark_rolled_up_months_dirty(apps, schema_editor):
    apps.get_model("reports", "RollupMonth").objects.update(dirty=True)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch112', '0007_idempotency_request_hash'),
        ('incidents', '0004_assignment_report_index'),
        ('reports', '0005_pbx_facts'),
    ]

    operations = [
        migrations.CreateModel(
            name='CallFact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField()),
                ('outcome', models.CharField(max_length=16)),
                ('priority', models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.RemoveIndex(
            model_name='durationrollup',
            name='duration_rollup_read_idx',
        ),
        migrations.AddField(
            model_name='durationrollup',
            name='narrow',
            field=models.CharField(default='', max_length=16),
        ),
        migrations.AddField(
            model_name='durationrollup',
            name='narrow_key',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddIndex(
            model_name='durationrollup',
            index=models.Index(fields=['source', 'narrow', 'narrow_key', 'dimension', 'month'], name='duration_rollup_narrow_idx'),
        ),
        migrations.AddField(
            model_name='callfact',
            name='agency',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.agency'),
        ),
        migrations.AddField(
            model_name='callfact',
            name='call',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.call'),
        ),
        migrations.AddField(
            model_name='callfact',
            name='category',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incidentcategory'),
        ),
        migrations.AddField(
            model_name='callfact',
            name='incident',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident'),
        ),
        migrations.AddField(
            model_name='callfact',
            name='kecamatan',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='dispatch112.kecamatan'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(mark_rolled_up_months_dirty, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='callfact',
            index=models.Index(condition=models.Q(('agency__isnull', True)), fields=['kecamatan', 'received_at'], include=('outcome',), name='call_fact_kecamatan_idx'),
        ),
        migrations.AddIndex(
            model_name='callfact',
            index=models.Index(condition=models.Q(('agency__isnull', True)), fields=['category', 'received_at'], include=('outcome',), name='call_fact_category_idx'),
        ),
        migrations.AddIndex(
            model_name='callfact',
            index=models.Index(condition=models.Q(('agency__isnull', True)), fields=['priority', 'received_at'], include=('outcome',), name='call_fact_priority_idx'),
        ),
        migrations.AddIndex(
            model_name='callfact',
            index=models.Index(condition=models.Q(('agency__isnull', False)), fields=['agency', 'received_at'], include=('outcome', 'call'), name='call_fact_agency_idx'),
        ),
    ]
