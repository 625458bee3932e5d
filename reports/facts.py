"""Keeping the report facts (reports/models.py) equal to the incidents' rows.

`refresh(incident_ids)` rewrites the facts of those incidents from their live rows (response,
handling and call facts): the incidents services call it inside their transaction after every
write to an incident, its calls or its assignments, so a report read after the commit sees the
change; a later change of an incident's kecamatan, category or priority or a new assignment moves
its calls' facts along. `count_call(call)` adds a logged
call to its hour's count (incidents.services.call_log). `pbx_refresh(pbx_call, before)` does the
same for a PBX call the intake services wrote (its hour's counts, its answer fact). `rebuild()`
rewrites them all.

The durations are computed the way the live-table reports computed them: on PostgreSQL in SQL with
the same expression (`date_part('epoch', end - start)`), so the figures are the same to the last
bit; on SQLite in Python from the fetched timestamps (SQLite's own date arithmetic rounds to the
millisecond), as the SQLite fallback of reports/measures.py always did.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice

from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Assignment, Call, CallOutcome, Incident, IncidentStatus
from intake.models import AbandonedStage, PbxCall
from reports import rollup
from reports.filters import wita
from reports.models import CALL_HOUR_SHARDS, AnswerFact, CallFact, CallHour, HandlingFact, PbxHour, ResponseFact

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

# A call's row (agency NULL), then one per assignment of its incident. All calls of the incident,
# whatever their outcome or the incident's status: the call-volume tables count them all.
CALL_SQL = """
INSERT INTO reports_callfact (call_id, incident_id, received_at, outcome, agency_id, category_id, kecamatan_id, priority)
SELECT c.id, c.incident_id, c.received_at, c.outcome, a.agency_id, i.category_id, k.kecamatan_id, i.priority
FROM incidents_call c
JOIN incidents_incident i ON i.id = c.incident_id
LEFT JOIN {kelurahan} k ON k.id = i.kelurahan_id
CROSS JOIN LATERAL (SELECT NULL::integer UNION ALL SELECT agency_id FROM incidents_assignment WHERE incident_id = i.id) AS a (agency_id)
{where}
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
            # The call facts are replaced in one statement: its DELETE sees the rows from before
            # the statement, its INSERT writes the new ones (they have no key to conflict on).
            replace = "" if new else f"WITH replaced AS (DELETE FROM {CallFact._meta.db_table} WHERE incident_id = ANY(%s)) "
            _insert_call_sql(where="WHERE i.id = ANY(%s)", params=[ids] if new else [ids, ids], before=replace)
        else:
            if not new:
                CallFact.objects.filter(incident_id__in=ids).delete()
            _insert_python(Incident.objects.filter(pk__in=ids))
            CallFact.objects.bulk_create(call_facts(Incident.objects.filter(pk__in=ids)), batch_size=BATCH)


def refresh_new(incident, call):
    """refresh() for an incident created in this transaction with the call that opened it: no
    facts to remove, no assignments yet (so no response facts), and the closed months to mark
    dirty are those of its created_at and the call's received_at, known here: none in the usual
    case, both in the current month. Two statements on PostgreSQL (handling and call facts) instead
    of four, on every intake."""
    if connection.vendor != "postgresql":
        refresh([incident], new=True)
        return
    with connection.cursor() as cursor:
        if rollup.month_of(min(incident.created_at, call.received_at)) < rollup.current_month():
            cursor.execute(*rollup.mark_dirty_sql([incident.pk]))
    _insert_sql(where="AND i.id = ANY(%s)", params=[[incident.pk]], response=False)
    _insert_call_sql(where="WHERE i.id = ANY(%s)", params=[[incident.pk]])


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
    """Rewrite every fact. Returns (response rows, handling rows, answer rows, call rows)."""
    responses, handling = rebuild_incidents()
    return responses, handling, rebuild_pbx(), rebuild_calls()


def rebuild_calls():
    """Rewrite the CallFacts. Returns their rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {CallFact._meta.db_table}")
            _insert_call_sql(where="", params=[])
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {CallFact._meta.db_table}")
        else:
            CallFact.objects.all().delete()
            CallFact.objects.bulk_create(call_facts(Incident.objects.all()), batch_size=BATCH)
    return CallFact.objects.count()


def rebuild_incidents():
    """Rewrite the incidents' facts and hourly call counts. Returns (response rows, handling rows)."""
    with transaction.atomic():
        # The rollups were built from the facts rewritten here: they are built again afterwards
        # (rollup.rebuild; `manage.py report_facts --rebuild` does).
        rollup.forget(("response", "handling"))
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


