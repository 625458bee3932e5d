"""Sessions kept in the database and read through the cache (Django's cached_db), that keep
working when the cache (Redis) is down.

Every request reads its session. From PostgreSQL that is a query and a model per request, the
largest single part of an API request's CPU under load (bench/load.py, py-spy): cached_db reads it
from Redis instead, and the database stays the truth (every write goes to both). Django's cached_db
survives a failed cache read, but not the cache write that follows the database read, nor a failed
cache delete at logout: with Redis down every request would fail, and intake must not depend on
Redis (tests/faults). Here the database answers whenever the cache cannot.

A write or a delete the cache missed (Redis unreachable for a moment, not restarted: a restarted
Redis keeps nothing) would leave an old copy there; each copy lives at most CACHE_SECONDS, so such a
copy (a logged-out session, an older idle stamp) is forgotten within that.
"""

import contextlib
import logging

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


class SessionStore(cached_db.SessionStore):
    def _cache_seconds(self, expiry=None):
        return max(0, min(CACHE_SECONDS, self.get_expiry_age(expiry=expiry) if expiry else self.get_expiry_age()))

    def _cache_set(self, data, seconds):
        try:
            self._cache.set(self.cache_key, data, seconds)
        except Exception as error:  # noqa: BLE001 — the database has it
            logger.warning("session cache unavailable (%r): the session is read from the database", error)

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 — unreachable, or a key the cache refuses: ask the database
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self._cache_seconds(stored.expire_date))
        return data

    def exists(self, session_key):
        with contextlib.suppress(Exception):
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        return DatabaseStore.exists(self, session_key)

    def save(self, must_create=False):
        DatabaseStore.save(self, must_create)
        self._cache_set(self._session, self._cache_seconds())

    def delete(self, session_key=None):
        DatabaseStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception as error:  # noqa: BLE001 — the database row is gone; the copy expires
            logger.warning("session cache unavailable (%r): a deleted session's copy expires within %d s", error, CACHE_SECONDS)

    # The async API (the async views' `request.auser()`) takes the same paths.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create=False):
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        await sync_to_async(self.delete)(session_key)
