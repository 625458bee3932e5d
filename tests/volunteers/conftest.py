"""Fixtures of the relawan tests: Samarinda's wilayah, agencies, categories and one user per role
(without the demo roster: these tests build the volunteers they reason about), a frozen clock,
clients per role, what was pushed live, and a real HTTP server playing an SMS provider.

Self-contained on purpose: other folders' fixtures may change, these tests read the same.
"""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.volunteers.provider import ProviderServer
from tests.volunteers.support import START, Clock


@pytest.fixture(autouse=True)
def _clear_cache():
    # The region info is cached; on Redis the cache outlives a rolled-back test transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English, so assertions read the msgids (pages choose their language
    per request)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def eager_tasks():
    """Celery tasks run in-process, as in the embedded default, on PostgreSQL + Redis too (no worker
    runs beside the tests). test_outbox's worker tests switch this off to see the broker path."""
    from dispatch112.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def clock():
    """10:00 WITA on Friday 27 November 2026, standing still until the test moves it."""
    frozen = Clock(START)
    with mock.patch("django.utils.timezone.now", new=frozen):
        yield frozen


def build_world():
    """Wilayah, agencies, categories, role groups and one user per role; no volunteers."""
    from django.contrib.auth.models import Group

    from dispatch112.demo import DEMO_AGENCIES, wilayah_file_for
    from dispatch112.models import User
    from dispatch112.roles import Role, ensure_role_groups
    from dispatch112.wilayah import import_wilayah_csv
    from incidents.demo import seed_categories_and_posts
    from incidents.models import Agency

    ensure_role_groups()
    import_wilayah_csv(text=wilayah_file_for("64.72").read_text(encoding="utf-8"))
    agencies = {}
    for code, name, kind, phone in DEMO_AGENCIES:
        agencies[code], _ = Agency.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "phone": phone})
    seed_categories_and_posts()
    users = {}
    for username, role, agency in [
        ("operator", Role.OPERATOR, None),
        ("operator2", Role.OPERATOR, None),
        ("supervisor", Role.SUPERVISOR, None),
        ("admin", Role.ADMIN, None),
        ("damkar", Role.OPD_STAFF, agencies["damkar"]),
        ("pln", Role.OPD_STAFF, agencies["pln"]),
    ]:
        user = User.objects.create(username=username, first_name=username.capitalize(), agency=agency)
        user.set_password(f"{username}-pw-112")
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return SimpleNamespace(users=users, agencies=agencies)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_world()


@pytest.fixture
def client_for(world):
    """client_for("operator") → an APIClient logged in (session) as that user."""
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
    """Messages handed to the channel layer, as (groups, message)."""
    sent = []
    with mock.patch("dispatch112.publisher.submit", new=lambda groups, message: sent.append((list(groups), message))):
        yield sent


@pytest.fixture
def provider():
    """A real HTTP server on 127.0.0.1 playing an SMS/WhatsApp provider."""
    server = ProviderServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http_gateway(settings, provider):
    settings.MESSAGING_GATEWAY = "http"
    settings.MESSAGING_HTTP_URL = provider.url("/send")
    settings.MESSAGING_HTTP_AUTH_HEADER = "Authorization: Bearer test-token-112"
    settings.MESSAGING_HTTP_TIMEOUT_SECONDS = 1
    settings.MESSAGING_HTTP_PAYLOAD_TEMPLATE = '{"to": "{to}", "text": "{body}", "type": "{channel}", "ref": "{key}"}'
    settings.MESSAGING_HTTP_CONTENT_TYPE = "application/json"
    settings.MESSAGING_HTTP_PROVIDER_ID_FIELD = "data.id"
    return provider
