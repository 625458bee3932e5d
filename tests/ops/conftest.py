"""Fixtures of the operations tests: the demo world (wilayah, agencies, categories, one user per
role) and what happens in it, always through the services."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from dispatch112.models import User
from incidents.services import IncidentInput, call_log
from tests.incidents.helpers import World

CITY_CENTRE = (Decimal("-0.502200"), Decimal("117.153600"))
METRICS_TOKEN = "test-metrics-token-0123456789"


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def seed_world():
    from dispatch112.demo import seed_core

    seed_core()
    users = {u.username: u for u in User.objects.filter(username__in=["operator", "supervisor", "admin", "damkar", "bpbd"])}
    return World(
        operator=users["operator"], supervisor=users["supervisor"], admin=users["admin"], damkar_staff=users["damkar"], bpbd_staff=users["bpbd"]
    )


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    # seed_core resets the region cache on commit; run those hooks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        return seed_world()


def log_emergency(world, *, caller_number="", caller_name="", category="kebakaran", by=None):
    """An emergency call that opens an incident, as the operator console logs it."""
    return call_log(
        by=by or world.operator,
        outcome="emergency",
        caller_number=caller_number,
        caller_name=caller_name,
        new_incident=IncidentInput(category=world.category(category), latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1]),
    )


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    return METRICS_TOKEN


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def clock_at():
    """Freezes the time at the test's start; `clock_at(minutes_ago=10)` moves it back from there."""
    start = timezone.now()
    frozen = Clock(start)

    def set_to(*, minutes_ago):
        frozen.now = start - timedelta(minutes=minutes_ago)

    with mock.patch("django.utils.timezone.now", new=frozen):
        yield set_to
