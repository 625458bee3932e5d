"""Push latency: N consoles on the live stream (ws/events/), incidents created at a steady rate
through the API, and for each event and each console the time until it arrived. The same fan-out
through a bare `websockets` broadcast server, in the same run with the same clients and message
size, is the floor.

    .venv/bin/python bench/push_latency.py [--consoles 100,500] [--rate 1] [--seconds 20]

Uses DATABASE_URL and REDIS_URL when set (the database must be one the bench may write to: it is
migrated and seeded); otherwise an embedded server on a temporary SQLite file. Starts and stops
everything it needs (the server, the floor server, the client processes), on 127.0.0.1 only, and
gives up after --deadline seconds. Everything runs on this machine, so the server's clock (an
event's `at`) and the clients' clocks are the same clock.

Latency, for each (event, console):
  from the commit      receipt − the event's `committed_at`, stamped by the server when the push
                       leaves, right after the transaction commits (the same clock: one machine).
                       This is the p50/p95/p99/max of the JSON.
  from the API call    receipt − the moment the driver sent the POST that caused the event: an
                       upper bound of commit-to-receipt (it adds the request's own handling).
  from created_at      receipt − the event's created_at (taken as the write transaction starts):
                       also an upper bound, closer to the commit.
  from the API answer  receipt − the moment the API answered (negative: the push came first);
                       the commit lies between created_at and the answer.
Events that arrive together may come in one batch frame; `events_per_frame` says how many. Lost: an event a console had not received
once nothing more arrived for 5 s (45 s at most); duplicated: an event a console received twice.
The server's and the floor server's CPU time per delivered message is printed too: unlike the
latencies it does not depend on what else runs on the machine. The last line is one JSON object.
"""

import argparse
import asyncio
import http.cookiejar
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CONSOLE_USERS = ["operator", "operator2", "supervisor", "admin"]  # every one sees every event
EVENT_PREFIX = re.compile(r'^\{"type":"event","id":(\d+),"kind":"([a-z_.]+)","incident":(\d+|null),.*?"at":"([^"]+)"(?:,"committed_at":"([^"]+)")?')
EVENT_START = '{"type":"event","id":'
FLOOR_PREFIX = re.compile(r'^\{"seq":(\d+),"sent":([0-9.]+)')
CLIENT_PROCESSES = 2


# --- client processes: K websockets each, timestamps on receipt, analysis afterwards ----------------


