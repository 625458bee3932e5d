"""Keeping the report facts (reports/models.py) equal to the incidents' rows.

`refresh(incident_ids)` rewrites the facts of those incidents from their live rows: the incidents
services call it inside their transaction after every write to an incident, its calls or its
assignments, so a report read after the commit sees the change. `count_call(call)` adds a logged
call to its hour's count (incidents.services.call_log). `rebuild()` rewrites them all.

The durations are computed the way the live-table reports computed them: on PostgreSQL in SQL with
the same expression (`date_part('epoch', end - start)`), so the figures are the same to the last
bit; on SQLite in Python from the fetched timestamps (SQLite's own date arithmetic rounds to the
millisecond), as the SQLite fallback of reports/measures.py always did.
"""

from collections import Counter

from django.db import connection, transaction

from incidents.models import Assignment, Call, CallOutcome, Incident, IncidentStatus
from reports import rollup
from reports.models import CALL_HOUR_SHARDS, CallHour, HandlingFact, ResponseFact

BATCH = 5000

RESPONSE_SQL = """
INSERT INTO reports_responsefact
    (assignment_id, incident_id, created_at, agency_id, category_id, kecamatan_id, priority, ack_s, en_route_s, on_scene_s, resolved_s)
SELECT a.id, a.incident_id, i.created_at, a.agency_id, i.category_id, k.kecamatan_id, i.priority,
       date_part('epoch', a.acknowledged_at - a.notified_at), date_part('epoch', a.en_route_at - a.notified_at),
       date_part('epoch', a.on_scene_at - a.notified_at), date_part('epoch', i.resolved_at - a.notified_at)
FROM incidents_assignment a
JOIN incidents_incident i ON i.id = a.incident_id
LEFT JOIN {kelurahan} k ON k.id = i.kelurahan_id
WHERE i.status <> %s {where}
"""

HANDLING_SQL = """
INSERT INTO reports_handlingfact
    (call_id, incident_id, received_at, shift, operator_id, category_id, kecamatan_id, priority, created_s, dispatched_s)
SELECT c.id, c.incident_id, c.received_at, c.shift, c.operator_id, i.category_id, k.kecamatan_id, i.priority,
       date_part('epoch', i.created_at - c.received_at), date_part('epoch', i.dispatched_at - c.answered_at)
FROM incidents_call c
JOIN incidents_incident i ON i.id = c.incident_id
LEFT JOIN {kelurahan} k ON k.id = i.kelurahan_id
WHERE c.outcome = %s AND i.status <> %s {where}
"""


def _ids(incidents):
    return sorted({getattr(x, "pk", x) for x in incidents if x is not None})


def refresh(incidents, *, new=False):
    """Rewrite the facts of these incidents (instances or ids) from their rows. `new`: incidents
    created in this transaction, which have no facts yet to remove."""
    ids = _ids(incidents)
    if not ids:
        return
    # No savepoint: a failure here fails the service's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(*rollup.mark_dirty_sql(ids))
        if not new:
            ResponseFact.objects.filter(incident_id__in=ids).delete()
            HandlingFact.objects.filter(incident_id__in=ids).delete()
        if connection.vendor == "postgresql":
            _insert_sql(where="AND i.id = ANY(%s)", params=[ids])
        else:
            _insert_python(Incident.objects.filter(pk__in=ids))


def count_call(call):
    """One more call of its outcome in the hour it was received."""
    hour = call.received_at.replace(minute=0, second=0, microsecond=0)
    # One statement on PostgreSQL and SQLite alike: two operators logging the first call of an
    # hour at once both count, and concurrent increments never lose one.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CallHour._meta.db_table} (hour, outcome, shard, calls) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (hour, outcome, shard) DO UPDATE SET calls = {CallHour._meta.db_table}.calls + 1",
            [connection.ops.adapt_datetimefield_value(hour), call.outcome, call.pk % CALL_HOUR_SHARDS],
        )


def call_hours():
    """The CallHour rows the calls imply: {(hour, outcome): calls}."""
    counts = Counter()
    for received_at, outcome in Call.objects.values_list("received_at", "outcome").iterator(chunk_size=BATCH):
        counts[(received_at.replace(minute=0, second=0, microsecond=0), outcome)] += 1
    return counts


def stored_call_hours():
    """The CallHour counts, summed over the shards: {(hour, outcome): calls}."""
    counts = Counter()
    for hour, outcome, calls in CallHour.objects.values_list("hour", "outcome", "calls"):
        counts[(hour, outcome)] += calls
    return counts


def rebuild():
    """Rewrite every fact. Returns (response rows, handling rows)."""
    with transaction.atomic():
        # The rollups were built from the facts rewritten here: they are built again afterwards
        # (rollup.rebuild; `manage.py report_facts --rebuild` does).
        rollup.forget()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE reports_responsefact, reports_handlingfact, reports_callhour")
                # Django's connection keeps the session in UTC: date_trunc cuts UTC hours.
                cursor.execute(
                    "INSERT INTO reports_callhour (hour, outcome, shard, calls) SELECT date_trunc('hour', received_at), outcome, 0, count(*) FROM incidents_call GROUP BY 1, 2"
                )
            _insert_sql(where="", params=[])
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reports_responsefact")
                cursor.execute("ANALYZE reports_handlingfact")
                cursor.execute("ANALYZE reports_callhour")
        else:
            ResponseFact.objects.all().delete()
            HandlingFact.objects.all().delete()
            CallHour.objects.all().delete()
            _insert_python(Incident.objects.all())
            CallHour.objects.bulk_create((CallHour(hour=hour, outcome=outcome, calls=n) for (hour, outcome), n in call_hours().items()), batch_size=BATCH)
    return ResponseFact.objects.count(), HandlingFact.objects.count()


