"""Fixtures of the CCTV tests: the seeded Samarinda world, a controllable clock, clients per role,
a real HTTP server standing in for cameras, and what was pushed live.

Self-contained on purpose: other folders' fixtures may change, these tests read the same.
"""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.cctv.feedserver import FeedServer
from tests.cctv.support import START, Clock


@pytest.fixture(autouse=True)
def _clear_cache():
    # The region info (bounds used to validate camera points) is cached; on Redis the cache
    # outlives a rolled-back test transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English, so assertions read the msgids (pages and the API choose their
    language per request, from the user's switch)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    """Time stands still at 10:00 WITA on Friday 27 November 2026 until the test moves it."""
    frozen = Clock(START)
    with mock.patch("django.utils.timezone.now", new=frozen):
        yield frozen


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """seed_core(): Samarinda's wilayah, the demo users and the 30 demo cameras."""
    from dispatch112.demo import seed_core
    from dispatch112.models import User

    with django_capture_on_commit_callbacks(execute=True):
        seed_core()
    return SimpleNamespace(users={u.username: u for u in User.objects.all()})


@pytest.fixture
def client_for(world):
    """client_for("operator") → an APIClient logged in (session) as that demo user."""
    clients = {}

    def make(username):
        if username not in clients:
            client = APIClient()
            client.force_login(world.users[username])
            clients[username] = client
        return clients[username]

    return make


@pytest.fixture
def pushed():
    """Messages handed to the channel layer (dispatch112.publisher.submit), as (groups, message)."""
    sent = []
    with mock.patch("dispatch112.publisher.submit", new=lambda groups, message: sent.append((list(groups), message))):
        yield sent


@pytest.fixture
def feed_server():
    """A real HTTP server on 127.0.0.1 playing cameras: good, slow, broken, password-protected."""
    server = FeedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fast_probes(settings):
    settings.CCTV_PROBE_TIMEOUT_SECONDS = 1
    settings.CCTV_FEED_TIMEOUT_SECONDS = 1
    settings.CCTV_OFFLINE_AFTER_FAILURES = 2
    return settings


# --- the browser ---------------------------------------------------------------------------------------

VIEWPORT = {"width": 1366, "height": 768}  # the supervisors' desktop screens


@pytest.fixture
def page(browser):
    """A supervisor's browser in Samarinda, with map tiles unreachable (as on this machine, and in
    a center whose internet is down): tile requests are aborted and counted."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(15_000)
    blocked = []

    def block(route):
        blocked.append(route.request.url)
        route.abort()

    context.route("**/tile.openstreetmap.org/**", block)
    opened = context.new_page()
    opened.blocked_tiles = blocked
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves test-artifacts/name.png (gitignored) for a person to look at."""
    from tests.conftest import REPO_ROOT

    folder = REPO_ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)

    def take(name):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take


@pytest.fixture
def demo(transactional_db):
    """The demo world, committed: the live server answers from another thread."""
    from dispatch112.demo import seed_core
    from dispatch112.models import User

    cache.clear()
    seed_core()
    return SimpleNamespace(users={u.username: u for u in User.objects.all()})
