"""The process's fan-out hub (dispatch112.fanout) through the real ASGI application: one layer
channel per process whatever the number of consoles, each message received once and handed to the
consoles of its group only; a failed layer closes the consoles with 4503 and they resume from the
table; consoles connecting and going away across event loops on the Redis layer never hang."""

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels_redis.core import RedisChannelLayer

from dispatch112 import consumers, fanout
from dispatch112.models import User
from tests.live.support import wait_for
from tests.live.test_consumer import QUIET, _probe, connected, events_until_quiet, events_of, new_incident, run, session_of, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_layer(private_redis, monkeypatch):
    """channels_redis on a private redis-server (a test may stop it), as the default layer."""
    layer = RedisChannelLayer(hosts=[{"address": private_redis.url, "socket_timeout": 30, "socket_connect_timeout": 2}], prefix="d112hub", capacity=1500, expiry=30)
    monkeypatch.setitem(channel_layers.backends, "default", layer)
    return layer


async def channels_in(layer, group):
    """The layer channels joined to `group` (one per process with the hub)."""
    if isinstance(layer, RedisChannelLayer):
        return [c.decode() for c in await layer.connection(0).zrange(layer._group_key(group), 0, -1)]
    return list(layer.groups.get(group, {}))


def counting_receives(layer, monkeypatch):
    received = []
    receive = layer.receive

    async def counted(channel):
        message = await receive(channel)
        received.append(message)
        return message

    monkeypatch.setattr(layer, "receive", counted)
    return received


@pytest.mark.parametrize("layer_kind", ["configured", "redis"])
def test_the_hub_receives_each_message_once_and_hands_it_to_the_consoles_of_its_group(world, layer_kind, request, monkeypatch):
    layer = request.getfixturevalue("redis_layer") if layer_kind == "redis" else get_channel_layer()
    received = counting_receives(layer, monkeypatch)
    operators = ["operator", "operator2", "supervisor", "admin"]
    keys = {name: session_of(world.users[name]) for name in [*operators, "damkar", "bpbd"]}
    damkar, bpbd = world.agency("damkar"), world.agency("bpbd")

    async def scenario():
        consoles = {name: [await connected(keys[name]) for _ in range(2)] for name in keys}  # two tabs each
        hub = fanout.current()
        assert await channels_in(layer, "console") == [hub.channel]
        assert await channels_in(layer, f"agency-{damkar}") == [hub.channel]
        assert len(hub.members["console"]) == 2 * len(operators)

        await fanout.group_send("console", _probe(1), layer)
        await fanout.group_send(f"agency-{damkar}", _probe(2), layer)
        for name in operators:
            for console in consoles[name]:
                assert [m["id"] for m in await events_until_quiet(console)] == [1]
        for console in consoles["damkar"]:
            assert [m["id"] for m in await events_until_quiet(console)] == [2]
        for console in consoles["bpbd"]:
            assert await console.receive_nothing(timeout=QUIET)
        # Ten consoles were sent probe 1, two probe 2: the layer carried each once.
        assert [m["id"] for m in received] == [1, 2]

        # A real event for Damkar: the operators and Damkar's two tabs, never BPBD.
        incident = await new_incident(world)
        await database_sync_to_async(consumers_dispatch)(world, incident)
        dispatched = [i for i, kind in await events_of(incident) if kind in ("assignment.created", "incident.status_changed")]
        for console in consoles["damkar"] + consoles["operator"]:
            got = [m["id"] for m in await events_until_quiet(console) if m.get("kind") in ("assignment.created", "incident.status_changed")]
            assert got == dispatched
        for console in consoles["bpbd"]:
            assert await console.receive_nothing(timeout=QUIET)

        # Leaving is counted: the group stays while one console of it is left, then goes.
        await consoles["bpbd"][0].disconnect()
        assert await channels_in(layer, f"agency-{bpbd}") == [hub.channel]
        await consoles["bpbd"][1].disconnect()
        assert await channels_in(layer, f"agency-{bpbd}") == []
        for name in operators + ["damkar"]:
            for console in consoles[name]:
                await console.disconnect()
        assert await channels_in(layer, "console") == []
        assert hub.closed  # the last console stopped it (a stop message, not a cancel)
        await asyncio.wait_for(asyncio.shield(hub._receiver), 5)
        assert not hub._receiver.cancelled()

    run(scenario)


def consumers_dispatch(world, incident):
    from incidents.models import Agency
    from incidents.services import incident_dispatch

    incident_dispatch(incident=incident, agencies=[Agency.objects.get(code="damkar")], by=world.users["operator"])


