"""Fixtures for the incidents domain: the seeded Samarinda world, a controllable clock, and small
helpers that go through the real services (never by setting fields on models)."""

from unittest import mock

import pytest
from django.core.cache import cache

from dispatch112.models import User
from incidents.models import Incident
from incidents.services import IncidentInput, call_log, incident_dispatch
from tests.incidents.helpers import CITY_CENTRE, START, Clock, World


@pytest.fixture(autouse=True)
def _clear_default_cache():
    # The root conftest clears the cache too; kept here so this folder never depends on it (the
    # region info is cached, and on Redis the cache outlives a rolled-back test transaction).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def clock():
    # The services call `timezone.now()` through the module attribute, so patching it freezes them.
    frozen = Clock(START)
    with mock.patch("django.utils.timezone.now", new=frozen):
        yield frozen


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """dispatch112.demo.seed_core(): Samarinda's wilayah, agencies, categories, demo posts and users."""
    from dispatch112.demo import seed_core

    # seed_core resets the region cache on commit; run those hooks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        seed_core()
    users = {u.username: u for u in User.objects.filter(username__in=["operator", "supervisor", "admin", "damkar", "bpbd"])}
    return World(
        operator=users["operator"],
        supervisor=users["supervisor"],
        admin=users["admin"],
        damkar_staff=users["damkar"],
        bpbd_staff=users["bpbd"],
    )


@pytest.fixture
def new_incident(world):
    """Log an emergency call that opens a new incident; returns the incident (fresh from the DB)."""

    def make(category="kebakaran", point=CITY_CENTRE, *, by=None, caller_number="", caller_name="", **fields):
        latitude, longitude = point if point is not None else (None, None)
        call = call_log(
            by=by or world.operator,
            outcome="emergency",
            caller_number=caller_number,
            caller_name=caller_name,
            new_incident=IncidentInput(category=world.category(category), latitude=latitude, longitude=longitude, **fields),
        )
        return Incident.objects.get(pk=call.incident_id)

    return make


@pytest.fixture
def dispatched(world, new_incident):
    """An incident dispatched to its category's default agencies; returns (incident, assignments)."""

    def make(category="kebakaran", point=CITY_CENTRE, *, by=None, **fields):
        incident = new_incident(category, point, **fields)
        agencies = list(world.category(category).default_agencies.order_by("code"))
        assignments = incident_dispatch(incident=incident, agencies=agencies, by=by or world.operator)
        return Incident.objects.get(pk=incident.pk), assignments

    return make
