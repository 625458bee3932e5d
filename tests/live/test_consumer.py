"""The console socket (ws/events/) through the real ASGI application, with channels' WebsocketCommunicator:
who may connect, which groups each role joins, what is pushed and replayed to whom, and what a
malformed message gets. The writes go through the real services and really commit."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from dispatch112 import consumers, fanout
from dispatch112.asgi import application
from dispatch112.models import Event, User
from incidents.models import Agency, Incident, IncidentCategory
from incidents.services import IncidentInput, assignment_acknowledge, call_log, incident_dispatch
from tests.live.expect import resume_visible

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = 0.3  # seconds a socket must stay silent to count as "received nothing"


def run(scenario):
    """Drive an async scenario from the test; its database calls run in this thread."""
    return async_to_sync(scenario)()


def session_of(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(session_key=None, origin="http://127.0.0.1"):
    headers = [(b"origin", origin.encode())]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, "/ws/events/", headers=headers)


async def connected(session_key):
    """An accepted socket, its hello read."""
    communicator = socket(session_key)
    accepted, code = await communicator.connect()
    assert accepted, f"refused with {code}"
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return communicator


async def next_event(communicator, timeout=2):
    """The first event of the next frame (a batch frame carries several)."""
    message = await communicator.receive_json_from(timeout=timeout)
    return message["events"][0] if message.get("type") == "events" else message


async def events_until_quiet(communicator):
    """Every message until the socket stays quiet; the events of a batch frame one by one."""
    received = []
    while not await communicator.receive_nothing(timeout=QUIET):
        message = await communicator.receive_json_from()
        received.extend(message["events"] if message.get("type") == "events" else [message])
    return received


@database_sync_to_async
def new_incident(world, category="kebakaran", **fields):
    call = call_log(
        by=world.users["operator"],
        outcome="emergency",
        caller_number="081234567890",
        caller_name="Siti Aminah",
        new_incident=IncidentInput(category=IncidentCategory.objects.get(code=category), latitude=-0.5022, longitude=117.1536, **fields),
    )
    return Incident.objects.get(pk=call.incident_id)


@database_sync_to_async
def dispatch(world, incident, *codes):
    return incident_dispatch(incident=incident, agencies=list(Agency.objects.filter(code__in=codes).order_by("code")), by=world.users["operator"])


@database_sync_to_async
def events_of(incident):
    return list(Event.objects.filter(incident=incident).order_by("id").values_list("id", "kind"))


# --- who may connect ----------------------------------------------------------------------------


def test_anonymous_socket_is_refused_with_4401(world):
    async def scenario():
        communicator = socket()
        assert await communicator.connect() == (False, consumers.CLOSE_UNAUTHENTICATED)

    run(scenario)


@pytest.mark.parametrize("kind", ["no role", "OPD staff without an agency"])
def test_socket_of_a_user_without_a_console_role_is_refused_with_4403(world, kind):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username="tamu", password="x")
    if kind == "OPD staff without an agency":
        user.groups.add(Group.objects.get(name="opd_staff"))
    key = session_of(user)

    async def scenario():
        communicator = socket(key)
        assert await communicator.connect() == (False, consumers.CLOSE_FORBIDDEN)

    run(scenario)


def test_socket_opened_from_another_site_is_refused(world):
    key = session_of(world.users["operator"])

    async def scenario():
        communicator = socket(key, origin="https://evil.example")
        accepted, _ = await communicator.connect()
        assert not accepted

    run(scenario)


# --- groups by role -----------------------------------------------------------------------------


def _probe(n):
    return {"type": "event.push", "id": n, "kind": "probe", "incident": None, "actor": None, "at": "", "data": {}}


def test_operator_joins_the_console_group_and_no_agency_group(world):
    key = session_of(world.users["operator"])
    damkar = world.agency("damkar")

    async def scenario():
        layer = get_channel_layer()
        operator = await connected(key)
        await fanout.group_send(f"agency-{damkar}", _probe(1), layer)
        assert await operator.receive_nothing(timeout=QUIET)
        await fanout.group_send("console", _probe(2), layer)
        assert (await operator.receive_json_from())["id"] == 2
        await operator.disconnect()

    run(scenario)


def test_damkar_staff_join_only_the_damkar_agency_group(world):
    key = session_of(world.users["damkar"])
    damkar, bpbd = world.agency("damkar"), world.agency("bpbd")

    async def scenario():
        layer = get_channel_layer()
        staff = await connected(key)
        await fanout.group_send("console", _probe(1), layer)
        await fanout.group_send(f"agency-{bpbd}", _probe(2), layer)
        assert await staff.receive_nothing(timeout=QUIET)
        await fanout.group_send(f"agency-{damkar}", _probe(3), layer)
        assert (await staff.receive_json_from())["id"] == 3
        await staff.disconnect()

    run(scenario)


# --- what is pushed to whom ----------------------------------------------------------------------


def test_assignment_event_for_damkar_reaches_the_operator_and_damkar_and_never_bpbd(world):
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar", "bpbd")}

    async def scenario():
        operator, damkar, bpbd = [await connected(keys[n]) for n in ("operator", "damkar", "bpbd")]
        incident = await new_incident(world)
        assert [e["kind"] for e in await events_until_quiet(operator)] == ["incident.created", "call.logged"]
        assert await damkar.receive_nothing(timeout=QUIET)  # not theirs yet

        await dispatch(world, incident, "damkar")

        to_operator = await events_until_quiet(operator)
        to_damkar = await events_until_quiet(damkar)
        assert [e["kind"] for e in to_operator] == ["assignment.created", "incident.status_changed"]
        assert to_damkar == to_operator
        created = to_damkar[0]
        assert created["data"]["assignment"]["agency"]["code"] == "damkar"
        assert created["data"]["incident"]["status"] == "new" and to_damkar[1]["data"]["incident"]["status"] == "dispatched"
        assert [e["id"] for e in to_damkar] == [i for i, _ in (await events_of(incident))[-2:]]
        # Agencies never get the caller's identity.
        assert "Siti" not in json.dumps(to_damkar) and "081234567890" not in json.dumps(to_damkar)
        assert await bpbd.receive_nothing(timeout=QUIET)
        # A replay carries the same message as the push did, less the moment the push left.
        await damkar.send_json_to({"type": "resume", "last_id": created["id"] - 1})
        replayed = await events_until_quiet(damkar)
        again = [{**m, "replayed": None} for m in replayed if m.get("id") in {e["id"] for e in to_damkar}]
        assert all("committed_at" in m for m in to_damkar) and not any("committed_at" in m for m in again)
        assert again == [{**{k: v for k, v in m.items() if k != "committed_at"}, "replayed": None} for m in to_damkar]
        for communicator in (operator, damkar, bpbd):
            await communicator.disconnect()

    run(scenario)


def test_a_rolled_back_change_is_never_pushed(world):
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar")}

    @database_sync_to_async
    def dispatch_in_a_transaction_that_fails(incident):
        with pytest.raises(RuntimeError), transaction.atomic():
            incident_dispatch(incident=incident, agencies=[Agency.objects.get(code="damkar")], by=world.users["operator"])
            raise RuntimeError("the request fails after the dispatch was written")

    async def scenario():
        incident = await new_incident(world)
        operator, damkar = await connected(keys["operator"]), await connected(keys["damkar"])
        before = await events_of(incident)

        await dispatch_in_a_transaction_that_fails(incident)

        assert await operator.receive_nothing(timeout=1) and await damkar.receive_nothing(timeout=QUIET)
        assert await events_of(incident) == before
        # The same change, committed, is pushed to the same sockets.
        await dispatch(world, incident, "damkar")
        assert (await next_event(operator))["kind"] == "assignment.created"
        assert (await next_event(damkar))["kind"] == "assignment.created"
        await operator.disconnect()
        await damkar.disconnect()

    run(scenario)


# --- resume -------------------------------------------------------------------------------------


def test_resume_replays_only_what_the_user_may_see(world, monkeypatch):
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar", "bpbd")}

    @database_sync_to_async
    def acknowledge(incident, code):
        assignment_acknowledge(assignment=incident.assignments.get(agency__code=code), by=world.users[code])

    @database_sync_to_async
    def all_events():
        return list(Event.objects.order_by("id").values("id", "kind", "audience", "incident_id"))

    async def scenario():
        fire = await new_incident(world)  # its history before Damkar was assigned is Damkar's to replay
        await dispatch(world, fire, "damkar", "psc119")
        await acknowledge(fire, "psc119")
        flood = await new_incident(world, "banjir")
        await dispatch(world, flood, "bpbd")
        await new_incident(world, "gangguan-air")  # nobody's but the Command Center's
        events = await all_events()

        replays = {}
        for name in keys:
            communicator = await connected(keys[name])
            await communicator.send_json_to({"type": "resume", "last_id": 0})
            messages = await events_until_quiet(communicator)
            assert messages[-1] == {"type": "resumed", "last_id": messages[-2]["id"]}
            assert all(m["replayed"] for m in messages[:-1])
            replays[name] = [m["id"] for m in messages[:-1]]
            await communicator.disconnect()

        assert replays["operator"] == [e["id"] for e in events]
        for name in ("damkar", "bpbd"):
            visible = await database_sync_to_async(resume_visible)(events, world.agency(name))
            assert replays[name] == sorted(visible), name
        damkar_kinds = [e["kind"] for e in events if e["id"] in replays["damkar"]]
        assert damkar_kinds == ["incident.created", "assignment.created", "incident.status_changed", "incident.status_changed"]
        assert not {e["id"] for e in events if e["incident_id"] == flood.pk} & set(replays["damkar"])
        assert {e["incident_id"] for e in events if e["id"] in replays["bpbd"]} == {flood.pk}

        # From a later id: what came after it, and the window before it kept for late commits.
        monkeypatch.setattr(consumers, "REPLAY_WINDOW_IDS", 2)
        # events[-4:]: the flood's dispatch (assignment.created, status_changed), the water intake.
        assert [e["kind"] for e in events[-4:]] == ["assignment.created", "incident.status_changed", "incident.created", "call.logged"]
        for name, expected in (("operator", [e["id"] for e in events[-4:]]), ("bpbd", [e["id"] for e in events[-4:-2]])):
            communicator = await connected(keys[name])
            await communicator.send_json_to({"type": "resume", "last_id": events[-3]["id"]})
            messages = await events_until_quiet(communicator)
            assert [m["id"] for m in messages[:-1]] == expected, name
            assert messages[-1] == {"type": "resumed", "last_id": expected[-1] if expected else events[-3]["id"]}
            await communicator.disconnect()

    run(scenario)


def test_resume_of_a_gap_too_old_to_replay_asks_the_console_to_reload(world, monkeypatch):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 3)
    monkeypatch.setattr(consumers, "REPLAY_WINDOW_IDS", 1)
    key = session_of(world.users["operator"])

    async def scenario():
        first = await new_incident(world)
        second = await new_incident(world)
        ids = [i for i, _ in await events_of(first) + await events_of(second)]  # four events
        operator = await connected(key)
        await operator.send_json_to({"type": "resume", "last_id": 0})
        assert await operator.receive_json_from() == {"type": "reload"}
        await operator.send_json_to({"type": "resume", "last_id": ids[2]})
        replayed = await events_until_quiet(operator)  # ids[2] is the window kept for late commits
        assert [m.get("id") for m in replayed] == [*ids[2:], None] and replayed[-1] == {"type": "resumed", "last_id": ids[3]}
        await operator.disconnect()

    run(scenario)


def test_resume_from_an_id_this_database_never_wrote_asks_the_console_to_reload(world):
    # A console that loaded before the database was restored from a backup holds ids from another
    # history: replaying onto its state would skip every event up to its id.
    key = session_of(world.users["operator"])

    async def scenario():
        await new_incident(world)
        operator = await connected(key)
        await operator.send_json_to({"type": "resume", "last_id": 10_000})
        assert await operator.receive_json_from() == {"type": "reload"}
        await operator.disconnect()

    run(scenario)


def test_malformed_messages_get_an_error_and_the_socket_keeps_working(world):
    key = session_of(world.users["operator"])

    async def scenario():
        operator = await connected(key)
        for raw in ["not json", "[1, 2]", '"resume"', "{}", '{"type": "subscribe", "group": "agency-2"}']:
            await operator.send_to(text_data=raw)
            assert (await operator.receive_json_from())["type"] == "error", raw
        await operator.send_to(bytes_data=b"\x00\x01")
        assert (await operator.receive_json_from())["type"] == "error"
        for last_id in ["7", -1, 1.5, None, True, 2**70]:
            await operator.send_json_to({"type": "resume", "last_id": last_id})
            answer = await operator.receive_json_from()
            assert answer["type"] == "error", (last_id, answer)
            assert "last_id" in answer["detail"]
        await operator.send_json_to({"type": "ping"})
        assert await operator.receive_json_from() == {"type": "pong"}
        await new_incident(world)
        assert "incident.created" in [e["kind"] for e in await events_until_quiet(operator)]
        await operator.disconnect()

    run(scenario)


def test_an_event_the_channel_layer_never_delivered_reaches_the_console_at_the_next_check(world, monkeypatch):
    # A layer drops what it cannot deliver (a full channel, Redis restarted) and says nothing; the
    # consumer checks the table on its recheck beat and sends what this console missed, once.
    from dispatch112 import events

    monkeypatch.setattr(consumers.ConsoleConsumer, "recheck_seconds", 0.3)
    monkeypatch.setattr(consumers.ConsoleConsumer, "catch_up_grace_seconds", 0.2)
    keys = {name: session_of(world.users[name]) for name in ("operator", "damkar", "bpbd")}

    @database_sync_to_async
    def dispatch_without_a_push(incident):
        with events.muted():  # written, never handed to the layer
            incident_dispatch(incident=incident, agencies=[Agency.objects.get(code="damkar")], by=world.users["operator"])

    async def scenario():
        incident = await new_incident(world)
        operator, damkar, bpbd = [await connected(keys[n]) for n in ("operator", "damkar", "bpbd")]
        missed = [i for i, _ in await events_of(incident)]
        await dispatch_without_a_push(incident)
        missed = [i for i, _ in await events_of(incident) if i not in missed]

        for communicator in (operator, damkar):
            caught_up = [await communicator.receive_json_from(timeout=2) for _ in missed]
            assert [m["id"] for m in caught_up] == missed and all(m["replayed"] for m in caught_up)
            assert caught_up[0]["data"]["assignment"]["agency"]["code"] == "damkar"
        assert await bpbd.receive_nothing(timeout=1)
        # Sent once: neither the next check nor anything else sends them again.
        assert await operator.receive_nothing(timeout=1)
        for communicator in (operator, damkar, bpbd):
            await communicator.disconnect()

    run(scenario)


def test_the_check_leaves_an_event_younger_than_the_grace_to_its_push(world, monkeypatch):
    # Under load a push may still be on its way when the check runs: the check must not send the
    # event a second time from the table (it would double the work when the server is busiest).
    from dispatch112 import events

    monkeypatch.setattr(consumers.ConsoleConsumer, "recheck_seconds", 0.2)
    monkeypatch.setattr(consumers.ConsoleConsumer, "catch_up_grace_seconds", 1.5)
    key = session_of(world.users["operator"])

    @database_sync_to_async
    def dispatch_without_a_push(incident):
        with events.muted():
            incident_dispatch(incident=incident, agencies=[Agency.objects.get(code="damkar")], by=world.users["operator"])

    async def scenario():
        incident = await new_incident(world)
        operator = await connected(key)
        before = [i for i, _ in await events_of(incident)]
        await dispatch_without_a_push(incident)
        missed = [i for i, _ in await events_of(incident) if i not in before]
        # Several checks run within the grace: none sends it.
        assert await operator.receive_nothing(timeout=1.0)
        # Once older than the grace, the next check does.
        caught_up = [await operator.receive_json_from(timeout=3) for _ in missed]
        assert [m["id"] for m in caught_up] == missed and all(m["replayed"] for m in caught_up)
        await operator.disconnect()

    run(scenario)


# --- the session ends ---------------------------------------------------------------------------


def test_logging_out_closes_the_users_consoles(world):
    client = Client()
    client.force_login(world.users["operator"])
    key = client.cookies["sessionid"].value

    async def scenario():
        operator = await connected(key)
        response = await database_sync_to_async(client.post)("/accounts/logout/")
        assert response.status_code == 302
        assert await operator.receive_output(timeout=2) == {"type": "websocket.close", "code": consumers.CLOSE_UNAUTHENTICATED}

    run(scenario)


def test_a_console_whose_role_is_removed_is_disconnected(world, monkeypatch):
    monkeypatch.setattr(consumers.ConsoleConsumer, "recheck_seconds", 0.1)
    user = world.users["damkar"]
    key = session_of(user)

    async def scenario():
        staff = await connected(key)
        assert await staff.receive_nothing(timeout=QUIET)  # still allowed: stays open
        await database_sync_to_async(user.groups.clear)()
        assert await staff.receive_output(timeout=2) == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}

    run(scenario)


def test_consoles_that_connect_together_run_their_checks_at_their_own_moments(world, monkeypatch):
    # After a restart every console reconnects at once: checking all together, every interval,
    # made a wave that held up the intakes of its moment. Each console's first check falls at a
    # random point of the interval (here: the start and nine tenths of it).
    import time
    from types import SimpleNamespace

    monkeypatch.setattr(consumers.ConsoleConsumer, "recheck_seconds", 2.0)
    phases = [0.0, 0.9]
    monkeypatch.setattr(consumers, "random", SimpleNamespace(random=lambda: phases.pop(0) if phases else 0.5))
    first_checks, recheck = {}, consumers._recheck

    async def recording(scope, session_key, **kwargs):
        first_checks.setdefault(kwargs["user_pk"], time.monotonic())
        return await recheck(scope, session_key, **kwargs)

    monkeypatch.setattr(consumers, "_recheck", recording)
    keys = [session_of(world.users[name]) for name in ("operator", "supervisor")]

    async def scenario():
        started = time.monotonic()
        communicators = [await connected(key) for key in keys]
        await asyncio.sleep(2.3)
        early, late = sorted(at - started for at in first_checks.values())
        assert early < 0.8 and late > 1.6
        for communicator in communicators:
            await communicator.disconnect()

    run(scenario)
