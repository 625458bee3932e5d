"""The consoles' live stream: one WebSocket per console, joined to the groups its role may see.

Protocol (JSON):
  client → {"type": "resume", "last_id": N}   replay what this user may see since N, then live
  server → {"type": "event", "id", "kind", "incident", "at", "actor", "data"}
  server → {"type": "resumed", "last_id": M}  replay done
  server → {"type": "reload"}                 gap too old to replay: fetch state from the API
  server → {"type": "hello", "role", "last_id"}
The Event table is the truth; the channel layer only rings the doorbell.

A consumer has no channel-layer channel of its own: it registers with its process's hub
(dispatch112.fanout), which receives each message once and hands it to `deliver()`.
"""

import asyncio
import collections
import json
import logging
import random
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user
from django.db.models import Q
from django.utils import timezone

from dispatch112 import fanout, idle, publisher
from dispatch112.events import CONSOLE_GROUP, agency_group
from dispatch112.models import Event
from dispatch112.roles import CONSOLE_ROLES, Role, roles_of

logger = logging.getLogger(__name__)

# Postgres ids can commit out of order: replay from a little before the client's last id and let
# the client drop what it already has.
REPLAY_WINDOW_IDS = 200
REPLAY_LIMIT = 2000
MAX_EVENT_ID = 2**63 - 1  # bigint: a larger last_id is no id this server ever sent
SENT_IDS_KEPT = 5000  # per connection, to send each event once however it comes
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_LAYER_UNAVAILABLE = 4503  # the channel layer failed: reconnect (with backoff) and resume


def user_group(user_id):
    return f"user-{user_id}"


def _session_user(store):
    """The user of a stored session, read as a request would (a logout or a removed role shows)."""

    class _Request:
        session = store

    user = get_user(_Request())
    return user, roles_of(user) if user.is_authenticated else set()


def _allowed(user, roles, *, user_pk, agency_id):
    if not user.is_authenticated or user.pk != user_pk:
        return False
    if agency_id is None:
        return bool(roles & set(CONSOLE_ROLES))
    return Role.OPD_STAFF in roles and user.agency_id == agency_id


ROW_FIELDS = ("id", "kind", "incident_id", "created_at", "payload")


def _visible_since(since_id, agency_id):
    events = Event.objects.filter(id__gt=max(since_id - REPLAY_WINDOW_IDS, 0)).order_by("id")
    if agency_id is not None:
        events = events.filter(
            Q(audience=agency_group(agency_id))
            | Q(audience="incident", incident__assignments__agency_id=agency_id)
        ).distinct()
    return events


def _newest_id():
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


@database_sync_to_async
def _replay(since_id, agency_id):
    """The events since `since_id` (less the window) this console may see, and the newest event id."""
    newest = _newest_id()
    rows = list(_visible_since(since_id, agency_id).values(*ROW_FIELDS)[: REPLAY_LIMIT + 1])
    return rows, newest


def _unsent(since_id, agency_id, *, above, sent, settled_before):
    """Like _replay, for the catch-up: ids first, rows only for those not sent (mostly none).
    Only events written before `settled_before`: a younger one's push may still be on its way,
    and sending it from here as well would only double the work when the server is busiest."""
    settled = Event.objects.filter(created_at__lt=settled_before)
    newest = settled.order_by("-id").values_list("id", flat=True).first() or 0
    ids = list(_visible_since(since_id, agency_id).filter(created_at__lt=settled_before).values_list("id", flat=True)[: REPLAY_LIMIT + 1])
    missing = [i for i in ids if i > above and i not in sent]
    rows = list(Event.objects.filter(id__in=missing).order_by("id").values(*ROW_FIELDS)) if missing and len(ids) <= REPLAY_LIMIT else []
    return rows, newest, len(ids) > REPLAY_LIMIT


ENDED, FORBIDDEN = "ended", "forbidden"


@database_sync_to_async
def _recheck(scope, session_key, *, user_pk, agency_id, catch_up):
    """A console's periodic check, in one thread hop and one read of its session: ENDED (idle,
    logged out), FORBIDDEN (another user now, or a role or agency it no longer has), or what the
    catch-up found (_unsent)."""
    store = idle.socket_store(scope)
    if idle.socket_store_ended(store):
        return ENDED
    user, roles = _session_user(store or idle.session_store(session_key))
    if not _allowed(user, roles, user_pk=user_pk, agency_id=agency_id):
        return FORBIDDEN
    return _unsent(**catch_up)


