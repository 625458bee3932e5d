"""Shared frames: the hub's frame text is framed once and written to every daphne socket as the
same bytes; anything else, or any other server, goes through the plain ASGI send."""

import asyncio
import functools
import json

from dispatch112 import fanout
from dispatch112.frames import PreparedSend, SharedText, autobahn_protocol


class FakeProtocol:
    """What PreparedSend uses of daphne's WebSocketProtocol (an autobahn protocol)."""

    STATE_OPEN = 1
    STATE_CLOSED = 3

    def __init__(self, state=STATE_OPEN):
        self.state = state
        self.prepared = []

    def sendPreparedMessage(self, prepared):  # noqa: N802 — autobahn's name
        self.prepared.append(prepared)


def daphne_send(protocol, sent):
    # daphne hands the application partial(Server.handle_reply, protocol).
    async def handle_reply(protocol, message):
        sent.append(message)

    return functools.partial(handle_reply, protocol)


def run_app(app, send, messages):
    async def inner(scope, receive, send):
        for message in messages:
            await send(message)

    asyncio.run(app(inner)({"type": "websocket"}, None, send))


def test_a_shared_text_is_framed_once_as_one_unmasked_text_frame():
    text = SharedText('{"type":"event","id":7,"data":"Kebakaran di Sungai Pinang — ' + "x" * 200 + '"}')
    payload = text.encode()
    prepared = text.prepared()
    assert text.prepared() is prepared
    assert prepared.payloadHybi == bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload
    assert text == str(text) and json.loads(text)["id"] == 7  # still a plain str to everyone else


def test_under_daphne_shared_texts_go_out_prepared_and_everything_else_through_asgi():
    protocol, sent = FakeProtocol(), []
    shared = SharedText('{"type":"event","id":1}')
    messages = [
        {"type": "websocket.accept"},
        {"type": "websocket.send", "text": shared},
        {"type": "websocket.send", "text": '{"type":"hello"}'},
        {"type": "websocket.send", "text": shared},
        {"type": "websocket.close", "code": 1000},
    ]
    run_app(PreparedSend, daphne_send(protocol, sent), messages)
    assert [p is shared.prepared() for p in protocol.prepared] == [True, True]
    assert sent == [messages[0], messages[2], messages[4]]


def test_a_socket_that_is_not_open_gets_the_plain_send():
    protocol, sent = FakeProtocol(state=FakeProtocol.STATE_CLOSED), []
    message = {"type": "websocket.send", "text": SharedText("{}")}
    run_app(PreparedSend, daphne_send(protocol, sent), [message])
    assert protocol.prepared == [] and sent == [message]


def test_under_another_server_every_message_goes_through_asgi():
    sent = []

    async def send(message):
        sent.append(message)

    message = {"type": "websocket.send", "text": SharedText("{}")}
    assert autobahn_protocol(send) is None
    run_app(PreparedSend, send, [message])
    assert sent == [message]


def test_the_hub_shares_one_frame_text_per_list_of_events():
    one, two = {"type": "event.push", "id": 1, "text": '{"id":1}'}, {"type": "event.push", "id": 2, "text": '{"id":2}'}
    lone = fanout.frame_text([one])
    assert isinstance(lone, SharedText) and lone == '{"id":1}'
    batch = fanout.frame_text([one, two])
    assert isinstance(batch, SharedText) and json.loads(batch) == {"type": "events", "events": [{"id": 1}, {"id": 2}]}
    assert fanout.frame_text([one, {"type": "session.end"}]) is None  # not all events: each is handled


def test_daphnes_own_send_is_recognised_as_an_autobahn_protocol():
    # The real classes, not the fake above: if daphne renamed its reply method or autobahn its
    # broadcast API, every frame would silently take the slow path.
    from daphne.server import Server
    from daphne.ws_protocol import WebSocketProtocol

    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])  # not started
    protocol = WebSocketProtocol()
    assert autobahn_protocol(functools.partial(server.handle_reply, protocol)) is protocol
    assert autobahn_protocol(functools.partial(server.handle_reply, object())) is None
