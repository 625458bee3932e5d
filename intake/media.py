"""Fetching the photo of a WhatsApp/SMS message from its gateway. No database.

The address comes from outside (the gateway's webhook, or the WhatsApp Cloud API's media lookup),
so it is treated as untrusted: http(s) only; a host that resolves to a private, loopback,
link-local or otherwise non-public address is refused unless its origin (scheme, host, port) is
one of the gateways configured in INTAKE_MEDIA_GATEWAY_URLS or WHATSAPP_GRAPH_URL — a gateway on
the local network is a choice the administrator made, an address in a webhook body is not. The
connection goes to the address that was checked (no second DNS lookup to be rebound), redirects
are checked the same way, and the answer must be an image of an allowed type — by its bytes, not
only its Content-Type — and no larger than INTAKE_MEDIA_MAX_BYTES.

Errors are the outbox's: TransientSendError (try again later: 5xx, 408/425/429, timeouts,
refused connections), PermanentSendError (this will never work).
"""

import http.client
import ipaddress
import json
import socket
import ssl
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from dispatch112.outbox import TRANSIENT_STATUSES, PermanentSendError, TransientSendError, snippet

MAX_REDIRECTS = 3
CHUNK = 64 * 1024

# The first bytes each allowed image type starts with.
SIGNATURES = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "image/gif": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


@dataclass
class Photo:
    content: bytes
    content_type: str
    url: str


def sniff(content):
    """The image type the bytes are, or ""."""
    head = content[:16]
    return next((kind for kind, matches in SIGNATURES.items() if matches(head)), "")


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def trusted_origins():
    return {_origin(url) for url in [*settings.INTAKE_MEDIA_GATEWAY_URLS, settings.WHATSAPP_GRAPH_URL] if url}


def checked_address(url):
    """The IP address to connect to for `url`, after the checks; raises PermanentSendError."""
    scheme, host, port = _origin(url)
    if scheme not in ("http", "https") or not host or port is None:
        raise PermanentSendError(f"not an http(s) address: {url[:120]}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TransientSendError(f"cannot resolve {host}: {error}") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        addresses.append(address)
    if (scheme, host, port) not in trusted_origins():
        private = [str(a) for a in addresses if not a.is_global]
        if private:
            raise PermanentSendError(
                f"{host} is a private or local address ({private[0]}); only a gateway configured in "
                "INTAKE_MEDIA_GATEWAY_URLS may be one"
            )
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _get(url, headers, *, max_bytes, timeout):
    """GET with the checks; follows up to MAX_REDIRECTS redirects, each checked again (and the
    credentials dropped when one leaves the origin). Returns (final url, response headers, body)."""
    origin = _origin(url)
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port = _origin(url)
        address = checked_address(url)
        parts = urllib.parse.urlsplit(url)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection = (_PinnedHTTPS if scheme == "https" else _PinnedHTTP)(host, port, address, timeout)
        try:
            connection.request("GET", path, headers={"User-Agent": "Dispatch112-intake/1", "Accept": "image/*, application/json", **headers})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urllib.parse.urljoin(url, response.getheader("Location"))
                if _origin(url) != origin:
                    headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
                continue
            if response.status != 200:
                detail = snippet(response.read(2048))
                text = f"HTTP {response.status} {response.reason}" + (f": {detail}" if detail else "")
                if response.status >= 500 or response.status in TRANSIENT_STATUSES:
                    raise TransientSendError(text, status=response.status)
                raise PermanentSendError(text, status=response.status)
            length = response.getheader("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise PermanentSendError(f"the photo is {int(length) // 1024} KiB, more than the {max_bytes // 1024} KiB allowed")
            body = bytearray()
            while len(body) <= max_bytes:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                body += chunk
            if len(body) > max_bytes:
                raise PermanentSendError(f"the photo is more than the {max_bytes // 1024} KiB allowed")
            return url, response, bytes(body)
        except (TimeoutError, socket.timeout):
            raise TransientSendError(f"no answer within {timeout} s") from None
        except ssl.SSLError as error:
            raise PermanentSendError(f"TLS: {error}") from None
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            raise TransientSendError(f"cannot reach {host}: {error}") from None
        finally:
            connection.close()
    raise PermanentSendError(f"more than {MAX_REDIRECTS} redirects")


def download(url, *, headers=None):
    """The photo at `url`, checked; raises a SendError."""
    allowed = set(settings.INTAKE_MEDIA_TYPES)
    final_url, response, content = _get(url, headers or {}, max_bytes=settings.INTAKE_MEDIA_MAX_BYTES, timeout=settings.INTAKE_MEDIA_TIMEOUT_SECONDS)
    declared = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if declared not in allowed:
        raise PermanentSendError(f"not an allowed photo type: {declared or 'no Content-Type'} (allowed: {', '.join(sorted(allowed))})")
    actual = sniff(content)
    if actual not in allowed:
        raise PermanentSendError(f"the content is not a {declared} image")
    return Photo(content=content, content_type=actual, url=final_url)


def gateway_headers(url):
    """INTAKE_MEDIA_AUTH_HEADER ("Name: value"), sent to the configured gateways only."""
    header = settings.INTAKE_MEDIA_AUTH_HEADER
    if not header or ":" not in header or _origin(url) not in {_origin(u) for u in settings.INTAKE_MEDIA_GATEWAY_URLS}:
        return {}
    name, _colon, value = header.partition(":")
    return {name.strip(): value.strip()}


def whatsapp_download(media_id):
    """WhatsApp Cloud API: look the media id up (its download address, valid a few minutes), then
    download it, both with the access token."""
    token = settings.WHATSAPP_ACCESS_TOKEN
    if not token:
        raise PermanentSendError("WHATSAPP_ACCESS_TOKEN is not set: WhatsApp photos cannot be fetched")
    if not media_id.replace("-", "").replace("_", "").isalnum():
        raise PermanentSendError(f"not a media id: {media_id[:40]}")
    auth = {"Authorization": f"Bearer {token}"}
    lookup_url = f"{settings.WHATSAPP_GRAPH_URL.rstrip('/')}/{media_id}"
    _url, _response, raw = _get(lookup_url, auth, max_bytes=64 * 1024, timeout=settings.INTAKE_MEDIA_TIMEOUT_SECONDS)
    try:
        url = json.loads(raw)["url"]
    except (ValueError, KeyError, TypeError):
        raise PermanentSendError(f"the media lookup answered no url: {snippet(raw)}") from None
    if not isinstance(url, str):
        raise PermanentSendError("the media lookup answered no url")
    return download(url, headers=auth)
