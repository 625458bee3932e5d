"""The report facts and hourly call counts (reports/models.py).

They are filled from the rows already stored by 0003, which runs reports.facts.rebuild once the
tables have their present shape (rebuild is the code of today, not a frozen copy).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch112', '0006_telephony_role'),
        ('incidents', '0004_assignment_report_index'),
        ('reports', '0001_pimpinan_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CallHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField()),
                ('outcome', models.CharField(max_length=16)),
                ('calls', models.PositiveIntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('hour', 'outcome'), name='call_hour_unique')],
            },
        ),
        migrations.CreateModel(
            name='HandlingFact',
            fields=[
                ('call', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='incidents.call')),
                ('received_at', models.DateTimeField()),
                ('shift', models.CharField(blank=True, max_length=16)),
                ('priority', models.PositiveSmallIntegerField()),
                ('created_s', models.FloatField(null=True)),
                ('dispatched_s', models.FloatField(null=True)),
                ('category', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incidentcategory')),
                ('incident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident')),
                ('kecamatan', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='dispatch112.kecamatan')),
                ('operator', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['received_at'], include=('shift', 'operator', 'category', 'kecamatan', 'priority', 'created_s', 'dispatched_s'), name='handling_fact_period_idx')],
            },
        ),
        migrations.CreateModel(
            name='ResponseFact',
            fields=[
                ('assignment', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='incidents.assignment')),
                ('created_at', models.DateTimeField()),
                ('priority', models.PositiveSmallIntegerField()),
                ('ack_s', models.FloatField(null=True)),
                ('en_route_s', models.FloatField(null=True)),
                ('on_scene_s', models.FloatField(null=True)),
                ('resolved_s', models.FloatField(null=True)),
                ('agency', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.agency')),
                ('category', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incidentcategory')),
                ('incident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident')),
                ('kecamatan', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='dispatch112.kecamatan')),
            ],
            options={
                'indexes': [models.Index(fields=['created_at'], include=('agency', 'category', 'kecamatan', 'priority', 'ack_s', 'en_route_s', 'on_scene_s', 'resolved_s'), name='response_fact_period_idx')],
            },
        ),
    ]
