"""The PBX calls' hourly counts and answer facts (reports/models.py PbxHour, AnswerFact), filled
from the PBX calls already stored by reports.facts.rebuild_pbx (the code of today, as in 0003: if a
later migration changes the PBX call table so that it no longer runs, move the backfill there).
"""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    from reports import facts

    facts.rebuild_pbx()


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0004_message_media'),
        ('reports', '0004_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnswerFact',
            fields=[
                ('pbx_call', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='intake.pbxcall')),
                ('offered_at', models.DateTimeField()),
                ('hour', models.PositiveSmallIntegerField()),
                ('answer_s', models.FloatField(null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['offered_at'], include=('hour', 'answer_s'), name='answer_fact_period_idx'), models.Index(fields=['answer_s'], include=('offered_at', 'hour'), name='answer_fact_answer_idx')],
            },
        ),
        migrations.CreateModel(
            name='PbxHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField()),
                ('shard', models.PositiveSmallIntegerField(default=0)),
                ('offered', models.IntegerField(default=0)),
                ('answered', models.IntegerField(default=0)),
                ('abandoned', models.IntegerField(default=0)),
                ('abandoned_menu', models.IntegerField(default=0)),
                ('abandoned_queue', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('hour', 'shard'), name='pbx_hour_shard_unique')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
