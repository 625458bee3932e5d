"""Fixtures of the fault tests: real PostgreSQL, a private redis-server, daphne processes and a
Celery worker started by the tests, and faults made for real (processes killed, Redis stopped,
database connections terminated).

They need PostgreSQL (pytest-django's test database on DATABASE_URL): pg_terminate_backend, row
locks held across processes and concurrent writers are what they are about. On an embedded
(SQLite) run they are skipped with that reason; CI runs on PostgreSQL, where a skip would hide a
broken setup, so under CI=true they are never skipped. Redis is always the tests' own
redis-server (stopping the shared one would break everybody else's run).
"""

import os

import pytest

# The live tests' fixtures: the demo world, daphne, the private redis-server, console clients.
from tests.live.conftest import (  # noqa: F401 — fixtures
    consoles,
    loops,
    private_redis,
    secret_key_env,
    seed_world,
    server,
    test_db_name,
)
from tests.live.support import HttpSession

POSTGRES_REASON = (
    "fault tests need PostgreSQL: set DATABASE_URL=postgres://… (CI runs them there; "
    "they kill database connections and hold row locks across processes, which SQLite cannot)"
)


def _on_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if _on_postgres() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=POSTGRES_REASON)
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    """The demo world, committed once for the whole folder and emptied at its end.

    pytest-django creates the test database only when some collected test is marked for it:
    test_setup.py is, and says on which database these tests run.

    Not a transactional test each: a flush and a fresh seed cost several seconds a test on a
    loaded machine, and these tests only ever add their own incidents and measure differences.
    pytest-django runs tests without a database fixture after all others, so nothing committed
    here is seen by another folder's tests, and the flush at the end leaves the database as a
    transactional test would."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        committed = seed_world()
    yield committed
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _database(request, django_db_blocker):
    """The world, and the database open to the test (pytest-django blocks it for tests without
    its marker); test_setup.py's check, a transactional test of its own, stays out of the world."""
    if request.node.get_closest_marker("django_db") is None:
        request.getfixturevalue("world")
    with django_db_blocker.unblock():
        yield


@pytest.fixture(autouse=True)
def _server_log_on_failure(request):
    """A failed test shows the end of its servers' logs (tracebacks of the server side)."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for name in ("server", "second_server"):
            if name in request.fixturenames:
                daphne = request.getfixturevalue(name)
                print(f"--- end of {daphne.log_path} ---\n{daphne.log_tail()}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def server_env(private_redis, secret_key_env):
    """Every server of these tests runs the production shape: PostgreSQL, channels_redis on the
    private redis-server, the Redis Celery broker (no eager tasks)."""
    return {"REDIS_URL": private_redis.url, **secret_key_env}


@pytest.fixture
def login(server):
    server.ensure_running()

    def make(username, *, on=None):
        return HttpSession((on or server).url).login(username)

    return make
