"""Fixtures every test folder shares.

The same suite runs embedded (SQLite, local-memory cache) and on PostgreSQL + Redis; nothing here
may depend on which.
"""

from pathlib import Path

import pytest
from django.core.cache import cache

REPO_ROOT = Path(__file__).resolve().parent.parent
WILAYAH_DIR = REPO_ROOT / "data" / "wilayah"


@pytest.fixture(autouse=True)
def _clear_cache():
    # django-axes and the region info (dispatch112.region) live in the default cache; on Redis
    # that cache outlives a test's rolled-back transaction, so a stale entry would leak across tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _test_run_settings():
    # Session-wide, so that the live server (started once, with its middleware reading the
    # settings then) sees them too.
    from django.conf import settings
    from django.test.utils import override_settings

    overrides = override_settings(
        # Demo users and factories hash passwords; the production hasher costs ~0.5 s a hash.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # The production profile serves static files through the manifest storage, which needs
        # `collectstatic` to have run; pages under test only need the URLs.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # The production profile redirects plain HTTP to HTTPS and sends HSTS (TLS ends at the
        # proxy); the test client and the live server speak plain HTTP, and a browser that saw
        # HSTS for localhost would refuse the next plain-HTTP page.
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
    )
    overrides.enable()
    yield
    overrides.disable()


@pytest.fixture(autouse=True, scope="session")
def _seed_core_snapshot():
    """seed_core runs for real once, then replays its rows (tests/seeding.py); DISPATCH112_REAL_SEED=1
    turns that off to compare."""
    import os

    from dispatch112 import demo
    from tests import seeding

    if os.environ.get("DISPATCH112_REAL_SEED") == "1":
        yield None
        return
    real = demo.seed_core
    snapshot = seeding.install()
    yield snapshot
    demo.seed_core = real


@pytest.fixture
def samarinda_csv():
    return (WILAYAH_DIR / "samarinda.csv").read_text(encoding="utf-8")


@pytest.fixture
def kukar_csv():
    return (WILAYAH_DIR / "kutai_kartanegara.csv").read_text(encoding="utf-8")


@pytest.fixture
def samarinda(db, samarinda_csv, django_capture_on_commit_callbacks):
    """Kota Samarinda's wilayah imported, as `seed_demo` and `import_wilayah` do."""
    from dispatch112.wilayah import import_wilayah_csv

    # Run the on-commit hooks (the region cache reset) as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        return import_wilayah_csv(text=samarinda_csv)


def pytest_configure(config):
    # WhiteNoise warns that STATIC_ROOT does not exist until `collectstatic` has run; tests serve
    # static files through the finders and never need it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


# --- a parallel run (pytest-xdist, `make test`) ----------------------------------------------------
#
# Each worker has its own test database (pytest-django: test_<name>_gw0, _gw1, ...) and its own Redis
# database (dispatch112/settings.py), and the servers the tests start pick free ports. What is left
# is cost and order: with `--dist loadgroup` the tests below stay together on one worker.

# Module-scoped fixtures that start a process: a module using one runs on one worker, which starts
# it once (split over two workers, both would start it).
_PROCESS_FIXTURES = {"browser", "server", "private_redis"}
FAULTS_DIR = Path(__file__).resolve().parent / "faults"


def _django_order(item):
    """pytest-django's order of a test (its pytest_collection_modifyitems): 0 database tests, 1
    transactional ones (which empty the database afterwards), 2 the others."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls and issubclass(cls, TransactionTestCase):
        return 0 if issubclass(cls, TestCase) else 1
    fixtures = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    if transactional or {"transactional_db", "live_server"} & fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist turns the groups into node ids
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = Path(str(item.fspath))
        if FAULTS_DIR in path.parents:
            # One committed world for the whole folder (tests/faults/conftest.py), and one fault
            # (killed daphne, stopped Redis, terminated connection) at a time.
            group = "tests/faults"
        elif _PROCESS_FIXTURES & set(item.fixturenames):
            group = item.nodeid.split("::", 1)[0]
        else:
            continue
        # A group never spans two of pytest-django's sections: each worker must still run the
        # database tests before the transactional ones, whose flush removes what the migrations
        # created, and those before the rest (`--no-loadscope-reorder` keeps the collection order).
        item.add_marker(pytest.mark.xdist_group(f"{group}:{_django_order(item)}"))


# --- the browser: one definition for every folder's browser tests --------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """The system Chromium through Playwright (Debian package `chromium`). Missing: skipped on a
    laptop, a failure under CI=true, where it means a broken CI image rather than a choice."""
    import os

    if not Path(CHROMIUM).exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django then refuses the test
    # body's ORM calls (SynchronousOnlyOperation) although they are synchronous. Allowed for the
    # browser tests only, and restored afterwards for the websocket tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- a hung test must not hang the run ------------------------------------------------------------

_exit_status = {}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # pytest-timeout fails a stuck test from the main thread, but the thread that was stuck (an
    # event loop asgiref's async_to_sync runs in a worker thread) stays stuck, and Python's exit
    # joins such worker threads forever: the run would print its summary and never return. Once
    # the report is out, leave without waiting for them, and name them for whoever reads the log.
    import os
    import sys
    import threading

    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if not stuck or "code" not in _exit_status:
        return
    print(f"\nleaving without joining {len(stuck)} stuck thread(s): {', '.join(t.name for t in stuck)}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status["code"])
