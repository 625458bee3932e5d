"""Fixtures for the intake tests: the incidents folder's seeded Samarinda world and frozen clock,
and API clients for the PBX/gateway machine account (`pbx`, made by seed_core) and for people."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from dispatch112.demo import TELEPHONY_USERNAME
from dispatch112.models import User
from tests.incidents.conftest import clock, new_incident, world  # noqa: F401 — shared fixtures


@pytest.fixture(autouse=True)
def english():
    """The assertions read the English messages; the Indonesian catalogue is tested where it shows
    (the browser tests, the Indonesian error texts)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def pbx_user(world):
    return User.objects.get(username=TELEPHONY_USERNAME)


@pytest.fixture
def pbx_client(pbx_user):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=pbx_user).key}", HTTP_ACCEPT_LANGUAGE="en")


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator_client(world):
    return _logged_in(world.operator)


@pytest.fixture
def opd_client(world):
    return _logged_in(world.damkar_staff)
