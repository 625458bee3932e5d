"""Load: N consoles on the live stream split over two daphne processes, and calls logged through
the API at a steady rate, alternating between the processes as a load balancer would; on
PostgreSQL and Redis (channels_redis carries each event from the process that wrote it to the
consoles of both).

    DATABASE_URL=postgres://…/<a database the bench may write> REDIS_URL=redis://…/<db> \\
        .venv/bin/python bench/load.py [--consoles 500] [--rate 20] [--seconds 60]

Figures (issue 11 "Load"): intake latency p50/p99 (POST /api/v1/calls/, send to answer), push
latency p50/p99 (from the moment the call was sent to the event's arrival at each console: an
upper bound of commit-to-receipt; and from the commit, the event's `committed_at`), errors (API calls that failed, consoles that never connected),
lost (an event a console had not received once nothing more arrived for 5 s, 60 s at most) and
duplicated (an event id a console received twice). Each call writes two events (incident.created,
call.logged) that every console (operators, supervisors, admins) receives.

Reuses the client processes and helpers of bench/push_latency.py and the server start of
bench/support.py. The last line is one JSON object.
"""

import argparse
import contextlib
from datetime import datetime
import json
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from push_latency import CONSOLE_USERS, EVENT_PREFIX, Clients, Session, cpu_seconds, server_pid, summary  # noqa: E402
from support import gc_pauses, machine, running_server, server_env, serving  # noqa: E402

WRITERS_PER_SERVER = 8


def drive(writers, category, rate, seconds):
    """Log rate·seconds calls, the n-th through writer n (the writers alternate between the
    servers); returns sent/answered times by incident and the failures."""
    sent, answered, failures, lock = {}, {}, [], threading.Lock()

    def intake(n):
        writer = writers[n % len(writers)]
        latitude, longitude = -0.47 - (n % 10) * 0.008, 117.12 + (n % 7) * 0.01
        body = {"outcome": "emergency", "caller_number": f"0813{n:08d}", "incident": {"category": category, "latitude": f"{latitude:.6f}", "longitude": f"{longitude:.6f}"}}
        t_send = time.time()
        try:
            answer = writer.call("POST", "/api/v1/calls/", body)
            with lock:
                sent[answer["incident"]] = t_send
                answered[answer["incident"]] = time.time()
        except Exception as error:  # noqa: BLE001 — counted and reported
            with lock:
                failures.append(repr(error)[:200])

    total = int(rate * seconds)
    t0 = time.monotonic()
    with ThreadPoolExecutor(len(writers)) as pool:
        for n in range(total):
            delay = t0 + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(intake, n)
    return sent, answered, failures, total / max(time.monotonic() - t0, 1e-9)


