"""The ASGI handler: a sync view's request runs its middleware chain and view in one thread hop;
an async view (the CCTV streams) keeps Django's async chain."""

import json
import sys
import threading

import pytest
from asgiref.sync import AsyncToSync, async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler

from dispatch112 import handlers
from dispatch112.handlers import OneHopASGIHandler, is_async_view

pytestmark = pytest.mark.django_db(transaction=True)


def scope(path, method="GET"):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip


def request(handler, path, method="GET", body=b""):
    async def run():
        communicator = ApplicationCommunicator(handler, scope(path, method))
        await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
        start = await communicator.receive_output(10)
        content = b""
        while True:
            message = await communicator.receive_output(10)
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(10)
        return start["status"], content

    return async_to_sync(run)()


@pytest.fixture
def hops(monkeypatch):
    """Counts the chain's hops back to the event loop (async_to_sync calls) in request threads."""
    counted, original = [], AsyncToSync.__call__
    main = threading.main_thread()

    def counting(self, *args, **kwargs):
        if threading.current_thread() is not main:
            counted.append(getattr(self.awaitable, "__qualname__", repr(self.awaitable)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncToSync, "__call__", counting)
    return counted


def test_a_sync_view_is_served_without_going_back_to_the_event_loop(hops):
    status, content = request(OneHopASGIHandler(), "/api/v1/calls/", "POST", b"{}")
    assert status == 403  # anonymous: the middleware chain and DRF's permission check ran
    assert "detail" in json.loads(content)
    assert hops == []


def test_djangos_own_handler_goes_back_to_the_event_loop_in_the_middle_of_the_chain(hops):
    # What OneHopASGIHandler saves: without it the same request hops back (the test above would
    # count it).
    status, _content = request(ASGIHandler(), "/api/v1/calls/", "POST", b"{}")
    assert status == 403
    assert hops == ["convert_exception_to_response.<locals>.inner"]  # the async inner handler


def test_an_async_view_keeps_the_async_chain(monkeypatch):
    used = []
    original = ASGIHandler.get_response_async

    async def spy(self, request):
        used.append(request.path)
        return await original(self, request)

    monkeypatch.setattr(ASGIHandler, "get_response_async", spy)
    status, _content = request(OneHopASGIHandler(), "/cctv/cameras/999999/frame/")
    assert status == 401  # anonymous: answered by the async view, through the async chain
    assert used == ["/cctv/cameras/999999/frame/"]


def test_which_views_are_async():
    assert is_async_view("/cctv/cameras/1/stream/")
    assert is_async_view("/cctv/cameras/1/frame/")
    assert not is_async_view("/api/v1/calls/")
    assert not is_async_view("/no/such/page/")


def test_the_project_serves_http_through_the_one_hop_handler_with_a_short_gil_switch():
    from dispatch112.asgi import SWITCH_INTERVAL_SECONDS, django_asgi_app

    assert isinstance(django_asgi_app, handlers.OneHopASGIHandler)
    assert SWITCH_INTERVAL_SECONDS < 0.005  # Python's default
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
