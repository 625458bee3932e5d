"""Starting and stopping a Dispatch112 server for a benchmark, on 127.0.0.1 only."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine():
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu}


def server_env(var_dir, env_extra=None):
    """The environment of a bench server: this one's, plus plain HTTP on 127.0.0.1 in the
    production profile (DATABASE_URL/REDIS_URL set)."""
    env = {**os.environ, "DISPATCH112_VAR_DIR": var_dir, **(env_extra or {})}
    if env.get("DATABASE_URL") or env.get("REDIS_URL"):
        env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
        env.setdefault("SECURE_SSL_REDIRECT", "false")
        env.setdefault("SESSION_COOKIE_SECURE", "false")
        env.setdefault("SECURE_HSTS_SECONDS", "0")
    return env


@contextlib.contextmanager
def running_server(*, env_extra=None, seed_args=("--no-history",), prepare=None):
    """A migrated, seeded server in a temporary folder. Uses DATABASE_URL/REDIS_URL if set
    (the database must be one the benchmark may write to); otherwise the embedded default."""
    with tempfile.TemporaryDirectory(prefix="d112-bench-") as var_dir:
        env = server_env(var_dir, env_extra)
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "seed_demo", "--allow-production", *seed_args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        if prepare:
            # Python run inside the project (manage.py shell) before the server starts.
            subprocess.run([*manage, "shell", "-c", prepare], env=env, check=True, cwd=ROOT)
        with serving(env, var_dir) as base:
            yield base


@contextlib.contextmanager
def serving(env, var_dir, *, name="server"):
    """`manage.py serve` with this environment on a free port, until the block ends; its log is
    var_dir/<name>.log. A second one on the same database and Redis is a second web process."""
    manage = [PYTHON, str(ROOT / "manage.py")]
    log_path = Path(var_dir) / f"{name}.log"
    port = free_port()
    log = open(log_path, "w")
    server = subprocess.Popen([*manage, "serve", "--no-scheduler", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"{name} did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if os.environ.get("BENCH_SERVER_LOG"):  # to read after the temporary folder is gone
            kept = os.environ["BENCH_SERVER_LOG"]
            shutil.copy(log_path, kept if name == "server" else f"{kept}.{name}")


def gc_pauses(base):
    """The garbage collector's pauses of the server at `base` so far (its /metrics, open to
    127.0.0.1): collections, their total and how many held the process over 50 and 250 ms."""
    import re

    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    found = {"collections": 0, "total_ms": 0.0, "over_50ms": 0, "over_250ms": 0}
    for line in text.splitlines():
        match = re.match(r'dispatch112_gc_pause_seconds_(count|sum|bucket)\{(?:[^}]*le="([^"]+)")?[^}]*\} (\S+)', line)
        if not match:
            continue
        kind, le, value = match.group(1), match.group(2), float(match.group(3))
        if kind == "count":
            found["collections"] += int(value)
            found["over_50ms"] += int(value)
            found["over_250ms"] += int(value)
        elif kind == "sum":
            found["total_ms"] = round(found["total_ms"] + value * 1000, 1)
        elif le == "0.05":
            found["over_50ms"] -= int(value)
        elif le == "0.25":
            found["over_250ms"] -= int(value)
    return found