def analyse(records, sent, consoles):
    expected = {(incident, kind) for incident in sent for kind in ("incident.created", "call.logged")}
    push, from_commit, lost, duplicated = [], [], 0, 0
    for console in records:
        got = {}
        for t_recv, _size, prefix in console:
            match = EVENT_PREFIX.match(prefix)
            if not match or match.group(3) == "null" or int(match.group(3)) not in sent:
                continue
            event_id, kind, incident = int(match.group(1)), match.group(2), int(match.group(3))
            if event_id in got:
                duplicated += 1
                continue
            got[event_id] = (incident, kind)
            push.append(t_recv - sent[incident])
            if match.group(5):
                from_commit.append(t_recv - datetime.fromisoformat(match.group(5)).timestamp())
        lost += len(expected - set(got.values()))
    lost += (consoles - len(records)) * len(expected)
    return push, from_commit, lost, duplicated, len(expected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consoles", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="calls logged per second (each writes two events)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--deadline", type=int, default=900, help="give up after this many seconds")
    parser.add_argument(
        "--api-processes", type=int, default=0,
        help="web processes of their own for the API calls, as a proxy routing /ws/ to the two console processes "
        "and everything else to these would (0: the calls go to the console processes)",
    )
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
        # `make bench` on the embedded default: two processes cannot share SQLite and an in-memory layer.
        reason = "needs DATABASE_URL (PostgreSQL) and REDIS_URL: two processes share one database and one channel layer"
        print(f"load: skipped, {reason}")
        print(json.dumps({"bench": "load", "skipped": reason}))
        return

    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError(f"over the {args.deadline} s deadline")))
    signal.alarm(args.deadline)
    with tempfile.TemporaryDirectory(prefix="d112-load-") as workdir:
        # The production profile serves hashed static files (the login page needs the manifest).
        static = {"STATIC_ROOT": str(Path(workdir) / "static")}
        collect = "from django.core.management import call_command; call_command('collectstatic', interactive=False, verbosity=0)"
        # The second web process: on the database and Redis the first one migrated and seeded.
        with contextlib.ExitStack() as stack:
            bases = [stack.enter_context(running_server(env_extra=static, prepare=collect)), stack.enter_context(serving(server_env(workdir, static), workdir, name="server-b"))]
            api_bases = [stack.enter_context(serving(server_env(workdir, static), workdir, name=f"api-{n + 1}")) for n in range(args.api_processes)] or bases
            watchers = {base: [Session(base, u) for u in CONSOLE_USERS] for base in bases}
            writers = [Session(base, "operator") for base in api_bases for _ in range(WRITERS_PER_SERVER * len(bases) // len(api_bases))]
            category = next(c["id"] for c in writers[0].call("GET", "/api/v1/categories/") if c["code"] == "kebakaran")
            load_before = os.getloadavg()[0]
            started = time.monotonic()
            clients = []
            try:
                for n, base in enumerate(bases):
                    share = args.consoles // 2 + (args.consoles % 2 if n == 0 else 0)
                    headers = [{"Cookie": f"sessionid={s.cookie('sessionid')}", "Origin": base} for s in watchers[base]]
                    clients.append(Clients(url=base.replace("http://", "ws://") + "/ws/events/", consoles=share, headers=headers, workdir=workdir))
                connect_s = time.monotonic() - started
                time.sleep(1)
                pids = [server_pid(base) for base in dict.fromkeys(bases + api_bases)]
                cpu_before = [cpu_seconds(pid) for pid in pids]
                # The console clients run on the same cores: their share of the machine is reported.
                client_pids = [p.pid for c in clients for p in c.processes]
                client_cpu_before = sum(cpu_seconds(pid) for pid in client_pids)
                wall_before = time.monotonic()
                sent, answered, failures, achieved = drive(writers, category, args.rate, args.seconds)
                for c in clients:
                    c.settle(c.connected * (1 + 2 * len(sent)), quiet=5.0, limit=60.0)
                cpu = [round(cpu_seconds(pid) - before, 1) for pid, before in zip(pids, cpu_before)]
                client_cpu = round(sum(cpu_seconds(pid) for pid in client_pids) - client_cpu_before, 1)
                wall = round(time.monotonic() - wall_before, 1)
                records = [r for c in clients for r in c.finish()]
                collector = [gc_pauses(base) for base in dict.fromkeys(bases + api_bases)]
            finally:
                for c in clients:
                    c.kill()
    signal.alarm(0)

    push, from_commit, lost, duplicated, events = analyse(records, sent, args.consoles)
    intake = summary([answered[i] - sent[i] for i in answered])
    push_summary = summary(push)
    commit_summary = summary(from_commit)
    frames = sum(sum(c.frames) for c in clients)
    connected = sum(c.connected for c in clients)
    result = {
        "bench": "load",
        "machine": machine(),
        "database": "postgresql",
        "channel_layer": "channels_redis",
        "parameters": {"consoles": args.consoles, "rate_per_s": args.rate, "seconds": args.seconds, "daphne_processes": 2, "api_processes": args.api_processes},
        "intake_p50_ms": intake["p50"],
        "intake_p99_ms": intake["p99"],
        "push_p50_ms": push_summary["p50"],
        "push_p99_ms": push_summary["p99"],
        "push_max_ms": push_summary["max"],
        "push_from_commit_p50_ms": commit_summary["p50"],
        "push_from_commit_p99_ms": commit_summary["p99"],
        "events_per_frame": round(len(push) / frames, 2) if frames else None,
        "errors": len(failures) + (args.consoles - connected),
        "api_failures": len(failures),
        "consoles_not_connected": args.consoles - connected,
        "lost": lost,
        "duplicated": duplicated,
        "calls": len(sent),
        "events_per_console": events,
        "deliveries": len(push),
        "achieved_rate_per_s": round(achieved, 2),
        "connect_s": round(connect_s, 1),
        "server_cpu_s": cpu,
        "client_cpu_s": client_cpu,
        "wall_s": wall,  # the machine had cores × wall_s of CPU in that time
        "gc_pauses": collector,  # per server process, from its start (dispatch112.heap)
        "loadavg": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "failure_sample": failures[:3],
    }
    print(
        f"{args.consoles} consoles on 2 processes, {len(sent)} calls at {result['achieved_rate_per_s']}/s: intake p50 {intake['p50']} "
        f"p99 {intake['p99']} ms; push p50 {push_summary['p50']} p99 {push_summary['p99']} ms (from the commit p50 "
        f"{commit_summary['p50']} p99 {commit_summary['p99']} ms, {result['events_per_frame']} events a frame); errors {result['errors']}, "
        f"lost {lost}, duplicated {duplicated}; load {result['loadavg']}; GC pauses over 50 ms {[g['over_50ms'] for g in collector]}",
        flush=True,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