def test_a_failed_layer_closes_the_consoles_with_4503_and_they_resume_what_was_written_meanwhile(world, redis_layer, private_redis):
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar")}

    async def scenario():
        operator, damkar = await connected(keys["operator"]), await connected(keys["damkar"])
        first = await new_incident(world)
        seen = [m["id"] for m in await events_until_quiet(operator)]
        assert seen == [i for i, _ in await events_of(first)]

        await sync_to_async(private_redis.stop)()
        try:
            for console in (operator, damkar):
                assert await console.receive_output(timeout=10) == {"type": "websocket.close", "code": consumers.CLOSE_LAYER_UNAVAILABLE}
            # A console that connects while Redis is down is told the same, not left deaf.
            retry = socket(keys["operator"])
            assert (await retry.connect())[0]
            assert await retry.receive_output(timeout=10) == {"type": "websocket.close", "code": consumers.CLOSE_LAYER_UNAVAILABLE}
            # Written while Redis is down: the change succeeds, its push is lost.
            second = await new_incident(world)
            await database_sync_to_async(consumers_dispatch)(world, second)
        finally:
            # In the test's own thread: the server dies with the thread that started it, and this
            # loop's thread ends with the scenario.
            await sync_to_async(private_redis.start)()

        written_meanwhile = await events_of(second)
        for name, expected in (("operator", written_meanwhile), ("damkar", [e for e in written_meanwhile if e[1] != "call.logged"])):
            again = await connected(keys[name])
            await again.send_json_to({"type": "resume", "last_id": seen[-1]})
            messages = await events_until_quiet(again)
            assert messages[-1]["type"] == "resumed"
            # The replay also repeats a window before the id (late commits); the client drops those.
            replayed = [(m["id"], m["kind"]) for m in messages if m["type"] == "event" and m["id"] > seen[-1]]
            assert replayed == expected, name
            await again.disconnect()
        # And live again through the new Redis.
        live = await connected(keys["operator"])
        third = await new_incident(world)
        assert [m["id"] for m in await events_until_quiet(live)] == [i for i, _ in await events_of(third)]
        await live.disconnect()

    run(scenario)


@pytest.mark.timeout(90)  # the bug this guards against hung for 300 s
def test_consoles_come_and_go_across_event_loops_on_the_redis_layer_without_hanging(world, redis_layer):
    # Each `run` is a new event loop, as each request of a test or each restart of a server. Some
    # consoles disconnect, one is refused, one is still open when its loop ends (its task is
    # cancelled, as at a server shutdown): the next loop's consoles must still connect, receive and
    # leave, and no loop's teardown may wait on a lock of another.
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar")}
    stranger = User.objects.create_user(username="tamu", password="x")
    refused_key = session_of(stranger)

    async def one_loop(n):
        operator, damkar = await connected(keys["operator"]), await connected(keys["damkar"])
        refused = socket(refused_key)
        assert await refused.connect() == (False, consumers.CLOSE_FORBIDDEN)
        await fanout.group_send("console", _probe(n), redis_layer)
        assert (await operator.receive_json_from(timeout=5))["id"] == n
        await operator.disconnect()
        if n % 2:
            await damkar.disconnect()
        # else: left open; asyncio cancels it when the loop ends

    for n in range(1, 9):

        async def scenario(n=n):
            await one_loop(n)

        run(scenario)
    wait_for(lambda: not [h for h in fanout._hubs.values() if not h.closed and h.members], timeout=5, message="no hub left with members")


@pytest.mark.parametrize("layer_kind", ["configured", "redis"])
def test_a_burst_goes_out_in_batch_frames_in_order_and_a_lone_event_on_its_own_frame(world, layer_kind, request, monkeypatch):
    layer = request.getfixturevalue("redis_layer") if layer_kind == "redis" else get_channel_layer()
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar")}
    damkar = world.agency("damkar")
    # Each delivery slowed down: what arrives meanwhile must gather into the next frame.
    deliver = consumers.ConsoleConsumer.deliver

    async def slow_deliver(self, messages, text=None):
        await asyncio.sleep(0.05)
        await deliver(self, messages, text)

    monkeypatch.setattr(consumers.ConsoleConsumer, "deliver", slow_deliver)

    def event(n):
        message = {"type": "event.push", "id": n, "kind": "probe", "incident": None, "actor": None, "at": "", "data": {}}
        return {**message, "text": json.dumps({**message, "type": "event"}, separators=(",", ":"))}

    async def frames_until_quiet(console):
        frames = []
        while not await console.receive_nothing(timeout=QUIET):
            frames.append(await console.receive_json_from())
        return frames

    async def scenario():
        operator, staff = await connected(keys["operator"]), await connected(keys["damkar"])
        # A lone event: its own frame, the same as ever.
        await fanout.group_send("console", event(1), layer)
        assert [f["id"] for f in await frames_until_quiet(operator)] == [1]
        # A burst of 30 for the consoles and 10 for Damkar, interleaved.
        for n in range(2, 42):
            await fanout.group_send(f"agency-{damkar}" if n % 4 == 0 else "console", event(n), layer)
        frames = await frames_until_quiet(operator)
        ids = [e["id"] for f in frames for e in (f["events"] if f["type"] == "events" else [f])]
        assert ids == [n for n in range(2, 42) if n % 4], ids  # every one, once, in order, none of Damkar's
        assert len(frames) < len(ids) / 2, [len(f.get("events", [f])) for f in frames]
        assert all(e["type"] == "event" for f in frames if f["type"] == "events" for e in f["events"])
        staff_ids = [e["id"] for f in await frames_until_quiet(staff) for e in (f["events"] if f["type"] == "events" else [f])]
        assert staff_ids == [n for n in range(2, 42) if n % 4 == 0]
        await operator.disconnect()
        await staff.disconnect()

    run(scenario)