def _insert_sql(*, where, params, response=True):
    from dispatch112.models import Kelurahan

    kelurahan = connection.ops.quote_name(Kelurahan._meta.db_table)
    with connection.cursor() as cursor:
        if response:
            cursor.execute(RESPONSE_SQL.format(kelurahan=kelurahan, where=where), [IncidentStatus.CANCELLED, *params])
        cursor.execute(HANDLING_SQL.format(kelurahan=kelurahan, where=where), [CallOutcome.EMERGENCY, IncidentStatus.CANCELLED, *params])


def _insert_call_sql(*, where, params, before=""):
    from dispatch112.models import Kelurahan

    with connection.cursor() as cursor:
        cursor.execute(before + CALL_SQL.format(kelurahan=connection.ops.quote_name(Kelurahan._meta.db_table), where=where), params)


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


def call_facts(incidents):
    """The CallFact rows the live rows imply, unsaved, in (call, agency) order."""
    agencies = {}
    for incident_id, agency_id in Assignment.objects.filter(incident__in=incidents).values_list("incident_id", "agency_id").order_by("agency_id"):
        agencies.setdefault(incident_id, []).append(agency_id)
    calls = Call.objects.filter(incident__in=incidents).values_list(
        "pk", "incident_id", "received_at", "outcome", "incident__category_id", "incident__kelurahan__kecamatan_id", "incident__priority"
    )
    for pk, incident_id, received, outcome, category_id, kecamatan_id, priority in calls.order_by("pk").iterator(chunk_size=BATCH):
        for agency_id in [None, *agencies.get(incident_id, ())]:
            yield CallFact(
                call_id=pk, incident_id=incident_id, received_at=received, outcome=outcome, agency_id=agency_id, category_id=category_id,
                kecamatan_id=kecamatan_id, priority=priority,
            )  # fmt: skip


def _insert_python(incidents):
    ResponseFact.objects.bulk_create(response_facts(incidents), batch_size=BATCH)
    HandlingFact.objects.bulk_create(handling_facts(incidents), batch_size=BATCH)


# --- the PBX's calls -----------------------------------------------------------------------------

ANSWER_SQL = """
INSERT INTO reports_answerfact (pbx_call_id, offered_at, hour, answer_s)
SELECT id, offered_at, date_part('hour', offered_at AT TIME ZONE %s)::integer, date_part('epoch', answered_at - queued_at)
FROM intake_pbxcall
WHERE answered_at IS NOT NULL AND offered_at IS NOT NULL {where}
"""

PBX_HOUR_SQL = """
INSERT INTO reports_pbxhour (hour, shard, offered, answered, abandoned, abandoned_menu, abandoned_queue)
SELECT date_trunc('hour', offered_at), 0, count(*), count(*) FILTER (WHERE answered_at IS NOT NULL),
       count(*) FILTER (WHERE answered_at IS NULL AND abandoned_at IS NOT NULL),
       count(*) FILTER (WHERE answered_at IS NULL AND abandoned_stage = %s),
       count(*) FILTER (WHERE answered_at IS NULL AND abandoned_stage = %s)
FROM intake_pbxcall
WHERE offered_at IS NOT NULL
GROUP BY 1
"""

PBX_COUNTS = ("offered", "answered", "abandoned", "abandoned_menu", "abandoned_queue")
PBX_STATE = ("offered_at", "queued_at", "answered_at", "abandoned_at", "abandoned_stage")


