"""One frame text for many consoles, framed once (daphne + autobahn).

The hub (dispatch112.fanout) sends the same text to hundreds of consoles. Through ASGI each send
is a message dict, a coroutine in daphne, a UTF-8 encoding and a WebSocket framing, per console.
autobahn, daphne's WebSocket layer, can frame a message once and write the same bytes to many
connections (its broadcast API, PreparedMessage). `SharedText` is such a text: a str, so any ASGI
server and every middleware take it as one. `PreparedSend`, the outermost ASGI middleware of the
websocket routes, writes a SharedText straight to daphne's autobahn protocol, framed once for
all; under any other server, and for every other message, it passes the message on unchanged.
"""

import functools


class SharedText(str):
    """A frame text sent to many consoles; framed the first time it is sent under daphne."""

    def prepared(self):
        try:
            return self._prepared
        except AttributeError:
            from autobahn.websocket.protocol import PreparedMessage

            # Text, unmasked (server to client), never compressed (daphne negotiates no compression).
            self._prepared = PreparedMessage(self.encode(), False, False, True)
            return self._prepared


def autobahn_protocol(send):
    """The autobahn protocol behind daphne's ASGI `send` (partial(Server.handle_reply, protocol)), or None."""
    if isinstance(send, functools.partial) and getattr(send.func, "__name__", "") == "handle_reply" and send.args:
        protocol = send.args[0]
        if hasattr(protocol, "sendPreparedMessage") and hasattr(protocol, "STATE_OPEN"):
            return protocol
    return None


class PreparedSend:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        protocol = autobahn_protocol(send) if scope["type"] == "websocket" else None
        if protocol is None:
            return await self.inner(scope, receive, send)

        async def prepared_send(message):
            text = message.get("text")
            # Only on an open socket; daphne's own path handles (or drops) the rest as it always does.
            if isinstance(text, SharedText) and message["type"] == "websocket.send" and protocol.state == protocol.STATE_OPEN:
                protocol.sendPreparedMessage(text.prepared())
                return
            await send(message)

        return await self.inner(scope, receive, prepared_send)