@pytest.mark.parametrize("layer_kind", ["configured", "redis"])
def test_the_events_of_one_transaction_go_to_the_layer_as_one_message_per_group(layer_kind, request):
    # The commit hooks of one transaction submit its events one after another; the publisher sends
    # what it has gathered as one layer message per group, in the order written, and the hub's
    # consoles then get them in one frame.
    from dispatch112 import publisher

    layer = request.getfixturevalue("redis_layer") if layer_kind == "redis" else get_channel_layer()

    def event(n):
        return {"type": "event.push", "id": n, "kind": "probe", "text": f'{{"type":"event","id":{n}}}'}

    async def scenario():
        # Plain names, as the hub's: a "!" channel would use channels_redis's per-process receive state.
        console, agency = f"probe.console.{uuid.uuid4().hex}", f"probe.agency.{uuid.uuid4().hex}"
        await layer.group_add("console", console)
        await layer.group_add("agency-7", agency)
        try:
            # Submitted on the running loop: both are queued before the publisher's task runs.
            publisher.submit(["console", "agency-7"], event(1))
            publisher.submit(["console"], event(2))
            to_console = await asyncio.wait_for(layer.receive(console), 5)
            to_agency = await asyncio.wait_for(layer.receive(agency), 5)
        finally:
            await layer.group_discard("console", console)
            await layer.group_discard("agency-7", agency)
        assert to_console["type"] == fanout.BATCH and to_console["group"] == "console"
        assert [m["id"] for m in to_console["messages"]] == [1, 2]
        assert to_agency["type"] == "event.push" and to_agency["id"] == 1 and to_agency["group"] == "agency-7"
        assert fanout.batch_text(to_console["messages"]) == '{"type":"events","events":[{"type":"event","id":1},{"type":"event","id":2}]}'

    asyncio.run(scenario())


class _SlowConsole:
    def __init__(self, log, name):
        self.log, self.name = log, name

    async def deliver(self, messages, text=None):
        self.log.append(self.name)


def _pass_over(consoles, slice_seconds, monkeypatch):
    """The order in which the hub's pass over `consoles` consoles and a ticking task ran."""
    monkeypatch.setattr(fanout, "SLICE_SECONDS", slice_seconds)
    log = []

    async def scenario():
        hub = fanout.Hub(layer=None)
        hub.members["console"] = {_SlowConsole(log, "console"): None for _ in range(consoles)}
        stop = asyncio.Event()

        async def tick():
            while not stop.is_set():
                log.append("tick")
                await asyncio.sleep(0)

        ticker = asyncio.get_running_loop().create_task(tick())
        await asyncio.sleep(0)
        log.clear()
        await hub._deliver([{"type": "event.push", "id": 1, "group": "console", "text": "{}"}])
        stop.set()
        await ticker

    asyncio.run(scenario())
    return log


def test_a_pass_over_many_consoles_gives_the_event_loop_back_between_slices(monkeypatch):
    # Each slice is at least one console: with no time to spare the loop runs between every two.
    order = _pass_over(5, 0.0, monkeypatch)
    assert order.count("console") == 5
    assert not any(a == b == "console" for a, b in zip(order, order[1:]))
    # With time to spare the pass is one slice: nothing runs in between.
    order = _pass_over(5, 60.0, monkeypatch)
    first = order.index("console")
    assert order[first : first + 5] == ["console"] * 5


def test_the_hub_sends_at_most_once_per_batch_interval_and_at_once_after_a_quiet_spell(monkeypatch):
    monkeypatch.setattr(fanout, "BATCH_INTERVAL_SECONDS", 0.3)
    frames = []

    class Console:
        async def deliver(self, messages, text=None):
            frames.append((asyncio.get_running_loop().time(), [m["id"] for m in messages]))

    async def scenario():
        loop = asyncio.get_running_loop()
        hub = fanout.Hub(layer=None)
        hub.members["console"] = {Console(): None}
        sender = loop.create_task(hub._send_loop())

        def arrive(event_id):
            hub._pending.append({"type": "event.push", "id": event_id, "group": "console", "text": "{}"})
            hub._wakeup.set()

        start = loop.time()
        arrive(1)
        await asyncio.sleep(0.05)
        arrive(2)  # within the interval of the first send: waits for it, with the next one
        await asyncio.sleep(0.05)
        arrive(3)
        await asyncio.sleep(0.6)  # a quiet spell
        quiet = loop.time()
        arrive(4)
        await asyncio.sleep(0.1)
        hub.closed = True
        hub._wakeup.set()
        await asyncio.wait_for(sender, 2)
        return start, quiet

    start, quiet = asyncio.run(scenario())
    assert [ids for _at, ids in frames] == [[1], [2, 3], [4]]
    assert frames[0][0] - start < 0.1  # at once (after the short linger)
    assert frames[1][0] - frames[0][0] >= 0.3
    assert frames[2][0] - quiet < 0.1
