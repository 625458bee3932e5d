"""Backup and restore (deploy/backup.sh, deploy/restore.sh) of the running test database — the
suite's own: PostgreSQL with pg_dump/pg_restore, or the embedded SQLite with its online backup
API — into a fresh database, which then holds the same incidents, calls, assignments and
timelines, row for row."""

import os
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from dispatch112.models import Event
from incidents.models import AssignmentStatus, Incident
from incidents.services import assignment_acknowledge, assignment_transition, call_log, incident_close, incident_dispatch, incident_resolve
from tests.ops.conftest import log_emergency, seed_world

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ("incidents_incident", "incidents_call", "incidents_assignment", "dispatch112_event")


def run_script(name, *args, env=None):
    done = subprocess.run(
        ["bash", str(settings.BASE_DIR / "deploy" / name), *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done


def seed_incidents_with_timelines(world):
    agencies = lambda code: list(world.category(code).default_agencies.all())  # noqa: E731
    finished = log_emergency(world, caller_number="081234500001", caller_name="Budi Santoso").incident
    for assignment in incident_dispatch(incident=finished, agencies=agencies("kebakaran"), by=world.operator):
        assignment_acknowledge(assignment=assignment, by=world.damkar_staff)
        for step in (AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE, AssignmentStatus.COMPLETED):
            assignment_transition(assignment=assignment, to=step, by=world.damkar_staff)
    finished = Incident.objects.get(pk=finished.pk)
    incident_resolve(incident=finished, by=world.operator, note="Api padam")
    incident_close(incident=Incident.objects.get(pk=finished.pk), by=world.supervisor, note="Selesai")
    dispatched = log_emergency(world, category="kecelakaan-lalu-lintas").incident
    incident_dispatch(incident=dispatched, agencies=agencies("kecelakaan-lalu-lintas"), by=world.operator)
    log_emergency(world, category="darurat-medis")
    call_log(by=world.operator, outcome="prank", caller_number="081234500002")


@contextmanager
def postgres(dbname):
    params = connection.settings_dict
    with closing(
        psycopg.connect(dbname=dbname, user=params["USER"], password=params["PASSWORD"] or None, host=params["HOST"] or None, port=params["PORT"] or None)
    ) as conn:
        yield conn


def postgres_url(dbname):
    params = connection.settings_dict
    credentials = quote(params["USER"]) + (f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else "")
    return f"postgres://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{dbname}"


def rows(cursor):
    """Every row of every table of the incident list and its timeline, in id order."""
    snapshot = {}
    for table in TABLES:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 — fixed table names
        snapshot[table] = cursor.fetchall()
    return snapshot


def test_a_backup_of_the_running_database_restores_into_a_fresh_one_with_the_same_incidents_and_timelines(tmp_path):
    world = seed_world()
    seed_incidents_with_timelines(world)
    assert Incident.objects.count() == 3 and Event.objects.filter(kind__startswith="assignment.").count() >= 4

    if connection.vendor == "postgresql":
        source_name, restored_name = connection.settings_dict["NAME"], connection.settings_dict["NAME"] + "_restored"
        source_url, restored_url = postgres_url(source_name), postgres_url(restored_name)
        dump = tmp_path / "dispatch112.dump"
        with postgres("postgres") as admin:
            admin.autocommit = True
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
            admin.execute(f'CREATE DATABASE "{restored_name}"')
        try:
            backup = run_script("backup.sh", str(dump), env={"DATABASE_URL": source_url})
            assert backup.returncode == 0, backup.stderr
            assert backup.stdout.strip() == str(dump) and dump.read_bytes()[:5] == b"PGDMP"
            restore = run_script("restore.sh", str(dump), restored_url)
            assert restore.returncode == 0, restore.stderr

            with postgres(source_name) as source, postgres(restored_name) as restored:
                original, copy = rows(source.cursor()), rows(restored.cursor())
            # A second restore over the now full database is refused, not merged.
            again = run_script("restore.sh", str(dump), restored_url)
        finally:
            with postgres("postgres") as admin:
                admin.autocommit = True
                admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    else:
        source_path = connection.settings_dict["NAME"]
        dump, restored_path = tmp_path / "dispatch112.sqlite3", tmp_path / "restored" / "dispatch112.sqlite3"
        backup = run_script("backup.sh", str(dump), env={"DATABASE_URL": f"sqlite:///{source_path}"})
        assert backup.returncode == 0, backup.stderr
        assert dump.read_bytes()[:15] == b"SQLite format 3"
        restore = run_script("restore.sh", str(dump), f"sqlite:///{restored_path}")
        assert restore.returncode == 0, restore.stderr

        with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(restored_path)) as restored:
            original, copy = rows(source.cursor()), rows(restored.cursor())
        again = run_script("restore.sh", str(dump), f"sqlite:///{restored_path}")

    assert len(original["incidents_incident"]) == 3 and len(original["dispatch112_event"]) >= 10
    for table in TABLES:
        assert copy[table] == original[table], f"{table} differs after the restore"
    assert again.returncode == 3 and "restore into" in again.stderr


def test_a_backup_that_cannot_be_made_leaves_no_file(tmp_path):
    target = tmp_path / "never.dump"
    if connection.vendor == "postgresql":
        failed = run_script("backup.sh", str(target), env={"DATABASE_URL": postgres_url("test_dispatch112_no_such_database")})
    else:
        failed = run_script("backup.sh", str(target), env={"DATABASE_URL": f"sqlite:///{tmp_path}/none.sqlite3"})

    assert failed.returncode != 0
    assert not target.exists() and not (tmp_path / "never.dump.partial").exists()
