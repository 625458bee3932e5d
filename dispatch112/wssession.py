"""The websocket side of channels' AuthMiddlewareStack, without its per-frame session check.

channels' SessionMiddleware wraps `send` to save a modified session on an HTTP response; on a
websocket it never saves (no message is an HTTP response), yet it reads the lazy session twice for
every frame sent. A console receives several frames a second from the fan-out hub, and under load
that check was ~8% of the web process (py-spy, bench/load.py). The consoles only read the session,
so their frames go straight to the server.
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware


class WebsocketSessionMiddleware(SessionMiddleware):
    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await super().__call__(scope, receive, send)
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def WebsocketAuthMiddlewareStack(inner):  # noqa: N802 — named like channels' AuthMiddlewareStack
    return CookieMiddleware(WebsocketSessionMiddleware(AuthMiddleware(inner)))