async def _client_main(url, count, headers, out):
    import websockets

    sockets, records, failed = [], [[] for _ in range(count)], 0
    frames = [0] * count  # event frames per console (a batch frame is one)
    gate = asyncio.Semaphore(20)  # connect gently: each connect is a session lookup on the server

    async def connect(index):
        nonlocal failed
        async with gate:
            try:
                ws = await websockets.connect(url, additional_headers=headers[index % len(headers)], open_timeout=30, max_size=None, ping_interval=None)
            except Exception:  # noqa: BLE001 — counted and reported
                failed += 1
                return None
        sockets.append(ws)
        return ws

    async def read(index, ws):
        mine = records[index]
        try:
            async for raw in ws:
                # Only the clock and a prefix here, so that receiving 500 sockets' messages is not
                # slowed by parsing them; the prefix carries the ids and times.
                received = time.time()
                if raw.startswith('{"type":"events"'):
                    # A batch frame (the server batches what arrives while it is busy): each event
                    # with the frame's arrival time. Split, not parsed: each event's text starts
                    # with the same key, and its prefix is all the analysis reads.
                    for piece in raw.split(EVENT_START)[1:]:
                        mine.append((received, len(piece) + len(EVENT_START), EVENT_START + piece[:400]))
                    frames[index] += 1
                else:
                    mine.append((received, len(raw), raw[:400]))
                    frames[index] += raw.startswith('{"type":"event"')
        except Exception:  # noqa: BLE001 — a closed socket ends its record
            pass

    connected = await asyncio.gather(*(connect(i) for i in range(count)))
    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(connected) if ws is not None]
    print(f"ready {count - failed} {failed}", flush=True)
    while True:  # the driver asks "count" (how many messages so far) until it says "stop"
        command = (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()
        if command != "count":
            break
        print(sum(len(r) for r in records), flush=True)
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    Path(out).write_text(json.dumps({"records": records, "frames": frames, "failed": failed}))
    print("done", flush=True)


async def _floor_server(port):
    import websockets

    consoles = set()

    async def handler(ws):
        if ws.request.path == "/publish":
            async for message in ws:
                websockets.broadcast(consoles, message)
        else:
            consoles.add(ws)
            try:
                await ws.wait_closed()
            finally:
                consoles.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", port, max_size=None, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()


class Clients:
    """CLIENT_PROCESSES processes sharing N consoles; collected by `finish()`, killed by `kill()`."""

    def __init__(self, *, url, consoles, headers, workdir):
        self.processes, self.outputs = [], []
        shares = [consoles // CLIENT_PROCESSES + (1 if i < consoles % CLIENT_PROCESSES else 0) for i in range(CLIENT_PROCESSES)]
        try:
            for n, share in enumerate(shares):
                out = Path(workdir) / f"client-{n}-{time.monotonic_ns()}.json"
                self.outputs.append(out)
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, __file__, "--client", url, "--count", str(share), "--headers", json.dumps(headers), "--out", str(out)],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    )
                )
            self.connected = self.failed = 0
            for process in self.processes:
                line = process.stdout.readline().split()
                if not line or line[0] != "ready":
                    raise RuntimeError(f"a client process did not start: {line}")
                self.connected += int(line[1])
                self.failed += int(line[2])
        except BaseException:
            self.kill()
            raise

    def received(self):
        total = 0
        for process in self.processes:
            process.stdin.write("count\n")
            process.stdin.flush()
            total += int(process.stdout.readline())
        return total

    def settle(self, expected, *, quiet=5.0, limit=45.0):
        """Wait until every console has what it should (or nothing more arrives for `quiet` s)."""
        deadline, last, last_change = time.monotonic() + limit, -1, time.monotonic()
        while time.monotonic() < deadline:
            now_received = self.received()
            if now_received >= expected:
                return
            if now_received != last:
                last, last_change = now_received, time.monotonic()
            elif time.monotonic() - last_change > quiet:
                return
            time.sleep(0.2)

    def finish(self):
        for process in self.processes:
            process.stdin.write("stop\n")
            process.stdin.flush()
        for process in self.processes:
            process.stdout.readline()
            process.wait(60)
        records, self.frames = [], []
        for out in self.outputs:
            written = json.loads(out.read_text())
            records.extend(written["records"])
            self.frames.extend(written["frames"])
            out.unlink()
        return records

    def kill(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()


# --- the driver ----------------------------------------------------------------------------------


class Session:
    def __init__(self, base, username):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(base + "/accounts/login/", timeout=30).read()
        form = {"username": username, "password": f"{username}-112-demo", "csrfmiddlewaretoken": self.cookie("csrftoken")}
        self.opener.open(base + "/accounts/login/", urllib.parse.urlencode(form).encode(), timeout=60).read()
        if not self.cookie("sessionid"):
            raise RuntimeError(f"cannot log in as {username}")

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.cookie("csrftoken") or ""},
        )
        with self.opener.open(request, timeout=60) as response:
            return json.loads(response.read())


