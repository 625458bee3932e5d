"""Talking to camera feeds: health probes, still frames, MJPEG streams and HLS files.

Pure I/O with no database access, so probes can run in worker threads. The one exception is a
feed served by this project itself (the demo feeds, LOCAL_FEED_PREFIX): it is rendered in-process
by calling its view, which reads the camera row, so callers run local feeds in their own thread.

Credentials go upstream only (HTTP Basic or Digest, whichever the camera asks for); nothing here
ever hands them to a browser.
"""

import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from cctv.models import LOCAL_FEED_PREFIX, FeedKind

USER_AGENT = "Dispatch112-CCTV/1"
CHUNK = 16 * 1024
PROBE_READ_LIMIT = 64 * 1024
RTSP_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}
HLS_TYPES = {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}


class FeedError(Exception):
    """The feed did not give what it should; the message says why, for a supervisor to read."""


class FeedFileNotFound(FeedError):
    """A file outside the camera's HLS stream was asked for."""


@dataclass(frozen=True)
class FeedTarget:
    camera_id: int
    kind: str
    url: str
    username: str = ""
    password: str = ""

    @classmethod
    def of(cls, camera):
        return cls(camera.pk, camera.feed_kind, camera.feed_url, camera.username, camera.password)

    @property
    def is_local(self):
        return self.url.startswith(LOCAL_FEED_PREFIX)


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    reason: str = ""


# --- HTTP -----------------------------------------------------------------------------------------