@dataclass(frozen=True)
class PbxState:
    """The fields of a PbxCall its facts are computed from."""

    offered_at: datetime | None
    queued_at: datetime | None
    answered_at: datetime | None
    abandoned_at: datetime | None
    abandoned_stage: str

    @property
    def hour(self):
        """The UTC hour it is counted in; None without an offered time (then it is in no period)."""
        if self.offered_at is None:
            return None
        return self.offered_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)

    def counts(self):
        """Its share of its hour's PbxHour counts (PBX_COUNTS), 0 or 1 each, as the live
        call-center query counts: an answered call is never counted abandoned."""
        waiting = self.answered_at is None
        return (
            1,
            int(not waiting),
            int(waiting and self.abandoned_at is not None),
            int(waiting and self.abandoned_stage == AbandonedStage.MENU),
            int(waiting and self.abandoned_stage == AbandonedStage.QUEUE),
        )

    @property
    def answer(self):
        """What its AnswerFact holds, or None when it has none (not answered, or not offered)."""
        if self.offered_at is None or self.answered_at is None:
            return None
        return self.offered_at, self.queued_at, self.answered_at


def pbx_state(pbx_call):
    """Its state now, to pass to pbx_refresh after the write."""
    return PbxState(*(getattr(pbx_call, name) for name in PBX_STATE))


def pbx_refresh(pbx_call, before):
    """Bring the facts of a PBX call written in this transaction (its row locked by the writer)
    from its state `before` the write (pbx_state) to its state now: its hour's counts change by the
    difference, its answer fact is rewritten when that changed, and the closed months the answer
    fact leaves or joins are marked dirty (reports/rollup.py)."""
    after = pbx_state(pbx_call)
    if after == before:
        return
    with transaction.atomic(savepoint=False):
        _count_pbx(pbx_call.pk, before, after)
        if before.answer != after.answer:
            _rewrite_answer(pbx_call.pk, before, after)


def _count_pbx(pk, before, after):
    deltas = {}  # hour → change of each count
    for state, sign in ((before, -1), (after, 1)):
        if state.hour is not None:
            delta = deltas.setdefault(state.hour, [0] * len(PBX_COUNTS))
            for index, n in enumerate(state.counts()):
                delta[index] += sign * n
    table = PbxHour._meta.db_table
    for hour, delta in deltas.items():
        if not any(delta):
            continue
        # One statement on PostgreSQL and SQLite alike, as count_call: concurrent writers of one
        # hour and shard never lose a change.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (hour, shard, {', '.join(PBX_COUNTS)}) VALUES (%s, %s, {', '.join(['%s'] * len(PBX_COUNTS))}) "
                f"ON CONFLICT (hour, shard) DO UPDATE SET {', '.join(f'{name} = {table}.{name} + EXCLUDED.{name}' for name in PBX_COUNTS)}",
                [connection.ops.adapt_datetimefield_value(hour), pk % CALL_HOUR_SHARDS, *delta],
            )


def _rewrite_answer(pk, before, after):
    if connection.vendor == "postgresql":
        months = {rollup.month_of(state.offered_at) for state in (before, after) if state.answer is not None}
        with connection.cursor() as cursor:
            cursor.execute(*rollup.mark_months_dirty_sql("answer", months))
    if before.answer is not None:
        AnswerFact.objects.filter(pk=pk).delete()
    if after.answer is None:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(ANSWER_SQL.format(where="AND id = %s"), [str(wita()), pk])
    else:
        AnswerFact.objects.bulk_create(answer_facts(PbxCall.objects.filter(pk=pk)))


def answer_facts(pbx_calls):
    """The AnswerFact rows these PBX calls imply, unsaved (also what --check compares with)."""
    rows = pbx_calls.filter(answered_at__isnull=False, offered_at__isnull=False).values_list("pk", "offered_at", "queued_at", "answered_at")
    for pk, offered, queued, answered in rows.order_by("pk").iterator(chunk_size=BATCH):
        yield AnswerFact(pbx_call_id=pk, offered_at=offered, hour=timezone.localtime(offered, wita()).hour, answer_s=_seconds(answered, queued))


def pbx_hours():
    """The PbxHour counts the PBX calls imply: {hour: (offered, answered, …)}."""
    counts = {}
    for values in PbxCall.objects.filter(offered_at__isnull=False).values_list(*PBX_STATE).iterator(chunk_size=BATCH):
        state = PbxState(*values)
        counts[state.hour] = tuple(map(sum, zip(counts.get(state.hour, (0,) * len(PBX_COUNTS)), state.counts(), strict=True)))
    return counts


