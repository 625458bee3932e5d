"""Idle consoles (dispatch112/idle.py): a session ends after SESSION_IDLE_TIMEOUT_MINUTES without the
user's own requests; the consoles' background requests (polling, refreshes, CCTV pictures) do not
keep it alive; the live socket of an idle session is closed with 4401."""

from datetime import timedelta
from importlib import import_module
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from dispatch112 import clock, idle
from dispatch112.roles import Role
from tests.factories import UserFactory

BACKGROUND = {"HTTP_X_DISPATCH112_BACKGROUND": "1"}
CONSOLE = "/console/"
INCIDENTS_API = "/api/v1/incidents/?status=active"


@pytest.fixture
def operator(db):
    return UserFactory(username="budi", role=Role.OPERATOR)


@pytest.fixture
def time():
    return Clock()


@pytest.fixture
def console_client(operator, settings, time):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 60
    client = Client()
    with time.at(0):
        client.force_login(operator)  # the idle clock starts at the login
    return client


class Clock:
    """Moves dispatch112.clock (what idle.py reads) forward from a fixed start."""

    def __init__(self):
        self.moment = timezone.now()

    def at(self, minutes):
        return clock.travel_to(self.moment + timedelta(minutes=minutes))


def login_url_for(path):
    return f"{reverse('login')}?next={path}"


def test_a_session_idle_longer_than_the_timeout_ends_and_the_login_page_says_why(console_client, time):
    with time.at(0):
        assert console_client.get(CONSOLE).status_code == 200
    with time.at(59):
        assert console_client.get(CONSOLE).status_code == 200  # activity: the hour starts again
    with time.at(59 + 61):
        response = console_client.get(CONSOLE)
    assert response.status_code == 302
    assert response["Location"] == login_url_for(CONSOLE)
    with translation.override("id"):
        expected = translation.gettext("Your session ended after %(minutes)d minutes without activity. Log in again.") % {"minutes": 60}
    assert expected.startswith("Sesi Anda berakhir")
    assert expected in console_client.get(response["Location"]).content.decode()
    # Ended for good: the next request, within the hour, is not logged in either.
    with time.at(59 + 62):
        assert console_client.get(CONSOLE).status_code == 302


def test_background_requests_do_not_keep_a_session_alive(console_client, samarinda, time):
    with time.at(0):
        console_client.get(CONSOLE)
    for minute in (10, 20, 30, 40, 50, 59):
        with time.at(minute):
            assert console_client.get(INCIDENTS_API, **BACKGROUND).status_code == 200
            assert console_client.get(reverse("session-status"), **BACKGROUND).json()["remaining"] == (60 - minute) * 60
    with time.at(61):
        response = console_client.get(INCIDENTS_API, **BACKGROUND)
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_cctv_pictures_do_not_count_as_activity(console_client, time):
    # An <img> cannot send the header: the feed URLs are background by name.
    with time.at(0):
        console_client.get(CONSOLE)
    with time.at(30):
        console_client.get(reverse("cctv-demo-feed", kwargs={"code": "SMD-CAM-01"}))
    with time.at(61):
        assert console_client.get(CONSOLE).status_code == 302


def test_the_live_socket_asked_over_plain_http_does_not_count_as_activity(console_client, time):
    # A console reconnecting through a server or proxy without WebSockets asks for /ws/events/ as
    # a plain GET, over and over: that must not keep an unattended console logged in.
    with time.at(0):
        console_client.get(CONSOLE)
    with time.at(30):
        console_client.get("/ws/events/")
    with time.at(61):
        assert console_client.get(CONSOLE).status_code == 302


def test_the_users_own_requests_keep_the_session_alive(console_client, samarinda, time):
    with time.at(0):
        console_client.get(CONSOLE)
    with time.at(45):
        assert console_client.get(INCIDENTS_API).status_code == 200  # no header: the user asked
    with time.at(45 + 59):
        assert console_client.get(CONSOLE).status_code == 200


def test_the_stay_button_counts_as_activity_and_the_status_says_what_is_left(console_client, time):
    with time.at(0):
        console_client.get(CONSOLE)
    with time.at(58):
        status = console_client.get(reverse("session-status"), **BACKGROUND).json()
        assert status == {"authenticated": True, "remaining": 120, "timeout": 3600}
        stay = console_client.get(reverse("session-status")).json()  # the button: no header
        assert stay["remaining"] == 3600
    with time.at(58 + 59):
        assert console_client.get(CONSOLE).status_code == 200
    with time.at(58 + 59 + 61):
        assert console_client.get(reverse("session-status"), **BACKGROUND).json()["authenticated"] is False


def test_the_timeout_is_read_from_the_setting(console_client, settings, time):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    with time.at(0):
        console_client.get(CONSOLE)
    with time.at(4):
        assert console_client.get(CONSOLE).status_code == 200
    with time.at(10):
        assert console_client.get(CONSOLE).status_code == 302


def test_a_session_is_not_written_on_every_request(console_client, time):
    with time.at(0):
        console_client.get(CONSOLE)
        stamp = console_client.session[idle.ACTIVITY_KEY]
    with time.at(0.2):  # 12 s later: within TOUCH_SECONDS
        console_client.get(CONSOLE)
        assert console_client.session[idle.ACTIVITY_KEY] == stamp
    with time.at(1):
        console_client.get(CONSOLE)
        assert console_client.session[idle.ACTIVITY_KEY] > stamp


# --- the live socket ------------------------------------------------------------------------------


def backdate(client, minutes):
    store = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    store[idle.ACTIVITY_KEY] = timezone.now().timestamp() - minutes * 60
    store.save()
    return store


def socket_scenario(client, steps):
    from channels.testing import WebsocketCommunicator

    from dispatch112.asgi import application

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = [(b"origin", b"http://127.0.0.1"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())]

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
        try:
            return await steps(communicator)
        finally:
            await communicator.disconnect()

    # The consumer's database calls run in this thread, inside the test's transaction.
    with mock.patch("channels.db.close_old_connections"):
        return async_to_sync(scenario)()


def test_the_live_socket_of_an_idle_session_is_refused_with_4401_and_the_session_ended(console_client):
    console_client.get(CONSOLE)
    store = backdate(console_client, 61)

    async def connect(communicator):
        return await communicator.connect()

    assert socket_scenario(console_client, connect) == (False, 4401)
    assert not store.exists(store.session_key)


def test_an_open_socket_is_closed_with_4401_when_its_session_goes_idle(console_client):
    from dispatch112.consumers import ConsoleConsumer

    console_client.get(CONSOLE)

    async def steps(communicator):
        from channels.db import database_sync_to_async

        accepted, _ = await communicator.connect()
        assert accepted
        assert (await communicator.receive_json_from())["type"] == "hello"
        await database_sync_to_async(backdate)(console_client, 61)
        return await communicator.receive_output(timeout=5)

    with mock.patch.object(ConsoleConsumer, "recheck_seconds", 0.2):
        closed = socket_scenario(console_client, steps)
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_socket_keepalive_does_not_count_as_activity(console_client, time):
    console_client.get(CONSOLE)
    store = backdate(console_client, 59)
    before = store[idle.ACTIVITY_KEY]

    async def steps(communicator):
        accepted, _ = await communicator.connect()
        await communicator.receive_json_from()
        await communicator.send_json_to({"type": "ping"})
        return accepted, (await communicator.receive_json_from())["type"]

    assert socket_scenario(console_client, steps) == (True, "pong")
    store = import_module(settings.SESSION_ENGINE).SessionStore(store.session_key)
    assert store[idle.ACTIVITY_KEY] == before
