"""Sessions read through Redis and kept in the database (dispatch112.session_store), on a private
redis-server that the tests stop: the database answers whenever Redis cannot, and a copy in
Redis never outlives CACHE_SECONDS."""

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch112 import session_store
from dispatch112.session_store import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_sessions(settings, private_redis):
    settings.CACHES = {**settings.CACHES, "sessions": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url}}
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SESSION_ENGINE = "dispatch112.session_store"
    caches["sessions"].clear()
    yield private_redis
    if not private_redis.ping():
        private_redis.start()


def saved(**data):
    store = SessionStore()
    store.update(data)
    store.save(must_create=True)
    return store.session_key


def test_a_session_is_read_from_redis_without_a_query_and_its_copy_expires(redis_sessions):
    key = saved(shift="malam")
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load() == {"shift": "malam"}
    assert len(queries) == 0
    ttl = redis.Redis.from_url(redis_sessions.url).ttl(f":1:{SessionStore.cache_key_prefix}{key}")
    assert 0 < ttl <= session_store.CACHE_SECONDS


def test_a_logout_removes_the_session_from_both(redis_sessions):
    key = saved(**{SESSION_KEY: "7"})
    SessionStore(key).delete()
    assert SessionStore(key).load() == {}
    assert not SessionStore().exists(key)


def test_with_redis_down_sessions_are_read_written_and_deleted_in_the_database(redis_sessions):
    key = saved(shift="pagi")
    redis_sessions.stop()
    store = SessionStore(key)
    assert store.load() == {"shift": "pagi"}  # from the database
    store["shift"] = "siang"
    store.save()
    assert SessionStore(key).load() == {"shift": "siang"}
    assert SessionStore().exists(key)
    other = saved(shift="malam")  # a login while Redis is down
    SessionStore(other).delete()  # and a logout
    assert SessionStore(other).load() == {}

    redis_sessions.start()  # back, empty: the database's latest is read and cached again
    assert SessionStore(key).load() == {"shift": "siang"}
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load() == {"shift": "siang"}
    assert len(queries) == 0


def test_a_logged_in_request_is_served_while_redis_is_down(redis_sessions, world):
    from django.test import Client

    client = Client()
    client.force_login(world.users["operator"])
    assert client.get("/api/v1/incidents/").status_code == 200
    redis_sessions.stop()
    assert client.get("/api/v1/incidents/").status_code == 200
    redis_sessions.start()
    assert client.get("/api/v1/incidents/").status_code == 200