def stored_pbx_hours():
    """The PbxHour counts, summed over the shards: {hour: (offered, answered, …)}."""
    counts = {}
    for hour, *values in PbxHour.objects.values_list("hour", *PBX_COUNTS):
        counts[hour] = tuple(map(sum, zip(counts.get(hour, (0,) * len(PBX_COUNTS)), values, strict=True)))
    return counts


def rebuild_pbx():
    """Rewrite the PBX calls' hourly counts and answer facts. Returns the answer facts' rows."""
    with transaction.atomic():
        rollup.forget(("answer",))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE reports_answerfact, reports_pbxhour")
                cursor.execute(PBX_HOUR_SQL, [AbandonedStage.MENU, AbandonedStage.QUEUE])
                cursor.execute(ANSWER_SQL.format(where=""), [str(wita())])
                cursor.execute("ANALYZE reports_answerfact")
                cursor.execute("ANALYZE reports_pbxhour")
        else:
            AnswerFact.objects.all().delete()
            PbxHour.objects.all().delete()
            AnswerFact.objects.bulk_create(answer_facts(PbxCall.objects.all()), batch_size=BATCH)
            rows = (PbxHour(hour=hour, **dict(zip(PBX_COUNTS, n, strict=True))) for hour, n in pbx_hours().items())
            PbxHour.objects.bulk_create(rows, batch_size=BATCH)
    return AnswerFact.objects.count()


FACT_FIELDS = {
    ResponseFact: ("assignment_id", "incident_id", "created_at", "agency_id", "category_id", "kecamatan_id", "priority", "ack_s", "en_route_s", "on_scene_s", "resolved_s"),
    HandlingFact: ("call_id", "incident_id", "received_at", "shift", "operator_id", "category_id", "kecamatan_id", "priority", "created_s", "dispatched_s"),
    AnswerFact: ("pbx_call_id", "offered_at", "hour", "answer_s"),
    CallFact: ("call_id", "agency_id", "incident_id", "received_at", "outcome", "category_id", "kecamatan_id", "priority"),
}  # fmt: skip
# How many leading fields make a fact's key (a call has a row per agency of its incident).
FACT_KEYS = {CallFact: 2}


def differences(incidents=None, *, limit=20):
    """Facts that disagree with the live rows: [(model name, key, stored, expected)], at most
    `limit`. Durations agree within a microsecond (SQL and Python may differ in the last bit).
    The hourly counts and the PBX calls' facts are compared too when all incidents are."""
    everything = incidents is None
    incidents = Incident.objects.all() if incidents is None else incidents
    found = chain(
        _fact_differences(ResponseFact, response_facts(incidents), ResponseFact.objects.filter(incident__in=incidents)),
        _fact_differences(HandlingFact, handling_facts(incidents), HandlingFact.objects.filter(incident__in=incidents)),
        _fact_differences(CallFact, call_facts(incidents), CallFact.objects.filter(incident__in=incidents)),
    )
    if everything:
        found = chain(
            found,
            _count_differences("CallHour", call_hours, stored_call_hours, 0),
            _fact_differences(AnswerFact, answer_facts(PbxCall.objects.all()), AnswerFact.objects.all()),
            _count_differences("PbxHour", pbx_hours, stored_pbx_hours, (0,) * len(PBX_COUNTS)),
        )
    return list(islice(found, limit))


def _fact_differences(model, expected_rows, stored_rows):
    fields, width = FACT_FIELDS[model], FACT_KEYS.get(model, 1)

    def key_of(row):
        return row[0] if width == 1 else row[:width]

    expected = {key_of(row): row for row in (tuple(getattr(fact, f) for f in fields) for fact in expected_rows)}
    stored = {key_of(row): row for row in stored_rows.values_list(*fields)}
    for key in sorted(expected.keys() | stored.keys(), key=_order):
        if not _same(stored.get(key), expected.get(key)):
            yield model.__name__, key, stored.get(key), expected.get(key)


def _order(key):
    """A fact's key as a sort key (an agency of None, the call's own row, first)."""
    return tuple((x is not None, x) for x in key) if isinstance(key, tuple) else key


def _count_differences(name, expected, stored, zero):
    expected, stored = expected(), stored()
    for key in sorted(expected.keys() | stored.keys()):
        if expected.get(key, zero) != stored.get(key, zero):
            yield name, key, stored.get(key), expected.get(key)


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
