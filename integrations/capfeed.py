"""Fetching hazard feeds (BMKG's CAP feed and the like): an Atom/RSS index and the CAP files it
links to, over plain HTTP(S) GET, bounded in time and size."""

import socket
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from integrations import cap

MAX_BYTES = 2 * 1024 * 1024


class FeedError(Exception):
    pass


def _get(url):
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FeedError(f"not an http(s) address: {url[:120]}")
    request = urllib.request.Request(url, headers={"User-Agent": "Dispatch112-cap-reader/1", "Accept": "application/xml, text/xml, */*"})
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers = [urllib.request.ProxyHandler({})] if host in ("127.0.0.1", "localhost", "::1") else []
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=settings.CAP_FEED_TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FeedError(f"HTTP {error.code} {error.reason}") from None
    except (TimeoutError, socket.timeout):
        raise FeedError(f"no answer within {settings.CAP_FEED_TIMEOUT_SECONDS} s") from None
    except urllib.error.URLError as error:
        raise FeedError(f"cannot reach it: {error.reason}") from None
    except (ConnectionError, OSError) as error:
        raise FeedError(f"cannot reach it: {error}") from None
    if len(raw) > MAX_BYTES:
        raise FeedError(f"larger than {MAX_BYTES // 1024} KiB")
    return raw


def fetch_index(url):
    """The absolute addresses of the CAP files an index lists."""
    try:
        links = cap.index_links(_get(url))
    except cap.CapParseError as error:
        raise FeedError(str(error)) from None
    return [urllib.parse.urljoin(url, link) for link in links]


def fetch_alert(url):
    return cap.parse_alert(_get(url))