def _insert_sql(*, where, params):
    from dispatch112.models import Kelurahan

    kelurahan = connection.ops.quote_name(Kelurahan._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(RESPONSE_SQL.format(kelurahan=kelurahan, where=where), [IncidentStatus.CANCELLED, *params])
        cursor.execute(HANDLING_SQL.format(kelurahan=kelurahan, where=where), [CallOutcome.EMERGENCY, IncidentStatus.CANCELLED, *params])


def _seconds(end, start):
    return (end - start).total_seconds() if end is not None and start is not None else None


def response_facts(incidents):
    """The ResponseFact rows the live rows imply, unsaved (also what --check compares with)."""
    assignments = (
        Assignment.objects.filter(incident__in=incidents)
        .exclude(incident__status=IncidentStatus.CANCELLED)
        .values_list(
            "pk", "incident_id", "incident__created_at", "agency_id", "incident__category_id", "incident__kelurahan__kecamatan_id",
            "incident__priority", "notified_at", "acknowledged_at", "en_route_at", "on_scene_at", "incident__resolved_at",
        )  # fmt: skip
        .order_by("pk")
    )
    for pk, incident_id, created_at, agency_id, category_id, kecamatan_id, priority, notified, ack, en_route, on_scene, resolved in assignments.iterator(
        chunk_size=BATCH
    ):
        yield ResponseFact(
            assignment_id=pk, incident_id=incident_id, created_at=created_at, agency_id=agency_id, category_id=category_id,
            kecamatan_id=kecamatan_id, priority=priority, ack_s=_seconds(ack, notified), en_route_s=_seconds(en_route, notified),
            on_scene_s=_seconds(on_scene, notified), resolved_s=_seconds(resolved, notified),
        )  # fmt: skip


def handling_facts(incidents):
    calls = (
        Call.objects.filter(incident__in=incidents, outcome=CallOutcome.EMERGENCY)
        .exclude(incident__status=IncidentStatus.CANCELLED)
        .values_list(
            "pk", "incident_id", "received_at", "shift", "operator_id", "incident__category_id", "incident__kelurahan__kecamatan_id",
            "incident__priority", "answered_at", "incident__created_at", "incident__dispatched_at",
        )  # fmt: skip
        .order_by("pk")
    )
    for pk, incident_id, received, shift, operator_id, category_id, kecamatan_id, priority, answered, created, dispatched in calls.iterator(chunk_size=BATCH):
        yield HandlingFact(
            call_id=pk, incident_id=incident_id, received_at=received, shift=shift, operator_id=operator_id, category_id=category_id,
            kecamatan_id=kecamatan_id, priority=priority, created_s=_seconds(created, received), dispatched_s=_seconds(dispatched, answered),
        )  # fmt: skip


def _insert_python(incidents):
    ResponseFact.objects.bulk_create(response_facts(incidents), batch_size=BATCH)
    HandlingFact.objects.bulk_create(handling_facts(incidents), batch_size=BATCH)


FACT_FIELDS = {
    ResponseFact: ("assignment_id", "incident_id", "created_at", "agency_id", "category_id", "kecamatan_id", "priority", "ack_s", "en_route_s", "on_scene_s", "resolved_s"),
    HandlingFact: ("call_id", "incident_id", "received_at", "shift", "operator_id", "category_id", "kecamatan_id", "priority", "created_s", "dispatched_s"),
}  # fmt: skip


def differences(incidents=None, *, limit=20):
    """Facts that disagree with the live rows: [(model name, key, stored, expected)], at most
    `limit`. Durations agree within a microsecond (SQL and Python may differ in the last bit).
    The hourly call counts are compared too when all incidents are."""
    everything = incidents is None
    incidents = Incident.objects.all() if incidents is None else incidents
    found = []
    for model, expected_rows in ((ResponseFact, response_facts(incidents)), (HandlingFact, handling_facts(incidents))):
        fields = FACT_FIELDS[model]
        expected = {getattr(row, fields[0]): tuple(getattr(row, f) for f in fields) for row in expected_rows}
        stored = {row[0]: row for row in model.objects.filter(incident__in=incidents).values_list(*fields)}
        for key in sorted(expected.keys() | stored.keys()):
            if not _same(stored.get(key), expected.get(key)):
                found.append((model.__name__, key, stored.get(key), expected.get(key)))
                if len(found) >= limit:
                    return found
    if everything:
        expected = call_hours()
        stored = stored_call_hours()
        for key in sorted(expected.keys() | stored.keys()):
            if expected.get(key, 0) != stored.get(key, 0):
                found.append(("CallHour", key, stored.get(key), expected.get(key)))
                if len(found) >= limit:
                    return found
    return found


def _same(a, b):
    if a is None or b is None:
        return a is b
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > 1e-6:
                return False
        elif x != y:
            return False
    return True
