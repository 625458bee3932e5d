import logging
import re
import time
import uuid

from django.conf import settings

from ops import logs, metrics, views

access_log = logging.getLogger("ops.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or a client's id is kept if it is a plain token; anything else (too long, spaces,
# quotes, newlines that would forge a log line) is replaced by our own.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
PROBE_PATHS = frozenset({views.HEALTH_PATH, views.METRICS_PATH})


class RequestContextMiddleware:
    """First in the chain: gives the request its id (echoed in the response), makes it and the
    user known to every log line written meanwhile, counts and times it for /metrics, and writes
    one access line (not for the probes, which come every few seconds)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        context = logs.RequestContext(request_id, request)
        token = logs.bind(context)
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            view = _view_label(request)
            metrics.observe_request(view=view, method=request.method, status=response.status_code, seconds=seconds)
            response[REQUEST_ID_HEADER] = request_id
            if request.path not in PROBE_PATHS:
                access_log.info(
                    "%s %s %s %.0fms",
                    request.method,
                    request.path,
                    response.status_code,
                    seconds * 1000,
                    extra={"method": request.method, "path": request.path, "status": response.status_code, "duration_ms": round(seconds * 1000, 1), "view": view},
                )
            return response
        finally:
            logs.unbind(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Every process_request has run by now (authentication included); resolving the user
        # costs the session read the view makes anyway.
        context = logs.current()
        user = getattr(request, "user", None)
        if context is not None and context.request is request and user is not None and user.is_authenticated:
            context.session_user_id = user.pk
        return None


def _view_label(request):
    explicit = getattr(request, "ops_view", None)
    if explicit:
        return explicit
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match._func_path


class ProbeMiddleware:
    """Answers the load balancer and Prometheus before the rest of the chain.

    They come by a container's address, which is not in ALLOWED_HOSTS, over plain HTTP, which the
    production profile would redirect to HTTPS, and carry no session. A request that does carry a
    session cookie (the supervisor's header asking for details) goes on through the full chain
    to the same view, with host validation, HTTPS and authentication as for any page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == views.HEALTH_PATH and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            request.ops_view = "healthz"
            return views.health(request)
        if request.path == views.METRICS_PATH:
            request.ops_view = "metrics"
            return views.metrics_view(request)
        return self.get_response(request)
