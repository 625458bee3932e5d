"""Content Security Policy for every HTML page.

A script that reaches a page through stored text (a caller's name, an incident description from a
WhatsApp message) must not run: the pages load scripts and styles from this site only, with no
inline script, no inline style attribute and no eval. Page data travels in `json_script` blocks
(type application/json, never run) and data- attributes.

Pictures may also come from the map tile server (MAP_TILE_URL) and the hosts in CSP_IMG_HOSTS;
the pages connect to this site, its live socket, and the hosts in CSP_CONNECT_HOSTS.
A response that sets its own policy (the CCTV feed proxy's sandbox) keeps it.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost

HEADER = "Content-Security-Policy"


def tile_origins():
    """The origins of the configured map tile URLs; a {s} subdomain placeholder becomes a wildcard."""
    origins = []
    for tile in getattr(settings, "LEAFLET_CONFIG", {}).get("TILES", []):
        url = tile[1] if isinstance(tile, (list, tuple)) else tile
        parts = urlsplit(url.replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def _unique(sources):
    return list(dict.fromkeys(sources))


def policy(host=None):
    """The policy text; `host` (the request's, already checked against ALLOWED_HOSTS) names the
    live socket's origin (CSP 3 lets 'self' cover ws: and wss:, older browsers need it spelled)."""
    img = _unique(["'self'", "data:", "blob:", *tile_origins(), *settings.CSP_IMG_HOSTS])
    connect = ["'self'"]
    if host:
        connect += [f"ws://{host}", f"wss://{host}"]
    connect = _unique(connect + list(settings.CSP_CONNECT_HOSTS))
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'"]),
        ("style-src", ["'self'"]),
        ("img-src", img),
        ("font-src", ["'self'", "data:"]),
        ("connect-src", connect),
        ("media-src", ["'self'", "blob:"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        response[HEADER] = policy(host)
        return response
