"""Fixtures of the integrations tests: the seeded Samarinda world and its incident helpers (from
the incidents tests, through the real services), a frozen clock, clients per role, what was
pushed live, and real HTTP peers (an agency's system, a hazard feed)."""

from unittest import mock

import pytest
from rest_framework.test import APIClient

from tests.incidents.conftest import clock, dispatched, new_incident, world  # noqa: F401 — fixtures
from tests.integrations.peers import AgencyServer, FeedServer


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client_for(world):
    """client_for(user) → an APIClient logged in (session) as that user."""

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def pushed():
    """Messages handed to the channel layer, as (groups, message)."""
    sent = []
    with mock.patch("dispatch112.publisher.submit", new=lambda groups, message: sent.append((list(groups), message))):
        yield sent


@pytest.fixture
def agency_server():
    server = AgencyServer(secret="rahasia-damkar-112")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def to_damkar(world, new_incident):
    """An incident dispatched to Damkar alone; returns (incident, assignment)."""
    from incidents.services import incident_dispatch

    def make(category="kebakaran", **fields):
        incident = new_incident(category, **fields)
        (assignment,) = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
        incident.refresh_from_db()
        return incident, assignment

    return make
