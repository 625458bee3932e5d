"""Delivering committed events to the channel layer without blocking the writer.

Each event loop gets one queue drained by one task, so a request's events reach the layer in the
order they were written, and every send reuses that loop's layer connections (channels_redis
keeps its connection pool per loop: a fresh loop per message would mean a fresh connection).

Which loop: the web server's, when the write happens in a request thread (asgiref knows it) or in
the embedded scheduler inside the server process — the in-memory layer only works on the loop its
consumers run on; otherwise one long-lived background loop (Celery workers, management commands).
"""

import asyncio
import logging
import threading

from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer

from dispatch112.fanout import addressed_batch

logger = logging.getLogger(__name__)

_queues = {}
_lock = threading.Lock()
_server_loop = None
_background_loop = None


def register_server_loop(loop):
    """Called by the consumers: the loop the web server runs on, for writers outside requests."""
    global _server_loop
    _server_loop = loop


def _usable(loop):
    return loop is not None and loop.is_running() and not loop.is_closed()


def _background():
    global _background_loop
    with _lock:
        if not _usable(_background_loop):
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="event-publisher", daemon=True).start()
            ready.wait(5)
            _background_loop = loop
        return _background_loop


def _choose_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    request_loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if _usable(request_loop):
        return request_loop
    if _usable(_server_loop):
        return _server_loop
    return _background()


# The events of one transaction are submitted one after another as its commit hooks run: waiting
# this long for the rest lets them travel as one layer message per group.
GATHER_SECONDS = 0.002


async def _drain(queue):
    layer = get_channel_layer()
    while True:
        items = [await queue.get()]
        await asyncio.sleep(GATHER_SECONDS)
        while not queue.empty():
            items.append(queue.get_nowait())
        per_group = {}  # in the order written, per group
        for groups, message, _done in items:
            for group in groups:
                per_group.setdefault(group, []).append(message)
        for group, messages in per_group.items():
            try:
                # Named in the message: each process's hub receives it on one channel for all
                # its groups and routes it to the consoles of this one (dispatch112.fanout).
                await layer.group_send(group, addressed_batch(group, messages))
            except Exception:  # noqa: BLE001 — consumers resume from the Event table
                logger.exception("push of events %s to %s failed; consoles will replay them", [m.get("id") for m in messages], group)
        for _groups, _message, done in items:
            if done is not None:
                done.set()


def submit(groups, message, *, done=None):
    loop = _choose_loop()

    def enqueue():
        queue = _queues.get(loop)
        if queue is None:
            queue = _queues[loop] = asyncio.Queue()
            loop.create_task(_drain(queue))
        queue.put_nowait((groups, message, done))

    if loop is _running_loop_or_none():
        enqueue()
    else:
        loop.call_soon_threadsafe(enqueue)


def _running_loop_or_none():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def flush(timeout=5):
    """Wait until what this thread submitted so far has been handed to the layer (tests, benches)."""
    done = threading.Event()
    submit([], {"id": None}, done=done)
    return done.wait(timeout)