def _opener(target, url):
    # No proxy from the environment: cameras sit on the city network, not behind the web proxy.
    handlers = [urllib.request.ProxyHandler({})]
    if target.username or target.password:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, target.username, target.password)
        handlers += [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
    return urllib.request.build_opener(*handlers)


def open_http(target, url, *, timeout):
    """An open upstream response (the caller closes it). FeedError for anything but a 2xx answer."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        return _opener(target, url).open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (401, 403):
            raise FeedError(_("HTTP %(code)s: the camera refused the user name or password.") % {"code": exc.code}) from None
        raise FeedError(_("HTTP %(code)s from the camera.") % {"code": exc.code}) from None
    except urllib.error.URLError as exc:
        raise FeedError(_network_reason(exc.reason, timeout)) from None
    except (TimeoutError, OSError, ValueError) as exc:
        raise FeedError(_network_reason(exc, timeout)) from None


def _network_reason(reason, timeout):
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return _("No answer within %(seconds)s s.") % {"seconds": timeout}
    if isinstance(reason, ConnectionRefusedError):
        return _("Connection refused.")
    if isinstance(reason, socket.gaierror):
        return _("Unknown host name.")
    if isinstance(reason, ssl.SSLError):
        return _("TLS error: %(error)s") % {"error": getattr(reason, "reason", None) or reason}
    return _("Network error: %(error)s") % {"error": reason}


def _read(response, limit, *, timeout, deadline=None):
    """Up to `limit` bytes; a slow trickle past the deadline counts as no answer."""
    chunks, size = [], 0
    try:
        while size < limit:
            if deadline is not None and time.monotonic() > deadline:
                raise FeedError(_("No answer within %(seconds)s s.") % {"seconds": timeout})
            chunk = response.read1(min(CHUNK, limit - size)) if hasattr(response, "read1") else response.read(min(CHUNK, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (TimeoutError, OSError) as exc:
        raise FeedError(_network_reason(exc, timeout)) from None
    return b"".join(chunks)


def _content_type(response):
    return response.headers.get_content_type().lower()


# --- feeds served by this project (the demo) --------------------------------------------------------


def fetch_local(url):
    """(status, content type, body) of a feed this project serves, rendered in-process.

    Only the demo feed view may be reached this way: a feed URL must not become a way to call
    arbitrary views of this server.
    """
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise FeedError(_("No such feed on this server.")) from None
    if match.url_name != "cctv-demo-feed":
        raise FeedError(_("No such feed on this server."))
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = parts.path
    request.GET = QueryDict(parts.query)
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_METHOD": "GET"}
    response = match.func(request, *match.args, **match.kwargs)
    return response.status_code, response.get("Content-Type", ""), response.content


# --- health probes -----------------------------------------------------------------------------------


def probe(target, *, timeout):
    """Is the feed giving what its kind promises? Never raises."""
    try:
        if target.is_local:
            status, content_type, body = fetch_local(target.url)
            if status != 200:
                raise FeedError(_("HTTP %(code)s from the camera.") % {"code": status})
            _check_still(content_type, body)
        elif target.kind == FeedKind.RTSP:
            _probe_rtsp(target, timeout=timeout)
        else:
            _probe_http(target, timeout=timeout)
    except FeedError as exc:
        return ProbeResult(False, str(exc)[:255])
    except Exception as exc:  # noqa: BLE001 — one odd camera must not stop the round of checks
        return ProbeResult(False, (_("Unexpected error: %(error)s") % {"error": exc})[:255])
    return ProbeResult(True)


def _check_still(content_type, body):
    if not content_type.lower().startswith("image/"):
        raise FeedError(_("Not an image (%(type)s).") % {"type": content_type or "?"})
    if not body:
        raise FeedError(_("Empty answer."))


def _probe_http(target, *, timeout):
    deadline = time.monotonic() + timeout
    with open_http(target, target.url, timeout=timeout) as response:
        content_type = _content_type(response)
        if target.kind == FeedKind.HLS:
            body = _read(response, PROBE_READ_LIMIT, timeout=timeout, deadline=deadline)
            if not body.lstrip().startswith(b"#EXTM3U"):
                raise FeedError(_("Not an HLS playlist (%(type)s).") % {"type": content_type})
            return
        if target.kind == FeedKind.MJPEG and not (content_type.startswith("multipart/") or content_type.startswith("image/")):
            raise FeedError(_("Not an MJPEG stream (%(type)s).") % {"type": content_type})
        if target.kind == FeedKind.SNAPSHOT and not content_type.startswith("image/"):
            raise FeedError(_("Not an image (%(type)s).") % {"type": content_type})
        # The first bytes of the picture: a camera that answers headers but sends nothing is down.
        if not _read(response, 1024, timeout=timeout, deadline=deadline):
            raise FeedError(_("Empty answer."))


def _probe_rtsp(target, *, timeout):
    """An RTSP OPTIONS request: any RTSP answer (even 401) means the camera is there."""
    parts = urlsplit(target.url)
    scheme = parts.scheme.lower()
    port = parts.port or RTSP_DEFAULT_PORTS.get(scheme, 554)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout) as raw:
            sock = raw
            if scheme == "rtsps":
                # Only a liveness check, nothing secret is sent: cameras' self-signed certificates are accepted.
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(raw, server_hostname=parts.hostname)
            sock.sendall(f"OPTIONS {target.url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: {USER_AGENT}\r\n\r\n".encode())
            answer = sock.recv(1024)
    except (TimeoutError, OSError) as exc:
        raise FeedError(_network_reason(exc, timeout)) from None
    if not answer.startswith(b"RTSP/"):
        raise FeedError(_("Not an RTSP server."))


# --- what the proxy views serve --------------------------------------------------------------------


def fetch_frame(target, *, timeout, max_bytes):
    """(content type, bytes) of one still picture: the snapshot, or one frame cut from an MJPEG stream."""
    if target.is_local:
        status, content_type, body = fetch_local(target.url)
        if status != 200:
            raise FeedError(_("HTTP %(code)s from the camera.") % {"code": status})
        _check_still(content_type, body)
        return content_type, body
    if target.kind not in (FeedKind.SNAPSHOT, FeedKind.MJPEG):
        raise FeedError(_("This kind of feed has no still picture."))
    deadline = time.monotonic() + timeout * 2
    with open_http(target, target.url, timeout=timeout) as response:
        content_type = _content_type(response)
        if content_type.startswith("image/"):
            body = _read(response, max_bytes + 1, timeout=timeout, deadline=deadline)
            if len(body) > max_bytes:
                raise FeedError(_("The picture is larger than %(n)s bytes.") % {"n": max_bytes})
            _check_still(content_type, body)
            return content_type, body
        if target.kind == FeedKind.MJPEG and content_type.startswith("multipart/"):
            return "image/jpeg", _first_jpeg(response, timeout=timeout, deadline=deadline, max_bytes=max_bytes)
        raise FeedError(_("Not an image (%(type)s).") % {"type": content_type})


def _first_jpeg(response, *, timeout, deadline, max_bytes):
    # A JPEG runs from its start marker to its end marker; inside the compressed data 0xFF is
    # always followed by 0x00, so the first end marker after a start closes the frame.
    buffer = b""
    while len(buffer) <= max_bytes:
        chunk = _read(response, CHUNK, timeout=timeout, deadline=deadline)
        if not chunk:
            break
        buffer += chunk
        start = buffer.find(b"\xff\xd8")
        if start >= 0:
            end = buffer.find(b"\xff\xd9", start + 2)
            if end >= 0:
                return buffer[start : end + 2]
    raise FeedError(_("No complete frame in the stream."))


def open_stream(target, *, timeout):
    """The open MJPEG response and its content type, for the proxy to pass through."""
    if target.kind != FeedKind.MJPEG or target.is_local:
        raise FeedError(_("This camera has no MJPEG stream."))
    response = open_http(target, target.url, timeout=timeout)
    content_type = response.headers.get("Content-Type", "")
    if not content_type.lower().startswith(("multipart/", "image/")):
        response.close()
        raise FeedError(_("Not an MJPEG stream (%(type)s).") % {"type": content_type})
    return response, content_type


def read_chunk(response):
    try:
        return response.read1(CHUNK)
    except (TimeoutError, OSError, ValueError):
        return b""


def hls_upstream_url(target, name):
    """The upstream URL of a playlist or segment, which must lie beside or below the main playlist."""
    if name == "index.m3u8":
        return target.url
    base = target.url.rsplit("/", 1)[0] + "/"
    if "://" in name or name.startswith("/") or "\\" in name:
        raise FeedFileNotFound(_("No such file in this stream."))
    url = urljoin(base, name)
    if not url.startswith(base) or "/../" in url:
        raise FeedFileNotFound(_("No such file in this stream."))
    return url


def fetch_hls(target, name, *, timeout, max_bytes):
    """(content type, bytes) of a playlist or segment of an HLS camera."""
    if target.kind != FeedKind.HLS:
        raise FeedError(_("This camera has no HLS stream."))
    url = hls_upstream_url(target, name)
    with open_http(target, url, timeout=timeout) as response:
        content_type = _content_type(response)
        body = _read(response, max_bytes + 1, timeout=timeout, deadline=time.monotonic() + timeout * 4)
    if len(body) > max_bytes:
        raise FeedError(_("The file is larger than %(n)s bytes.") % {"n": max_bytes})
    if content_type in HLS_TYPES or body.lstrip().startswith(b"#EXTM3U"):
        return "application/vnd.apple.mpegurl", rewrite_playlist(body, base=url.rsplit("/", 1)[0] + "/")
    if not content_type.startswith(("video/", "audio/", "application/octet-stream", "application/mp4")):
        raise FeedError(_("Not part of an HLS stream (%(type)s).") % {"type": content_type})
    return content_type, body


def rewrite_playlist(body, *, base):
    """Absolute URIs under the playlist's folder become relative, so the browser asks this proxy."""
    lines = []
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith(base):
            line = line[len(base) :]
        elif 'URI="' + base in line:
            line = line.replace('URI="' + base, 'URI="')
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()
