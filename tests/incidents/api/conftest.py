"""Fixtures for the API tests: the seeded Samarinda world, a frozen clock, and clients per role.

Self-contained on purpose: the fixtures of tests/incidents/ are shadowed here (same names) so that
these tests read the same whichever way that folder evolves.
"""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.incidents.api.support import START, Clock


@pytest.fixture(autouse=True)
def _clear_cache():
    # The region info (bounds, reference prefix) is cached; on Redis the cache outlives the
    # rolled-back test transaction, so a stale entry would leak from one test to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def clock():
    """Time stands still at 10:00 WITA on Friday 27 November 2026 until a test moves it.

    Services, events, sessions and auto_now fields all read django.utils.timezone.now."""
    frozen = Clock(START)
    with mock.patch("django.utils.timezone.now", new=frozen):
        yield frozen


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """dispatch112.demo.seed_core(): Samarinda's wilayah, 10 agencies with posts, 14 categories,
    the demo users (operator, operator2, supervisor, admin, one OPD user per agency code)."""
    from dispatch112.demo import seed_core
    from dispatch112.models import User
    from incidents.models import Agency, IncidentCategory

    # seed_core resets the region cache on commit; run those hooks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        seed_core()
    return SimpleNamespace(
        users={u.username: u for u in User.objects.all()},
        agencies={a.code: a for a in Agency.objects.all()},
        categories={c.code: c for c in IncidentCategory.objects.all()},
    )


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
def operator(client_for):
    return client_for("operator")


@pytest.fixture
def anonymous(world):
    return APIClient()
