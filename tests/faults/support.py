"""What the fault tests add to tests/live/support.py: hard kills, a Celery worker process, a peer
that records what the outboxes send, and PostgreSQL's view of the servers' connections."""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.live.support import REPO_ROOT, RedisServer, _die_with_parent, wait_for


def kill_hard(daphne):
    """SIGKILL: no graceful close of the websockets, no atexit; as when the machine loses the process."""
    process = daphne.process
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    daphne.process = None


# --- PostgreSQL ---------------------------------------------------------------------------------


def _connect(**options):
    """A psycopg connection of its own to the test database, outside Django's."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(django_only, None)
    return psycopg.connect(**params, **options)


def _admin_cursor():
    """Autocommit, outside pytest-django's connection: it must see other processes' sessions and
    act on them while a test's own transaction may be open."""
    return _connect(autocommit=True)


class RowLock:
    """Hold `SELECT … FOR UPDATE` on rows from a separate connection, so that a server request
    that needs them waits mid-transaction, where the test can then cut its connection."""

    def __init__(self, sql, params=()):
        self.sql, self.params = sql, params
        self.connection = None

    def __enter__(self):
        self.connection = _connect()
        rows = self.connection.execute(self.sql, self.params).fetchall()
        assert rows, f"nothing to lock: {self.sql} {self.params}"
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def backends_waiting_on_a_lock(db_name):
    """The pids of the server's sessions blocked on a row lock (the request in flight)."""
    with _admin_cursor() as conn:
        rows = conn.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            (db_name,),
        ).fetchall()
    return rows


def server_backends(db_name):
    """The pids of the other processes' sessions on the test database (not this test's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    with _admin_cursor() as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid NOT IN (pg_backend_pid(), %s)", (db_name, own)).fetchall()
    return [r[0] for r in rows]


def terminate_backend(pid):
    with _admin_cursor() as conn:
        return conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def count_rows(table_or_sql):
    """Counted on a fresh connection: what is committed, whatever the test's connection holds."""
    sql = table_or_sql if " " in table_or_sql else f"SELECT count(*) FROM {table_or_sql}"
    with _admin_cursor() as conn:
        return conn.execute(sql).fetchone()[0]


# --- a request in the background ---------------------------------------------------------------


class InFlight(threading.Thread):
    """One HTTP request sent from a thread, so the test can act while it is being served."""

    def __init__(self, session, method, path, body=None, headers=None):
        super().__init__(daemon=True)
        self.session, self.method, self.path, self.body, self.headers = session, method, path, body, headers or {}
        self.result = None

    def run(self):
        self.result = request_json(self.session, self.method, self.path, self.body, self.headers)

    def answer(self, timeout=20):
        self.join(timeout)
        assert not self.is_alive(), f"{self.method} {self.path} did not return within {timeout}s"
        return self.result


def request_json(session, method, path, body=None, headers=None):
    """(status, headers, JSON body) of one API request with extra headers (Idempotency-Key, If-Match)."""
    import urllib.error
    import urllib.request

    data = json.dumps(body if body is not None else {}).encode() if method != "GET" else None
    all_headers = {"Accept": "application/json", "Content-Type": "application/json", **(headers or {})}
    if method != "GET":
        all_headers["X-CSRFToken"] = session.cookie("csrftoken")
    request = urllib.request.Request(session.base_url + "/api/v1" + path, data=data, headers=all_headers, method=method)
    try:
        with session.opener.open(request, timeout=20) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, error.headers, error.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = {"not_json": raw[:300].decode(errors="replace")}
    return status, response_headers, parsed


# --- Celery ------------------------------------------------------------------------------------


class CeleryWorker:
    """`celery -A dispatch112 worker --beat` on the test database and the private Redis broker."""

    def __init__(self, *, db_name, log_dir, env):
        self.dir = Path(log_dir)
        self.log_path = self.dir / "celery.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
            "DISPATCH112_LIVE_TEST_DB": db_name,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "dispatch112", "worker", "--beat", "--loglevel", "INFO",
                 "--concurrency", "2", "--pool", "threads", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--schedule", str(self.dir / "celerybeat-schedule"), "--hostname", f"faults-{os.getpid()}@%h"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        wait_for(lambda: "ready." in self.log_text() or self.process.poll() is not None, timeout=30, message="the celery worker to be ready")
        assert self.process.poll() is None, f"celery exited:\n{self.log_text()[-4000:]}"
        return self

    stop = RedisServer.stop  # SIGTERM (a worker finishes its task), SIGKILL after 10 s

    def log_text(self):
        try:
            return self.log_path.read_bytes().decode(errors="replace")
        except OSError:
            return ""


class RecordingPeer:
    """An HTTP peer (the SMS/WhatsApp provider, an agency's webhook) that answers 200 and keeps
    every POST it was sent."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with peer.lock:
                    peer.received.append({"path": self.path, "headers": dict(self.headers), "body": body.decode(errors="replace")})
                    number = len(peer.received)
                reply = json.dumps({"id": f"peer-{number}", "status": "accepted"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def posts(self, path=None):
        with self.lock:
            return [r for r in self.received if path is None or r["path"] == path]


def settle(seconds):
    """Let time pass for what should NOT happen (nothing is sent while the worker is down)."""
    time.sleep(seconds)


# --- consoles that count their reconnect attempts ----------------------------------------------

from tests.live.support import Console  # noqa: E402


class CountingConsole(Console):
    """A console (as static/js/live.js runs it) that also notes when it tried to connect."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attempts = []  # time.monotonic() of every connection attempt

    async def _open(self):
        self.attempts.append(time.monotonic())
        return await super()._open()

    def attempts_between(self, start, end):
        return self.loops.call(lambda: [t for t in self.attempts if start <= t <= end])
