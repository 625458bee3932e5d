"""What the live tests drive: a daphne subprocess on the test database, a private redis-server, an
HTTP client that logs in through the login form like a browser, and console clients that speak the
live protocol the way static/js/live.js does (resume from the last id, drop ids already applied,
keep the newest snapshot of each incident)."""

import asyncio
import ctypes
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import websockets

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTIVE_STATUSES = {"new", "dispatched", "acknowledged", "en_route", "on_scene"}
WAIT_SECONDS = 15


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    # A server left behind by a killed pytest would hold its port and the test database.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for(predicate, *, timeout=WAIT_SECONDS, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Daphne:
    """`manage.py serve --no-scheduler` on the test database, on a port kept across restarts."""

    def __init__(self, *, db_name, log_dir, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
            "DISPATCH112_LIVE_TEST_DB": db_name,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.log_path = Path(log_dir) / f"daphne-{self.port}.log"
        self.process = None
        self.starts = 0

    def start(self, timeout=30):
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts} =====\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--no-scheduler", "--port", str(self.port)],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{self.log_tail()}")
            # An API answer (403: not logged in) proves the application is up, without rendering
            # a page: pages cache the region, which a test's data may not hold yet.
            try:
                urllib.request.urlopen(self.url + "/api/v1/categories/", timeout=2).close()
                return self
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not answer within {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def ensure_running(self):
        """A test that stopped the server and failed on the way must not take the next one down."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        return self

    def restart(self):
        self.stop()
        return self.start()

    def log_tail(self, size=6000):
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return "(no log)"

    def log_text(self):
        return self.log_path.read_bytes().decode(errors="replace")


class RedisServer:
    """A private redis-server: stopping it is a real outage, and it comes back empty (no persistence)."""

    def __init__(self, *, log_dir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(log_dir)
        self.process = None

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / f"redis-{self.port}.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        wait_for(self.ping, timeout=timeout, message=f"redis-server on {self.port}")
        return self

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


class HttpSession:
    """One user's browser-like session: cookies, CSRF token, JSON API calls."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.username = None

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def login(self, username, password=None):
        self.request("GET", "/accounts/login/")
        form = {"username": username, "password": password or f"{username}-112-demo", "csrfmiddlewaretoken": self.cookie("csrftoken")}
        status, _, _ = self.request("POST", "/accounts/login/", form=form)
        assert self.cookie("sessionid"), f"logging in as {username} failed (HTTP {status})"
        self.username = username
        return self

    def request(self, method, path, *, body=None, form=None, timeout=15):
        headers = {"Accept": "application/json"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD") and self.cookie("csrftoken"):
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def api(self, method, path, body=None, *, expect=(200, 201)):
        status, headers, raw = self.request(method, "/api/v1" + path, body=body if body is not None or method == "GET" else {})
        if expect is not None:
            assert status in expect, f"{self.username}: {method} {path} → HTTP {status}: {raw[:300]!r}"
        return (json.loads(raw) if raw else None), headers

    # The writes the tests make, as the consoles make them.
    def new_incident(self, category, *, latitude="-0.502200", longitude="117.153600", **fields):
        data, _ = self.api(
            "POST", "/calls/",
            {"outcome": "emergency", "caller_number": "081234567890",
             "incident": {"category": category, "latitude": latitude, "longitude": longitude, **fields}},
        )
        return data["incident_detail"]

    def dispatch(self, incident_id, *agency_ids):
        data, _ = self.api("POST", f"/incidents/{incident_id}/dispatch/", {"agencies": list(agency_ids)})
        return data

    def assignment_of(self, incident_id, agency_id):
        data, _ = self.api("GET", f"/incidents/{incident_id}/")
        return next(a["id"] for a in data["assignments"] if a["agency"]["id"] == agency_id)

    def acknowledge(self, assignment_id):
        return self.api("POST", f"/assignments/{assignment_id}/acknowledge/")[0]

    def advance(self, assignment_id, status):
        return self.api("POST", f"/assignments/{assignment_id}/advance/", {"status": status})[0]

    def active_incidents(self):
        data, headers = self.api("GET", "/incidents/?status=active&limit=1000")
        return {i["id"]: i for i in data["results"]}, int(headers.get("X-Last-Event-Id") or 0)


class LoopThread:
    """One asyncio loop in a background thread for every console client of a test module."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-test-clients", daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout=WAIT_SECONDS + 5):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function):
        """Run a plain function in the loop's thread: the clients' state is only touched there."""

        async def wrapper():
            return function()

        return self.run(wrapper())

    def close(self):
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


class Console:
    """A console's live stream, as static/js/live.js runs it.

    It starts like a page load (the active incidents from the API, and X-Last-Event-Id), resumes
    from its last id on every (re)connect, applies each event id once and keeps each incident's
    newest snapshot (by version), as the consoles' stores do. With `auto_reconnect` it comes back
    by itself after the server or Redis goes away, with backoff, as live.js does.
    """

    def __init__(self, loops, session, *, name=None):
        self.loops = loops
        self.session = session
        self.name = name or session.username
        self.url = session.base_url.replace("http://", "ws://") + "/ws/events/"
        self.state = {}
        self.seen = set()
        self.frames = 0  # frames read; a batch frame carries several events
        self.received = []  # event ids, in the order they were first received
        self.live_duplicates = []  # an id pushed live twice (replays may overlap, pushes may not)
        self.replay_overlaps = 0
        self.errors = []
        self.reloads = 0
        self.hellos = []
        self.resumes = 0
        self.closes = []
        self.last_id = 0
        self.start_id = None
        self.socket = None
        self.reader = None
        self.auto_reconnect = False
        self.connections = 0

    # --- driven from the test thread --------------------------------------------------------

    def start(self, *, auto_reconnect=False):
        """Load the state like a page does, then go live from the id the list was read at."""
        state, last_id = self.session.active_incidents()
        self.auto_reconnect = auto_reconnect

        def init():
            self.state = dict(state)
            self.last_id = self.start_id = last_id

        self.loops.call(init)
        self.connect()
        return self

    def connect(self):
        self.loops.run(self._open())
        wait_for(lambda: self.loops.call(lambda: self.resumes >= self.connections), message=f"{self.name} to resume")

    def drop(self):
        """The network goes away: no closing handshake, the server just loses the peer."""
        self.loops.run(self._drop())

    def stop(self):
        self.auto_reconnect = False
        self.loops.run(self._close())

    def snapshot(self):
        def copy():
            return {
                "state": {k: v for k, v in self.state.items() if v["status"] in ACTIVE_STATUSES},
                "received": list(self.received),
                "live_duplicates": list(self.live_duplicates),
                "errors": list(self.errors),
                "last_id": self.last_id,
                "reloads": self.reloads,
                "closes": list(self.closes),
                "connected": self.socket is not None,
                "hellos": len(self.hellos),  # the server says hello only once the console is live
                "connections": self.connections,
            }

        return self.loops.call(copy)

    def received_ids(self):
        return set(self.snapshot()["received"])

    def wait_for_ids(self, ids, timeout=WAIT_SECONDS):
        ids = set(ids)
        wait_for(lambda: ids <= self.received_ids(), timeout=timeout, message=f"{self.name} to receive {sorted(ids - self.received_ids())}")

    # --- in the loop thread ------------------------------------------------------------------

    async def _open(self):
        headers = {"Cookie": f"sessionid={self.session.cookie('sessionid')}", "Origin": self.session.base_url}
        socket_ = await websockets.connect(self.url, additional_headers=headers, open_timeout=5, max_size=None)
        self.connections += 1
        self.socket = socket_
        try:
            await socket_.send(json.dumps({"type": "resume", "last_id": self.last_id}))
        except websockets.ConnectionClosed:
            # Accepted and closed at once (4503: the server's channel layer is down): try again.
            self.closes.append(socket_.close_code)
            self.socket = None
            raise
        self.reader = asyncio.get_running_loop().create_task(self._read(socket_))

    async def _read(self, socket_):
        try:
            async for raw in socket_:
                message = json.loads(raw)
                self.frames += 1
                # Several events in one frame (the server batches under load): each one in order.
                for each in message["events"] if message.get("type") == "events" else [message]:
                    self._on_message(each)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closes.append(socket_.close_code)
            if self.socket is socket_:
                self.socket = None
            if self.auto_reconnect:
                asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self):
        delay = 0.1
        while self.auto_reconnect and self.socket is None:
            try:
                await self._open()
                return
            except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed, asyncio.TimeoutError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _drop(self):
        socket_ = self.socket
        self.socket = None
        socket_.transport.abort()
        await asyncio.wait({self.reader}, timeout=5)

    async def _close(self):
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.wait({self.reader}, timeout=5)

    def _on_message(self, message):
        kind = message.get("type")
        if kind == "hello":
            self.hellos.append(message)
        elif kind == "resumed":
            self.resumes += 1
        elif kind == "reload":
            self.reloads += 1
            self.resumes += 1
        elif kind == "error":
            self.errors.append(message)
        elif kind == "event":
            event_id = message["id"]
            if event_id in self.seen:
                if message.get("replayed"):
                    self.replay_overlaps += 1
                else:
                    self.live_duplicates.append(event_id)
                return
            self.seen.add(event_id)
            self.received.append(event_id)
            self.last_id = max(self.last_id, event_id)
            snapshot = (message.get("data") or {}).get("incident")
            if snapshot:
                current = self.state.get(snapshot["id"])
                if current is None or current["version"] <= snapshot["version"]:
                    self.state[snapshot["id"]] = snapshot
        else:
            self.errors.append({"unexpected": message})