def cpu_seconds(pid):
    """CPU time a process has used (user + system): a cost the machine's other load cannot inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(base):
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in argv and port.encode() in argv:
                return int(entry.name)
    raise RuntimeError(f"no server process on port {port}")


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # nearest rank


def summary(latencies):
    ms = [v * 1000 for v in latencies]
    return {f"p{p}": round(percentile(ms, p), 1) if ms else None for p in (50, 95, 99)} | {"max": round(max(ms), 1) if ms else None}


def run_dispatch112(base, sessions, category, consoles, rate, seconds, workdir):
    headers = [{"Cookie": f"sessionid={s.cookie('sessionid')}", "Origin": base} for s in sessions]
    started = time.monotonic()
    clients = Clients(url=base.replace("http://", "ws://") + "/ws/events/", consoles=consoles, headers=headers, workdir=workdir)
    try:
        connect_seconds = time.monotonic() - started
        time.sleep(1)
        sent, answered, failures = {}, {}, []
        writer = sessions[0]
        pid = server_pid(base)
        cpu_before = cpu_seconds(pid)

        def intake(n):
            # Spread over the city so that the kelurahan lookups differ as in real intake.
            latitude, longitude = -0.47 - (n % 10) * 0.008, 117.12 + (n % 7) * 0.01
            body = {"outcome": "emergency", "caller_number": f"0812{n:08d}", "incident": {"category": category, "latitude": f"{latitude:.6f}", "longitude": f"{longitude:.6f}"}}
            t_send = time.time()
            try:
                answer = writer.call("POST", "/api/v1/calls/", body)
                sent[answer["incident"]] = t_send
                answered[answer["incident"]] = time.time()
            except Exception as error:  # noqa: BLE001 — reported
                failures.append(repr(error))

        total = int(rate * seconds)
        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            for n in range(total):
                delay = t0 + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(intake, n)
        achieved_rate = total / (time.monotonic() - t0)
        clients.settle(clients.connected * (1 + 2 * len(sent)))  # a hello and two events per incident
        server_cpu = cpu_seconds(pid) - cpu_before
        records = clients.finish()
    finally:
        clients.kill()

    expected = {(incident, kind) for incident in sent for kind in ("incident.created", "call.logged")}
    from_send, from_created, from_answer, from_commit, lost, duplicated, sizes = [], [], [], [], 0, 0, []
    for console in records:
        got = {}
        for t_recv, size, prefix in console:
            match = EVENT_PREFIX.match(prefix)
            if not match or match.group(3) == "null" or int(match.group(3)) not in sent:
                continue  # the hello, or an event of no incident of this run
            event_id, kind, incident = int(match.group(1)), match.group(2), int(match.group(3))
            if event_id in got:
                duplicated += 1
                continue
            got[event_id] = (incident, kind)
            sizes.append(size)
            from_send.append(t_recv - sent[incident])
            from_created.append(t_recv - datetime.fromisoformat(match.group(4)).timestamp())
            from_answer.append(t_recv - answered[incident])
            if match.group(5):
                from_commit.append(t_recv - datetime.fromisoformat(match.group(5)).timestamp())
        lost += len(expected - set(got.values()))
    lost += (consoles - len(records)) * len(expected)  # consoles that never connected received nothing
    return {
        "consoles": consoles,
        "connected": clients.connected,
        "connect_s": round(connect_seconds, 1),
        "incidents": len(sent),
        "api_failures": len(failures),
        "events": len(expected),
        "rate_per_s": round(achieved_rate, 2),
        "deliveries": len(from_send),
        "frames": sum(clients.frames),
        "latency": summary(from_commit),
        "from_api_call": summary(from_send),
        "from_created_at": summary(from_created),
        # Negative: the push arrived before the API's answer. The commit lies between the two.
        "from_api_answer": summary(from_answer),
        "api_call": summary([answered[i] - sent[i] for i in answered]),
        "lost": lost,
        "duplicated": duplicated,
        "message_bytes": int(statistics.median(sizes)) if sizes else 0,
        "server_cpu_s": round(server_cpu, 2),
        "failure_sample": failures[:3],
    }


def run_floor(consoles, messages_per_incident, rate, seconds, message_bytes, workdir):
    import websockets.sync.client

    from support import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--floor-server", str(port)], stdout=subprocess.PIPE, text=True)
    clients = None
    try:
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the floor server did not start")
        clients = Clients(url=f"ws://127.0.0.1:{port}/", consoles=consoles, headers=[{}], workdir=workdir)
        time.sleep(1)
        publisher = websockets.sync.client.connect(f"ws://127.0.0.1:{port}/publish", max_size=None)
        cpu_before = cpu_seconds(server.pid)
        total = int(rate * seconds)
        t0, seq = time.monotonic(), 0
        for n in range(total):
            delay = t0 + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            for _ in range(messages_per_incident):  # the events one intake writes, sent together
                head = f'{{"seq":{seq},"sent":{time.time():.6f},"pad":"'
                publisher.send(head + "x" * max(0, message_bytes - len(head) - 2) + '"}')
                seq += 1
        clients.settle(clients.connected * seq)
        floor_cpu = cpu_seconds(server.pid) - cpu_before
        publisher.close()
        records = clients.finish()
    finally:
        if clients is not None:
            clients.kill()
        server.terminate()
        server.wait(10)

    latencies, lost, duplicated = [], 0, 0
    for console in records:
        got = set()
        for t_recv, _size, prefix in console:
            match = FLOOR_PREFIX.match(prefix)
            if not match:
                continue
            if match.group(1) in got:
                duplicated += 1
                continue
            got.add(match.group(1))
            latencies.append(t_recv - float(match.group(2)))
        lost += seq - len(got)
    lost += (consoles - len(records)) * seq
    return {"latency": summary(latencies), "lost": lost, "duplicated": duplicated, "cpu_s": round(floor_cpu, 2), "deliveries": len(latencies)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consoles", default="100,500", help="comma-separated numbers of consoles")
    parser.add_argument("--rate", type=float, default=1.0, help="incidents created per second (each writes two events)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long incidents are created, per run")
    parser.add_argument("--deadline", type=int, default=480, help="give up after this many seconds")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--headers", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.client:
        asyncio.run(_client_main(args.client, args.count, json.loads(args.headers), args.out))
        return
    if args.floor_server:
        asyncio.run(_floor_server(args.floor_server))
        return

    from support import machine, running_server

    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError(f"over the {args.deadline} s deadline")))
    signal.alarm(args.deadline)
    counts = [int(n) for n in args.consoles.split(",")]
    profile = {
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "channel_layer": "channels_redis" if os.environ.get("REDIS_URL") else "in-memory",
    }
    runs = []
    production = bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"))
    with tempfile.TemporaryDirectory(prefix="d112-push-") as workdir, running_server(
        # The production profile serves hashed static files (the login page needs the manifest).
        env_extra={"STATIC_ROOT": str(Path(workdir) / "static")} if production else None,
        prepare="from django.core.management import call_command; call_command('collectstatic', interactive=False, verbosity=0)" if production else None,
    ) as base:
        sessions = [Session(base, username) for username in CONSOLE_USERS]
        category = next(c["id"] for c in sessions[0].call("GET", "/api/v1/categories/") if c["code"] == "kebakaran")
        for consoles in counts:
            load_before = os.getloadavg()[0]
            result = run_dispatch112(base, sessions, category, consoles, args.rate, args.seconds, workdir)
            floor = run_floor(consoles, 2, args.rate, args.seconds, result["message_bytes"] or 2500, workdir)
            latency, floor_latency = result["latency"], floor["latency"]
            run = {
                "consoles": consoles,
                "p50_ms": latency["p50"],
                "p95_ms": latency["p95"],
                "p99_ms": latency["p99"],
                "max_ms": latency["max"],
                "lost": result["lost"],
                "duplicated": result["duplicated"],
                "floor_p99_ms": floor_latency["p99"],
                "ratio_p99": round(latency["p99"] / floor_latency["p99"], 1) if latency["p99"] and floor_latency["p99"] else None,
                "from_api_call_p50_ms": result["from_api_call"]["p50"],
                "from_api_call_p99_ms": result["from_api_call"]["p99"],
                "from_api_call_max_ms": result["from_api_call"]["max"],
                "events_per_frame": round(result["deliveries"] / result["frames"], 2) if result["frames"] else None,
                "from_created_at_p99_ms": result["from_created_at"]["p99"],
                "from_created_at_max_ms": result["from_created_at"]["max"],
                "from_api_answer_p50_ms": result["from_api_answer"]["p50"],
                "from_api_answer_p99_ms": result["from_api_answer"]["p99"],
                "api_call_p50_ms": result["api_call"]["p50"],
                "api_call_p99_ms": result["api_call"]["p99"],
                "floor_p50_ms": floor_latency["p50"],
                "floor_max_ms": floor_latency["max"],
                "floor_lost": floor["lost"],
                "incidents": result["incidents"],
                "events_per_console": result["events"],
                "deliveries": result["deliveries"],
                "rate_per_s": result["rate_per_s"],
                "api_failures": result["api_failures"],
                "connected": result["connected"],
                "connect_s": result["connect_s"],
                "message_bytes": result["message_bytes"],
                # CPU the server process spent per delivered message (API calls included), and
                # the floor server's: what the machine's other load does not change.
                "server_cpu_ms_per_delivery": round(1000 * result["server_cpu_s"] / max(1, result["deliveries"]), 3),
                "floor_cpu_ms_per_delivery": round(1000 * floor["cpu_s"] / max(1, floor["deliveries"]), 3),
                # Other work on the machine skews every figure: the 1-minute load before and after.
                "loadavg": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            }
            runs.append(run)
            print(
                f"{consoles:>4} consoles: {result['incidents']} incidents at {result['rate_per_s']}/s, "
                f"{result['deliveries']} deliveries in {result['frames']} frames; from the commit p50 {latency['p50']} p95 {latency['p95']} "
                f"p99 {latency['p99']} max {latency['max']} ms; from the API call p50 {result['from_api_call']['p50']} "
                f"p99 {result['from_api_call']['p99']} ms; from created_at p99 {result['from_created_at']['p99']} ms; "
                f"from the API's answer p50 {result['from_api_answer']['p50']} p99 {result['from_api_answer']['p99']} ms; "
                f"API call p50 {result['api_call']['p50']} p99 {result['api_call']['p99']} ms; "
                f"lost {result['lost']}, duplicated {result['duplicated']}; floor p50 {floor_latency['p50']} "
                f"p99 {floor_latency['p99']} max {floor_latency['max']} ms (lost {floor['lost']}); ratio p99 {run['ratio_p99']}; "
                f"server CPU {run['server_cpu_ms_per_delivery']} ms/delivery, floor {run['floor_cpu_ms_per_delivery']}; load {run['loadavg']}",
                flush=True,
            )
            if result["failure_sample"]:
                print(f"     API failures, e.g. {result['failure_sample']}", flush=True)
    signal.alarm(0)
    print(json.dumps({"bench": "push_latency", "machine": machine(), **profile, "rate_per_s": args.rate, "seconds": args.seconds, "runs": runs}))


if __name__ == "__main__":
    main()
