"""seed_core once per test session, replayed from a snapshot afterwards.

Half the suite starts from the demo world (`dispatch112.demo.seed_core`): ~900 queries, most of a
second a test. The first real run in a clean database is recorded as the rows it added; a later call
that finds the database exactly as clean as that first one did (same row count and highest id in
every table) inserts those rows back in a few bulk inserts instead. Anything else — a database that
already holds something, one that a transactional test flushed and rebuilt, a new WITA day, a stale
snapshot — runs the real seed_core. The snapshot is a cache, never a different world.
"""

import time

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from dispatch112 import demo

SNAPSHOT_MAX_AGE = 15 * 60  # seconds: demo shifts are laid out from "now"


def _tables():
    models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy and m._meta.managed]
    return sorted({m._meta.db_table: m for m in models}.items())


def _integer_pk(model):
    return model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}


def _fingerprint():
    """(table → (rows, highest id)) in one query."""
    parts = []
    quote = connection.ops.quote_name
    for table, model in _tables():
        highest = f"MAX({quote(model._meta.pk.column)})" if _integer_pk(model) else "NULL"
        parts.append(f"SELECT '{table}', COUNT(*), {highest} FROM {quote(table)}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, highest) for table, count, highest in cursor.fetchall()}


def _insert(model, rows):
    """Multi-row INSERT statements and their parameters, the values prepared for the database once."""
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = [[f.get_db_prep_save(row[f.attname], connection) for f in fields] for row in rows]
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    statements = []
    for start in range(0, len(values), size):
        batch = values[start : start + size]
        statements.append((head + ", ".join([one] * len(batch)), [v for row in batch for v in row]))
    return statements


class SeedSnapshot:
    def __init__(self, real_seed):
        self.real_seed = real_seed
        self.clean = None  # the fingerprint of the database the recording was made in
        self.rows = None  # [(model, [(insert sql, params)])] in table order
        self.report = None
        self.taken_at = None
        self.day = None
        self.replays = 0

    def _fresh(self):
        today = timezone.localdate()
        return self.rows is not None and time.monotonic() - self.taken_at < SNAPSHOT_MAX_AGE and self.day == today

    def __call__(self):
        before = _fingerprint()
        if self._fresh() and before == self.clean:
            return self._replay()
        return self._record(before)

    def _record(self, before):
        existing = {}
        for table, model in _tables():
            if before[table][0]:
                existing[table] = set(model._base_manager.values_list("pk", flat=True))
        report = self.real_seed()
        after = _fingerprint()
        rows = []
        for table, model in _tables():
            if after[table] == before[table]:
                continue
            added = [r for r in model._base_manager.values() if r[model._meta.pk.attname] not in existing.get(table, ())]
            rows.append((model, _insert(model, added)))
        self.clean, self.rows, self.report = before, rows, report
        self.taken_at, self.day = time.monotonic(), timezone.localdate()
        return report

    @transaction.atomic
    def _replay(self):
        from dispatch112.region import forget_region_cache

        models = [model for model, _ in self.rows if _integer_pk(model)]
        with connection.cursor() as cursor:
            for _, statements in self.rows:
                for sql, params in statements:
                    cursor.execute(sql, params)
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        transaction.on_commit(forget_region_cache)
        self.replays += 1
        return list(self.report)


def install():
    """Route every `seed_core()` of this test session through one snapshot."""
    snapshot = SeedSnapshot(demo.seed_core)
    demo.seed_core = snapshot
    return snapshot

