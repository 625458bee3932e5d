"""The process's fan-out hub: ONE channel-layer channel per process, shared by all its consoles.

Each console used to have a layer channel of its own, joined to its groups: an event for the
`console` group became one layer message per console, and every console waited in its own
`layer.receive()`. At 500 consoles that per-console receive (with channels_redis a shared lock,
a buffer and two tasks re-created per message, and a database-connection check per dispatch) was
most of the process's CPU. Worse, channels_redis keeps the receive machinery of its "!" channels
(`receive_lock`, `receive_clean_locks`, the loop they belong to) once per process, shared by every
consumer: cancelling a consumer's `receive()` — what a consumer does on disconnect, and what
`asyncio.run` does to every task when a loop ends — could leave that state held or bound to the old
loop, and the next loop's consumers hung on it (the 300 s hang in CI's consumer tests).

So: the hub joins each group once for the whole process (counted: the first console of a group
adds it, the last one discards it), receives each message once on a plain channel name of its own
(no "!", so none of that shared state), and hands it to the local consoles of the message's group.
Publishers name the group in the message (`addressed()`): a channel joined to several groups cannot
otherwise tell which group a message came through.

Its receive loop is never cancelled by a console: when the last console leaves, the hub sends itself
a stop message and its loop ends on it. If the layer fails (Redis down), the hub closes its consoles
with 4503: they reconnect and resume from the Event table, which is the truth anyway.

Under load the hub sends batches: it sends at most every BATCH_INTERVAL_SECONDS, and what arrived
meanwhile goes out as ONE frame per console (`{"type": "events", "events": [...]}`) instead of one
frame per event. The cost of a push is almost all per frame (a write system call per socket, the
reactor's bookkeeping; the framing itself is shared, dispatch112/frames.py), so at 500 consoles a
frame per event is what limits the rate. A lone event after a quiet spell still goes out on its own
frame at once; events written together (a call and its incident) go out together. A pass over the
consoles gives the event loop back every SLICE_SECONDS: the process's API requests need it too.

One hub per event loop: daphne runs one; tests run a loop per `async_to_sync` call, and an
in-memory layer only delivers on the loop that receives.
"""

import asyncio
import logging
import time
import uuid

from channels.layers import get_channel_layer

from dispatch112.frames import SharedText

logger = logging.getLogger(__name__)

STOP = "fanout.stop"
# A message that arrives to an idle hub waits this long for the ones written with it (the events
# of one transaction are published back to back) before the hub sends.
LINGER_SECONDS = 0.005
# The hub sends at most this often: what arrives meanwhile is one batch. An event that comes after
# a quiet spell goes out at once; under load (20 calls a second) each console gets 5 frames a
# second instead of one per transaction, which is what its frames cost (bench/load.py).
BATCH_INTERVAL_SECONDS = 0.2
# ...and after a send that took longer than that, it waits as long again: the fan-out takes at most
# half of the process, and the API requests and console handshakes of the same process the rest
# (under load, sending sooner would only make smaller batches, more frames, and slower intake).
BUSY_SHARE_WAIT = 1.0
# A pass over the consoles gives the event loop back this often: the loop also carries the API
# requests of the process (each hops between it and a worker thread several times), and a pass over
# 500 consoles held it for 100 ms and more, which every request waiting on a hop then waited too.
SLICE_SECONDS = 0.004
# channels_redis forgets a group member after `group_expiry` (a day by default): a quiet agency
# group would silently stop pushing. The hub adds its groups again well before that.
REFRESH_FRACTION = 0.25


class LayerUnavailable(Exception):
    """The channel layer could not be reached (Redis down)."""


class _Stopped(Exception):
    """The hub stopped (its last console left) while a console waited to join: take a new one."""


def batch_text(messages):
    """One frame for several pushed events (each carries its serialised `text`)."""
    return '{"type":"events","events":[' + ",".join(m["text"] for m in messages) + "]}"


def frame_text(messages):
    """The one frame carrying these messages, when they are all pushed events (each carries its
    serialised `text`), shared by every console that gets the same list; else None."""
    if not all("text" in m for m in messages):
        return None
    return SharedText(messages[0]["text"] if len(messages) == 1 else batch_text(messages))


def addressed(group, message):
    """The message as sent to `group`: the hub routes it by this key."""
    return {**message, "group": group}


BATCH = "fanout.batch"


def addressed_batch(group, messages):
    """Several messages for `group` as one layer message (the events of one transaction)."""
    if len(messages) == 1:
        return addressed(group, messages[0])
    return {"type": BATCH, "group": group, "messages": messages}


