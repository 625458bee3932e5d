"""/healthz and /metrics: thin over ops.health and ops.metrics.

Both are usually answered by ops.middleware.ProbeMiddleware before sessions and host checks; a
/healthz request with a session cookie comes here through the URL conf like any page.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dispatch112.roles import Role, has_role
from ops import health as health_checks
from ops import metrics

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _bearer_token_matches(request):
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


def _from_allowed_network(request):
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def _may_see_details(request):
    if _bearer_token_matches(request):
        return True
    user = getattr(request, "user", None)
    return user is not None and has_role(user, Role.SUPERVISOR, Role.ADMIN)


@never_cache
@require_safe
def health(request):
    report = health_checks.run_checks()
    body = report.detailed() if _may_see_details(request) else report.summary()
    return JsonResponse(body, status=report.http_status)


@never_cache
@require_safe
def metrics_view(request):
    if not (_bearer_token_matches(request) or _from_allowed_network(request)):
        return JsonResponse({"detail": "metrics need the METRICS_TOKEN bearer token or an allowed address", "code": "forbidden"}, status=403)
    return HttpResponse(metrics.exposition(), content_type=PROMETHEUS_CONTENT_TYPE)
