import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch112.settings")
# A daphne process runs its event loop (the consoles' frames) and its requests (worker threads)
# under one GIL. A request thread back from each database round trip waits until the busy loop
# thread lets go of the GIL: at most the switch interval, 5 ms by default, paid for every query of
# an intake. 1 ms lowered the intake p99 under load (bench/load.py, bench/RESULTS.md); 0.5 ms cost
# more in switching than it saved.
SWITCH_INTERVAL_SECONDS = 0.001
sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)

from dispatch112.handlers import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.middleware import TwoFactorScopeMiddleware  # noqa: E402
from dispatch112.frames import PreparedSend  # noqa: E402
from dispatch112.routing import websocket_urlpatterns  # noqa: E402
from dispatch112.wssession import WebsocketAuthMiddlewareStack  # noqa: E402
from ops.metrics import WebsocketMetrics  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": PreparedSend(
            WebsocketMetrics(AllowedHostsOriginValidator(WebsocketAuthMiddlewareStack(TwoFactorScopeMiddleware(URLRouter(websocket_urlpatterns)))))
        ),
    }
)

# The URL conf (and with it every view module) is otherwise imported by the first request: load it
# now, so that it is part of what heap.settle() puts out of the collector's sight.
from django.urls import get_resolver  # noqa: E402

from dispatch112 import heap  # noqa: E402

get_resolver().url_patterns  # noqa: B018
heap.settle()
