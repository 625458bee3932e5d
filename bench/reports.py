"""Reports over a large history: N incidents (default 1,000,000 on PostgreSQL) with their calls,
agency assignments and PBX call records, written by a fast generator (COPY on PostgreSQL, not the
services and not fixtures); then every table of the reports page is computed and timed, over the
whole history and over the last 30 days.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/reports.py [--incidents N]

DATABASE_URL names the PostgreSQL server (and a database on it to connect to first): the bench
creates its own database `d112_bench_reports_<pid>` there, migrates and seeds it, and drops it at
the end (--keep keeps it). Without DATABASE_URL it runs embedded on a temporary SQLite file, for
at most 50,000 incidents (default 20,000): SQLite computes percentiles in Python, which is the
honest fallback for a demo, not for years of data. Generation is deterministic (--seed).

--database NAME --keep loads into a database of that name and keeps it; a later run with
--database NAME --reuse migrates it and times it again without regenerating. Either way the report
facts are rebuilt from the loaded rows (timed), then the monthly rollups of the closed months
(reports/rollup.py, timed), and every table is timed three ways in the same run: from the live
tables (REPORTS_FACTS=false), from the report facts without the rollups (REPORTS_ROLLUPS=false)
and with them, and their rows compared. Then the whole history once more with each filter of the
page alone (kecamatan, category, agency, priority: each its busiest value, the largest set such a
view reads), the same three ways (the call facts and the rollups narrowed to that filter), and
their rows compared too (`same_results` covers both).

Timed per table: the wall time of the table's function (its SQL queries, the labels' lookups and
the Python that shapes the rows), each table once, right after a warm-up pass of the same way
and filter, and the slowest single SQL statement in it. The last line is one JSON object.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support import PYTHON, ROOT, machine  # noqa: E402

SQLITE_LIMIT = 50_000
WITA = dt_timezone(timedelta(hours=8))


# --- the database --------------------------------------------------------------------------------


def server_url(url, database):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def create_database(url, name):
    import psycopg

    with psycopg.connect(server_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url, name):
    import psycopg

    with psycopg.connect(server_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(env):
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo", "--allow-production", "--no-history"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


# --- the generator -------------------------------------------------------------------------------

INCIDENT_COLUMNS = (
    "id", "reference", "category_id", "priority", "status", "kelurahan_id", "address", "landmark", "description", "call_count",
    "version", "created_at", "created_by_id", "dispatched_at", "first_acknowledged_at", "first_on_scene_at", "resolved_at",
    "closed_at", "closing_note", "cancelled_at", "cancel_reason", "updated_at", "shift", "shift_date",
)  # fmt: skip
CALL_COLUMNS = (
    "id", "caller_number", "caller_name", "line", "received_at", "answered_at", "ended_at", "operator_id", "outcome",
    "location_text", "notes", "incident_id", "created_at", "shift", "shift_date",
)  # fmt: skip
ASSIGNMENT_COLUMNS = (
    "incident_id", "agency_id", "status", "notified_at", "notified_by_id", "acknowledged_at", "en_route_at", "on_scene_at",
    "completed_at", "declined_at", "decline_reason",
)  # fmt: skip
PBX_COLUMNS = ("pbx_call_id", "caller_number", "line", "offered_at", "queued_at", "answered_at", "answered_by_id", "abandoned_at",
               "abandoned_stage", "ended_at", "call_id")  # fmt: skip
OTHER_OUTCOMES = ["prank"] * 30 + ["silent"] * 25 + ["info"] * 10 + ["test"] * 3


def shift_of(moment):
    local = moment.astimezone(WITA)
    if 7 <= local.hour < 15:
        return "pagi", local.date()
    if 15 <= local.hour < 23:
        return "siang", local.date()
    return "malam", local.date() - timedelta(days=1) if local.hour < 7 else local.date()


class World:
    """The reference rows seed_demo made: categories, kelurahan, agencies, operators, OPD staff."""

    def __init__(self):
        from dispatch112.models import User
        from dispatch112.region import region_kelurahan
        from dispatch112.roles import Role
        from incidents.models import IncidentCategory

        self.categories = [(c.pk, c.default_priority, [a.pk for a in c.default_agencies.all()][:2]) for c in IncidentCategory.objects.prefetch_related("default_agencies")]
        self.kelurahan = list(region_kelurahan().values_list("pk", flat=True))
        self.operators = list(User.objects.filter(groups__name=Role.OPERATOR).values_list("pk", flat=True))
        self.fallback_agency = self.categories[0][2][0]


def generate(rng, world, *, incidents, end, days):
    """Yield (table, row) in FK order per incident: the incident, its call, its assignments, the
    PBX record of its call; calls without an incident and abandoned PBX calls in between."""
    span = days * 86400.0
    start = end - timedelta(days=days)
    call_id = 0
    pbx_id = 0
    for incident_id in range(1, incidents + 1):
        created = start + timedelta(seconds=rng.random() * span)
        category, default_priority, agencies = rng.choice(world.categories)
        priority = default_priority if rng.random() < 0.8 else rng.randint(1, 4)
        operator = rng.choice(world.operators)
        received = created - timedelta(seconds=rng.uniform(20, 70))
        answered = received + timedelta(seconds=rng.uniform(2, 12))
        shift, shift_date = shift_of(received)
        roll = rng.random()
        cancelled = roll < 0.05
        dispatched = None if 0.05 <= roll < 0.07 else answered + timedelta(seconds=rng.uniform(15, 150))
        assignments, first_ack, first_on_scene, completed_all = [], None, None, dispatched is not None and not cancelled
        if dispatched is not None:
            for agency in agencies or [world.fallback_agency]:
                ack = dispatched + timedelta(seconds=rng.uniform(200, 900) if rng.random() < 0.15 else rng.uniform(20, 150))
                if rng.random() < 0.02:
                    assignments.append((incident_id, agency, "declined", dispatched, operator, None, None, None, None, ack, "Unit tidak tersedia"))
                    continue
                en_route = None if rng.random() < 0.1 else ack + timedelta(seconds=rng.uniform(30, 180))
                on_scene = (en_route or ack) + timedelta(seconds=rng.uniform(300, 1500))
                completed = on_scene + timedelta(seconds=rng.uniform(900, 5400))
                if cancelled:
                    on_scene = completed = None
                first_ack = min(first_ack or ack, ack)
                first_on_scene = min(first_on_scene or on_scene, on_scene) if on_scene else first_on_scene
                status = "completed" if completed else "acknowledged"
                assignments.append((incident_id, agency, status, dispatched, operator, ack, en_route, on_scene, completed, None, ""))
        resolved = closed = None
        if completed_all and assignments and any(a[8] for a in assignments):
            resolved = max(a[8] for a in assignments if a[8]) + timedelta(seconds=rng.uniform(60, 600))
            closed = resolved + timedelta(seconds=rng.uniform(300, 3600))
        status = "cancelled" if cancelled else "closed" if closed else "dispatched" if dispatched else "new"
        yield "incident", (
            incident_id, f"B-{incident_id:08d}", category, priority, status, rng.choice(world.kelurahan), "Jl. Pahlawan", "", "", 1, 1,
            created, operator, dispatched, first_ack, first_on_scene, resolved, closed, "", created + timedelta(minutes=20) if cancelled else None,
            "", closed or created, shift, shift_date,
        )  # fmt: skip
        call_id += 1
        yield "call", (call_id, "+6281200000000", "", "", received, answered, created, operator, "emergency", "", "", incident_id, created, shift, shift_date)
        for assignment in assignments:
            yield "assignment", assignment
        pbx_id += 1
        queued = answered - timedelta(seconds=rng.uniform(2, 30))
        yield "pbx", (f"p{pbx_id}", "+6281200000000", "112", queued - timedelta(seconds=rng.uniform(5, 15)), queued, answered, operator, None, "", created, call_id)
        # A call that was no emergency, about every second incident; an abandoned PBX call likewise.
        if rng.random() < 0.55:
            other = start + timedelta(seconds=rng.random() * span)
            shift, shift_date = shift_of(other)
            call_id += 1
            outcome = rng.choice(OTHER_OUTCOMES)
            yield "call", (call_id, "+6281300000000", "", "", other, other + timedelta(seconds=5), other + timedelta(seconds=40), operator, outcome, "", "", None, other, shift, shift_date)
        if rng.random() < 0.5:
            offered = start + timedelta(seconds=rng.random() * span)
            pbx_id += 1
            if rng.random() < 0.75:
                gone = offered + timedelta(seconds=rng.uniform(3, 20))
                yield "pbx", (f"p{pbx_id}", "", "112", offered, None, None, None, gone, "menu", gone, None)
            else:
                queued = offered + timedelta(seconds=rng.uniform(5, 15))
                gone = queued + timedelta(seconds=rng.uniform(5, 60))
                yield "pbx", (f"p{pbx_id}", "", "112", offered, queued, None, None, gone, "queue", gone, None)


TABLES = {
    "incident": ("incidents_incident", INCIDENT_COLUMNS),
    "call": ("incidents_call", CALL_COLUMNS),
    "assignment": ("incidents_assignment", ASSIGNMENT_COLUMNS),
    "pbx": ("intake_pbxcall", PBX_COLUMNS),
}


def load(rows, vendor):
    """Write the generated rows: COPY on PostgreSQL, batched INSERTs on SQLite. Returns counts."""
    from django.db import connection

    counts = dict.fromkeys(TABLES, 0)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.cursor
            # One COPY per table at a time needs the rows grouped: buffer them per table in order.
            buffers = {kind: [] for kind in TABLES}
            for kind, row in rows:
                buffers[kind].append(row)
            for kind in TABLES:  # FK order: incidents, calls, assignments, PBX
                table, columns = TABLES[kind]
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in buffers[kind]:
                        copy.write_row(row)
                counts[kind] = len(buffers[kind])
                buffers[kind] = []
            for table in ("incidents_incident", "incidents_call"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        else:
            buffers = {kind: [] for kind in TABLES}
            for kind, row in rows:
                buffers[kind].append(row)
            for kind in TABLES:
                table, columns = TABLES[kind]
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", buffers[kind])
                counts[kind] = len(buffers[kind])
    return counts


# --- the timing ----------------------------------------------------------------------------------


class SqlTimer:
    def __init__(self):
        self.durations = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.durations.append((time.perf_counter() - started) * 1000)


def time_tables(params, *, facts=True, rollups=True):
    """Time every table; `facts` False: the response and handling tables from the live incident
    tables (REPORTS_FACTS=false), the way they were computed before the report facts; `rollups`
    False: from the facts without the monthly rollups (REPORTS_ROLLUPS=false)."""
    from django.conf import settings
    from django.db import connection

    settings.REPORTS_FACTS = facts
    settings.REPORTS_ROLLUPS = rollups

    from reports.filters import parse_filter
    from reports.selectors import TABLES as REPORT_TABLES
    from reports.selectors import incident_counts

    report, errors = parse_filter(params)
    assert errors is None, errors
    functions = {**REPORT_TABLES, "incident_counts": incident_counts}
    timings, results = {}, {}
    for name, function in functions.items():
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            results[name] = function(report)
            elapsed = (time.perf_counter() - started) * 1000
        timings[name] = {"ms": round(elapsed, 1), "sql": len(timer.durations), "slowest_sql_ms": round(max(timer.durations, default=0), 1)}
    return timings, results


def warm_then_time(params, **ways):
    """time_tables after a warm-up pass of the same way."""
    time_tables(params, **ways)
    return time_tables(params, **ways)


def busiest_filters():
    """{filter: value} for each filter of the page, the value with the most incidents (the
    largest set a filtered view reads)."""
    from django.db.models import Count

    from incidents.models import Assignment, Incident

    def busiest(queryset, field):
        return queryset.values(field).annotate(n=Count("*")).order_by("-n").values_list(field, flat=True)[0]

    return {
        "kecamatan": busiest(Incident.objects.exclude(kelurahan=None), "kelurahan__kecamatan"),
        "category": busiest(Incident.objects, "category"),
        "agency": busiest(Assignment.objects, "agency"),
        "priority": busiest(Incident.objects, "priority"),
    }


def _rows(result):
    """A table's rows (or incident_counts' dict), for comparing the two ways."""
    return getattr(result, "rows", result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=None, help="incidents to generate (default 1,000,000 on PostgreSQL, 20,000 embedded)")
    parser.add_argument("--days", type=int, default=365, help="days of history they spread over (default 365)")
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--database", default=None, help="PostgreSQL database name to use (default d112_bench_reports_<pid>)")
    parser.add_argument("--reuse", action="store_true", help="reuse the --database kept by an earlier run: migrate it, do not regenerate (implies --keep)")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    incidents = args.incidents or (1_000_000 if postgres else 20_000)
    if not postgres and incidents > SQLITE_LIMIT:
        sys.exit(
            f"bench/reports.py: {incidents:,} incidents need PostgreSQL (set DATABASE_URL=postgres://…); "
            f"the embedded SQLite fallback is for at most {SQLITE_LIMIT:,}."
        )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    temporary = tempfile.TemporaryDirectory(prefix="d112-bench-reports-")
    env["DISPATCH112_VAR_DIR"] = temporary.name
    database = args.database or f"d112_bench_reports_{os.getpid()}"
    if args.reuse:
        if not (postgres and args.database):
            sys.exit("bench/reports.py: --reuse needs PostgreSQL and --database")
        args.keep = True
    if postgres:
        env["DATABASE_URL"] = server_url(url, database)
        if not args.reuse:
            create_database(url, database)
    try:
        if args.reuse:
            subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        else:
            prepare(env)
        os.environ.clear()
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "dispatch112.settings"
        import django

        django.setup()
        from django.db import connection

        vendor = connection.vendor
        if args.reuse:
            with connection.cursor() as cursor:
                # The generator's `end` was the load's "now"; the last incident is created just before it.
                cursor.execute("SELECT max(created_at) FROM incidents_incident")
                end = cursor.fetchone()[0]
                counts = {}
                for kind, (table, _columns) in TABLES.items():
                    cursor.execute(f"SELECT count(*) FROM {table}")
                    counts[kind] = cursor.fetchone()[0]
            incidents, load_s = counts["incident"], 0.0
            print(f"reusing {database}: {counts}", flush=True)
        else:
            end = datetime.now(dt_timezone.utc).replace(microsecond=0)
            started = time.perf_counter()
            counts = load(generate(random.Random(args.seed), World(), incidents=incidents, end=end, days=args.days), vendor)
            load_s = time.perf_counter() - started
            with connection.cursor() as cursor:
                if vendor == "postgresql":
                    for table, _columns in TABLES.values():
                        cursor.execute(f"VACUUM ANALYZE {table}")
                else:
                    cursor.execute("ANALYZE")
            print(f"loaded {counts} in {load_s:.0f} s ({vendor})", flush=True)

        first_day = (end - timedelta(days=args.days)).astimezone(WITA).date()
        last_day = end.astimezone(WITA).date()
        whole = {"period": "custom", "from": first_day.isoformat(), "to": last_day.isoformat()}
        from reports import facts as report_facts

        started = time.perf_counter()
        fact_rows = report_facts.rebuild()
        rebuild_s = time.perf_counter() - started
        print(f"report facts rebuilt ({fact_rows[0]} response, {fact_rows[1]} handling, {fact_rows[2]} answer, {fact_rows[3]} call) in {rebuild_s:.0f} s", flush=True)
        if vendor == "postgresql":
            # As autovacuum would after the rebuild's inserts: the facts' index-only scans (the
            # rollups' phase 2) skip the heap only for pages the visibility map marks.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE reports_responsefact")
                cursor.execute("VACUUM ANALYZE reports_handlingfact")
                cursor.execute("VACUUM ANALYZE reports_answerfact")
                cursor.execute("VACUUM ANALYZE reports_callfact")
        from reports import rollup

        started = time.perf_counter()
        rolled_up = rollup.rebuild()
        rollup_s = time.perf_counter() - started
        print(f"rolled up {len(rolled_up)} closed (month, source) pairs in {rollup_s:.1f} s", flush=True)

        # Each way (live tables, report facts, facts + rollups) in turn, in one run, so all see the
        # same machine load; each timed right after a warm-up pass of its own, which reads what it
        # reads into the cache: a pass of one way displaces the other ways' pages (PostgreSQL's
        # default 128 MB of shared buffers), and timed after another way's pass a table measured
        # that way's leftovers (response_by_agency: 1.19 s once, 0.45 s warm).
        live_timings, live_results = warm_then_time(whole, facts=False)
        plain_timings, plain_results = warm_then_time(whole, facts=True, rollups=False)
        all_timings, results = warm_then_time(whole, facts=True)
        month = {"period": "30d"}
        live_month_timings, live_month = warm_then_time(month, facts=False)
        month_timings, _month = warm_then_time(month, facts=True)
        filtered_timings, filtered_plain_timings, filtered_live_timings = {}, {}, {}
        different = []
        for name, value in busiest_filters().items():
            params = {**whole, name: value}
            filtered_live_timings[name], filtered_live = warm_then_time(params, facts=False)
            filtered_plain_timings[name], filtered_plain = warm_then_time(params, facts=True, rollups=False)
            filtered_timings[name], filtered = warm_then_time(params)
            different += [f"{table} ({name})" for table in filtered if _rows(filtered[table]) != _rows(filtered_live[table])]
            different += [f"{table} ({name}, without rollups)" for table in filtered if _rows(filtered_plain[table]) != _rows(filtered_live[table])]
        different += [name for name in results if _rows(results[name]) != _rows(live_results[name])]
        different += [f"{name} (without rollups)" for name in results if _rows(results[name]) != _rows(plain_results[name])]
        different += [f"{name} (30 d)" for name in _month if _rows(_month[name]) != _rows(live_month[name])]
        print("\nsame results both ways" if not different else f"\nDIFFERENT RESULTS: {different}", flush=True)
        print(f"\n{'table':<26}{'live ms':>10}{'facts ms':>10}{'rollup ms':>10}{'30 d live':>11}{'30 d facts':>11}")
        for name, timing in all_timings.items():
            live, month_live = live_timings[name]["ms"], live_month_timings[name]["ms"]
            print(f"{name:<26}{live:>10.1f}{plain_timings[name]['ms']:>10.1f}{timing['ms']:>10.1f}{month_live:>11.1f}{month_timings[name]['ms']:>11.1f}")

        print("\nthe whole history with one filter (its busiest value), facts + rollups, ms (live / without rollups in brackets)")
        print(f"{'table':<26}" + "".join(f"{name:>24}" for name in filtered_timings))
        for table in all_timings:
            cells = (
                f"{filtered_timings[f][table]['ms']:.0f} ({filtered_live_timings[f][table]['ms']:.0f}/{filtered_plain_timings[f][table]['ms']:.0f})"
                for f in filtered_timings
            )
            print(f"{table:<26}" + "".join(f"{cell:>24}" for cell in cells))

        everything = results["response_by_agency"].rows[0]
        handling = results["handling_by_shift"].rows[0]
        centre = results["callcenter_by_hour"].rows[0]
        figures = {
            "calls": results["calls_by_outcome"].extra["total"],
            "prank_silent_pct": results["calls_by_outcome"].extra["prank_silent_pct"],
            **{f"incidents_{k}": v for k, v in results["incident_counts"].items()},
            "ack_p50_s": everything["ack_p50_s"], "ack_p90_s": everything["ack_p90_s"], "ack_within_pct": everything["ack_within0_pct"],
            "ack_missing": everything["ack_missing"], "on_scene_p50_s": everything["on_scene_p50_s"],
            "dispatch_p50_s": handling["dispatched_p50_s"], "dispatch_within_pct": handling["dispatched_within0_pct"],
            "offered": centre["offered"], "abandoned_pct": centre["abandoned_pct"], "answer_within15_pct": centre["answer_within0_pct"],
        }  # fmt: skip
        print("\nfigures over the whole history:", json.dumps(figures))
        slowest = max(all_timings.items(), key=lambda item: item[1]["ms"])
        summary = {
            "bench": "reports",
            "incidents": incidents,
            "database": vendor,
            "days": args.days,
            "rows": counts,
            "load_s": round(load_s, 1),
            "queries": {name: timing["ms"] for name, timing in all_timings.items()},
            "slowest_sql_ms": {name: timing["slowest_sql_ms"] for name, timing in all_timings.items()},
            "queries_30d": {name: timing["ms"] for name, timing in month_timings.items()},
            "queries_live": {name: timing["ms"] for name, timing in live_timings.items()},
            "queries_without_rollups": {name: timing["ms"] for name, timing in plain_timings.items()},
            "queries_30d_live": {name: timing["ms"] for name, timing in live_month_timings.items()},
            "queries_filtered": {f: {name: timing["ms"] for name, timing in timings.items()} for f, timings in filtered_timings.items()},
            "queries_filtered_live": {f: {name: timing["ms"] for name, timing in timings.items()} for f, timings in filtered_live_timings.items()},
            "queries_filtered_without_rollups": {
                f: {name: timing["ms"] for name, timing in timings.items()} for f, timings in filtered_plain_timings.items()
            },
            "slowest_filtered": max(
                ({"filter": f, "table": name, "ms": timing["ms"]} for f, timings in filtered_timings.items() for name, timing in timings.items()),
                key=lambda found: found["ms"],
            ),
            "same_results": not different,
            "facts_rebuild_s": round(rebuild_s, 1),
            "rollup_build_s": round(rollup_s, 1),
            "rolled_up": len(rolled_up),
            "fact_rows": {"response": fact_rows[0], "handling": fact_rows[1], "answer": fact_rows[2], "call": fact_rows[3]},
            "slowest": {"table": slowest[0], "ms": slowest[1]["ms"]},
            "dashboard_total_ms": round(sum(t["ms"] for t in all_timings.values()), 1),
            "figures": figures,
            "machine": machine(),
            "loadavg": [round(x, 1) for x in os.getloadavg()],
        }
        print(json.dumps(summary))
    finally:
        if postgres and not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(url, database)
        temporary.cleanup()


if __name__ == "__main__":
    main()
