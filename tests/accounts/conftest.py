"""Two-factor login: a supervisor (Sari) with a password, enrolled or not, at a frozen moment."""

from datetime import datetime, timedelta, timezone

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from accounts import sealing, services, totp
from accounts.models import TOTPDevice
from dispatch112 import clock
from dispatch112.roles import Role
from tests.factories import UserFactory

PASSWORD = "sari-112-benar"
T0 = datetime(2026, 11, 28, 2, 0, 10, tzinfo=timezone.utc)  # 10 s into a 30-s step
STEP = timedelta(seconds=totp.STEP_SECONDS)


def code_at(secret, moment, steps=0):
    return totp.totp(totp.secret_bytes(secret), (moment + steps * STEP).timestamp())


def secret_of(user):
    return sealing.unseal(TOTPDevice.objects.get(user=user).sealed_secret)


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sari", password=PASSWORD, role=Role.SUPERVISOR)


@pytest.fixture
def enrolled(supervisor):
    """Sari's authenticator, set up a minute before T0; (secret, recovery codes)."""
    with clock.travel_to(T0 - timedelta(minutes=1)):
        _device, secret = services.totp_enrolment_begin(user=supervisor)
        codes = services.totp_enrolment_confirm(user=supervisor, code=code_at(secret, clock.now()))
    return secret, codes


@pytest.fixture
def at_t0():
    with clock.travel_to(T0):
        yield T0


def log_in(client, username="sari", password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def socket_answer(client):
    """What the console socket answers this client's session: "accepted" or the close code."""
    from unittest import mock

    from channels.testing import WebsocketCommunicator

    from dispatch112.asgi import application

    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)

    async def scenario():
        headers = [(b"origin", b"http://127.0.0.1")]
        if cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
        communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
        accepted, code = await communicator.connect()
        await communicator.disconnect()
        return "accepted" if accepted else code

    # The consumer's database calls run in this thread, inside the test's transaction; channels
    # would close that connection between calls. The communicator runs the application in an
    # empty context, where the test's clock (at_t0) is not: the idle check (dispatch112/idle.py)
    # is given the test's moment.
    moment = clock.now().timestamp()
    with mock.patch("channels.db.close_old_connections"), mock.patch("dispatch112.idle._now", lambda: moment):
        return async_to_sync(scenario)()
