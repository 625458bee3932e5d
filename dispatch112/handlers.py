"""Django's ASGI handler, with a sync view's request run in ONE worker-thread hop.

Under ASGI Django runs its middleware chain in async mode. Our middleware are sync (as most are),
so a request hops from the event loop into a worker thread for them, back to the event loop for
the chain's inner `_get_response_async`, and into the thread again for the (sync) view; each hop
back waits its turn on the event loop. In a daphne process that loop also sends every console its
frames (dispatch112.fanout), so under load an API request waited on a busy loop several times over
(bench/load.py: intake p99 > 1 s). Here a request for a sync view runs the whole chain and the view
in one hop, as it would under WSGI. A request for an async view (the CCTV streams) keeps Django's
async chain: it must not hold a thread for as long as the stream runs.
"""

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.urls import Resolver404, resolve


def is_async_view(path):
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self._sync_handler = BaseHandler()
        self._sync_handler.load_middleware(is_async=False)

    async def get_response_async(self, request):
        if is_async_view(request.path_info):
            return await super().get_response_async(request)
        # thread_sensitive: the thread of this request's ThreadSensitiveContext (Django's
        # __call__), the one its request_started/finished receivers run in, with its database
        # connection.
        return await sync_to_async(self._sync_handler.get_response, thread_sensitive=True)(request)


def get_asgi_application():
    """django.core.asgi.get_asgi_application with this handler."""
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