def _event_message(row, *, replayed):
    """The message for an event read from the table: the same as its push (events.message_for)."""
    return {
        "type": "event",
        "id": row["id"],
        "kind": row["kind"],
        "incident": row["incident_id"],
        "at": row["created_at"].isoformat(),
        "actor": row["payload"].get("actor_name"),
        "data": row["payload"],
        "replayed": replayed,
    }


@database_sync_to_async
def _last_event_id():
    return _newest_id()


class ConsoleConsumer(AsyncWebsocketConsumer):
    recheck_seconds = 30
    catch_up_grace_seconds = 5  # the catch-up leaves events younger than this to their push
    # No layer of its own (get_channel_layer of an unknown alias is None): channels then starts no
    # per-consumer layer channel and receive; the hub receives for the whole process.
    channel_layer_alias = "none: dispatch112.fanout receives for the process"
    hub = None
    # Hub messages wait here while the console must not be sent them yet (before its hello, during
    # a replay), then go out in order; None: sent at once.
    held = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave_hub()  # also when the server cancels the consumer without a disconnect

    async def connect(self):
        publisher.register_server_loop(asyncio.get_running_loop())
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or await idle.socket_session_ended(self.scope):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        roles = await database_sync_to_async(roles_of)(user)
        if roles & set(CONSOLE_ROLES):
            self.agency_id = None
            groups = [CONSOLE_GROUP]
        elif Role.OPD_STAFF in roles and user.agency_id:
            self.agency_id = user.agency_id
            groups = [agency_group(user.agency_id)]
        else:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.session_key = self.scope["session"].session_key
        groups.append(user_group(user.pk))
        self.sent_ids, self.sent_order = set(), collections.deque()
        self.held = []
        try:
            self.hub = await fanout.join(self, groups)
        except fanout.LayerUnavailable as error:
            logger.warning("channel layer unavailable (%s): console refused with 4503", error)
            # Accepted to say why: the client reconnects with backoff and resumes from the table.
            await self.accept()
            await self.close(code=CLOSE_LAYER_UNAVAILABLE)
            return
        await self.accept()
        role = next((r for r in Role if r in roles), None)
        # Everything committed up to here is in the table; what commits later is pushed (from here
        # the catch-up looks for pushes that never came).
        self.caught_up_to = self.catch_up_floor = await _last_event_id()
        await self.send_json({"type": "hello", "role": role, "last_id": self.caught_up_to})
        await self._release_held()
        self.recheck = asyncio.get_running_loop().create_task(self._recheck_access())

    async def disconnect(self, code):
        if getattr(self, "recheck", None):
            self.recheck.cancel()
        await self._leave_hub()

    async def _leave_hub(self):
        hub, self.hub = self.hub, None
        if hub is not None:
            await hub.leave(self)

    # --- from the hub -------------------------------------------------------------------------

    async def deliver(self, messages, text=None):
        """Layer messages of this console's groups, in order (called by the hub, in its task).
        `text`: the one frame carrying them all, when they are all pushed events."""
        if self.held is not None:
            self.held.extend(messages)
            return
        if text is not None and all(m.get("type") == "event.push" and m.get("id") not in self.sent_ids for m in messages):
            for message in messages:
                self._remember_sent(message["id"])
            await self.send(text_data=text)
            return
        for message in messages:
            await self._handle(message)

    async def _handle(self, message):
        handler = {"event.push": self.event_push, "session.end": self.session_end}.get(message.get("type"))
        if handler is not None:
            await handler(message)

    async def _release_held(self):
        # Sending does not wait on a socket (the server buffers), but a delivery that comes while
        # one is sent is appended here and still goes out in order.
        while self.held:
            await self._handle(self.held.pop(0))
        self.held = None

    async def layer_failed(self):
        await self.close(code=CLOSE_LAYER_UNAVAILABLE)

    async def _recheck_access(self):
        """A console whose session ended or whose role was removed is disconnected; one that
        stays is sent what the channel layer failed to bring it."""
        try:
            # The first check at a random point of the interval: consoles that connected together
            # (all of them, after a restart) would otherwise check together, every interval, and
            # each such wave held up the intakes of its moment (bench/load.py).
            await asyncio.sleep(self.recheck_seconds * random.random())
            while True:
                found = await _recheck(self.scope, self.session_key, user_pk=self.user.pk, agency_id=self.agency_id, catch_up=self._catch_up_query())
                if found == ENDED:
                    await self.close(code=CLOSE_UNAUTHENTICATED)
                    return
                if found == FORBIDDEN:
                    await self.close(code=CLOSE_FORBIDDEN)
                    return
                await self._send_unsent(*found)
                await asyncio.sleep(self.recheck_seconds)
        except asyncio.CancelledError:
            pass

    def _catch_up_query(self):
        # A layer drops messages without telling anyone: a full channel (a console that fell
        # behind under load), or Redis lost or restarted while this socket stayed open. The table
        # has them: send what this console may see, since the last check, that it was not sent.
        # Not what came before this console's stream began, unless it asked for it (resume).
        settled_before = timezone.now() - timedelta(seconds=self.catch_up_grace_seconds)
        return {
            "since_id": self.caught_up_to, "agency_id": self.agency_id, "above": self.catch_up_floor,
            "sent": frozenset(self.sent_ids), "settled_before": settled_before,
        }  # fmt: skip

    async def _send_unsent(self, rows, newest, too_many):
        if too_many:
            await self.send_json({"type": "reload"})
        for row in rows:
            if row["id"] not in self.sent_ids:  # a push may have come meanwhile
                await self._send_event(_event_message(row, replayed=True))
        self.caught_up_to = max(self.caught_up_to, newest)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self.send_json({"type": "error", "detail": "malformed JSON"})
            return
        if not isinstance(message, dict):
            await self.send_json({"type": "error", "detail": "expected a JSON object"})
            return
        if message.get("type") == "resume":
            await self._resume(message.get("last_id"))
        elif message.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "detail": "unknown message type"})

    async def _resume(self, last_id):
        # bool is an int to Python (True would resume from 1).
        if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id <= MAX_EVENT_ID:
            await self.send_json({"type": "error", "detail": "last_id must be a non-negative integer"})
            return
        # Live pushes wait until the replay is sent: an older replayed snapshot must not land on
        # a newer pushed one.
        self.held = self.held if self.held is not None else []
        try:
            await self._replay_since(last_id)
        finally:
            await self._release_held()

    async def _replay_since(self, last_id):
        rows, newest = await _replay(last_id, self.agency_id)
        if len(rows) > REPLAY_LIMIT or last_id > newest:
            # Too much to replay, or an id this database never wrote (restored or reset since the
            # console loaded): its state is no base to replay onto; it reloads from the API.
            await self.send_json({"type": "reload"})
            return
        self.catch_up_floor = min(self.catch_up_floor, max(last_id - REPLAY_WINDOW_IDS, 0))
        # Asked for: sent again even if this connection sent it before (a console that reloaded
        # its state replays onto it).
        for row in rows:
            await self._send_event(_event_message(row, replayed=True))
        self.caught_up_to = max(self.caught_up_to, newest)
        await self.send_json({"type": "resumed", "last_id": rows[-1]["id"] if rows else last_id})

    async def event_push(self, message):
        if message.get("id") in self.sent_ids:
            return  # the catch-up sent it already
        if "text" in message:
            self._remember_sent(message["id"])
            await self.send(text_data=message["text"])
            return
        await self._send_event({**{k: v for k, v in message.items() if k not in ("type", "group")}, "type": "event"})

    def _remember_sent(self, event_id):
        if event_id not in self.sent_ids:
            self.sent_ids.add(event_id)
            self.sent_order.append(event_id)
            if len(self.sent_order) > SENT_IDS_KEPT:
                self.sent_ids.discard(self.sent_order.popleft())

    async def _send_event(self, message):
        self._remember_sent(message["id"])
        await self.send_json(message)

    async def session_end(self, message):
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, default=str, separators=(",", ":")))