async def group_send(group, message, layer=None):
    await (layer or get_channel_layer()).group_send(group, addressed(group, message))


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel = f"fanout.{uuid.uuid4().hex}"
        self.members = {}  # group → {consumer: None} (a dict: ordered, for a stable delivery order)
        self.closed = False
        self._membership = asyncio.Lock()  # group_add/discard of concurrent connects stay counted
        self._receiver = None
        self._sender = None
        self._refresher = None
        self._pending = []  # received, not yet handed to the consoles
        self._wakeup = asyncio.Event()

    # --- consoles join and leave ------------------------------------------------------------

    async def join(self, consumer, groups):
        async with self._membership:
            if self.closed:
                raise _Stopped
            try:
                for group in groups:
                    if group not in self.members:
                        await self.layer.group_add(group, self.channel)
                        self.members[group] = {}
                    self.members[group][consumer] = None
            except Exception as error:
                self._forget(consumer)
                raise LayerUnavailable(str(error)) from error
            if self._receiver is None:
                loop = asyncio.get_running_loop()
                self._receiver = loop.create_task(self._receive_loop(), name=f"fanout receive {self.channel}")
                self._sender = loop.create_task(self._send_loop(), name=f"fanout send {self.channel}")
                expiry = getattr(self.layer, "group_expiry", None)
                if expiry:
                    self._refresher = loop.create_task(self._refresh_groups(expiry * REFRESH_FRACTION))

    async def leave(self, consumer):
        async with self._membership:
            emptied = self._forget(consumer)
            if self.closed:
                return
            for group in emptied:
                try:
                    await self.layer.group_discard(group, self.channel)
                except Exception:  # noqa: BLE001 — the membership expires by itself
                    logger.warning("could not leave group %s; it expires by itself", group)
            if not self.members:
                await self._stop()

    def has(self, consumer):
        return any(consumer in members for members in self.members.values())

    def _forget(self, consumer):
        emptied = []
        for group, members in list(self.members.items()):
            if members.pop(consumer, False) is None and not members:
                del self.members[group]
                emptied.append(group)
        return emptied

    async def _stop(self):
        self.closed = True
        self._wakeup.set()  # the sender sends what is pending, then ends
        _discard(self)
        if self._refresher is not None:
            self._refresher.cancel()  # a sleep; the receive loop itself is stopped by a message
        if self._receiver is not None:
            try:
                await self.layer.send(self.channel, {"type": STOP})
            except Exception:  # noqa: BLE001 — the receive fails on the same layer and ends the loop
                logger.warning("could not send the stop message to hub %s", self.channel)

    # --- the one receive loop ---------------------------------------------------------------

    async def _receive_loop(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception as error:  # noqa: BLE001 — any layer failure: the consoles resume elsewhere
                if not self.closed:
                    logger.warning("channel layer failed (%r): closing %d consoles with 4503", error, len(self._consumers()))
                    await self._fail()
                return
            if message.get("type") == STOP:
                self._wakeup.set()  # the sender sends what is pending, then ends
                return
            if message.get("type") == BATCH:
                self._pending.extend(addressed(message["group"], m) for m in message["messages"])
            else:
                self._pending.append(message)
            self._wakeup.set()

    async def _send_loop(self):
        loop = asyncio.get_running_loop()
        next_send = loop.time()
        while True:
            await self._wakeup.wait()
            # What comes within the linger, or before the next send is due, goes out together.
            await asyncio.sleep(max(LINGER_SECONDS, next_send - loop.time()))
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if batch:
                started = loop.time()
                await self._deliver(batch)
                took = loop.time() - started
                next_send = started + max(BATCH_INTERVAL_SECONDS, took * (1 + BUSY_SHARE_WAIT))
            if self.closed and not self._pending:
                return

    async def _deliver(self, batch):
        # Each console gets the messages of its groups, in order; consoles with the same list share
        # one frame text. A copy of the members: a console may leave while the others are sent to.
        per_consumer = {}
        for message in batch:
            for consumer in list(self.members.get(message.get("group"), ())):
                per_consumer.setdefault(consumer, []).append(message)
        texts = {}
        loop = asyncio.get_running_loop()
        slice_end = loop.time() + SLICE_SECONDS
        for consumer, messages in per_consumer.items():
            if loop.time() >= slice_end:
                await asyncio.sleep(0)
                slice_end = loop.time() + SLICE_SECONDS
            key = tuple(map(id, messages))
            if key not in texts:
                texts[key] = frame_text(messages)
            try:
                await consumer.deliver(messages, texts[key])
            except Exception:  # noqa: BLE001 — one broken socket must not keep the messages from the others
                logger.exception("delivery of %s to a console failed", [m.get("id") for m in messages])

    async def _fail(self):
        self.closed = True
        self._wakeup.set()  # the sender ends
        _discard(self)
        if self._refresher is not None:
            self._refresher.cancel()
        consumers = self._consumers()
        self.members = {}
        for consumer in consumers:
            try:
                await consumer.layer_failed()
            except Exception:  # noqa: BLE001
                logger.exception("could not close a console after the layer failed")

    def _consumers(self):
        return list({c: None for members in self.members.values() for c in members})

    async def _refresh_groups(self, interval):
        while True:
            await asyncio.sleep(interval)
            started = time.monotonic()
            for group in list(self.members):
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:  # noqa: BLE001 — the receive loop notices a dead layer
                    logger.warning("could not refresh group %s", group)
            logger.debug("refreshed %d groups in %.3f s", len(self.members), time.monotonic() - started)


_hubs = {}  # event loop → its running hub


def _discard(hub):
    for loop, running in list(_hubs.items()):
        if running is hub:
            del _hubs[loop]


def current():
    """This loop's hub (started by the first console that joins)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.closed:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub


async def join(consumer, groups):
    """Register `consumer` for `groups`; returns the hub it must leave. Raises LayerUnavailable."""
    while True:
        hub = current()
        try:
            await hub.join(consumer, groups)
            return hub
        except _Stopped:
            continue
