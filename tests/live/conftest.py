"""Fixtures of the live-push tests: the demo world committed to the test database, a daphne
subprocess serving it, console clients, and what each user may see according to the Event table.

The same tests run embedded (SQLite file, in-memory layer) and on PostgreSQL + channels_redis: the
server subprocess inherits DATABASE_URL/REDIS_URL and is pointed at pytest-django's test database.
"""

import os
from dataclasses import dataclass

import pytest

from tests.live.support import Console, Daphne, HttpSession, LoopThread, RedisServer


def ensure_roles():
    """The role groups, as the migrations create them; a flush (transactional tests) removes them."""
    from django.contrib.auth.models import Group, Permission

    from dispatch112.roles import ROLE_PERMISSIONS

    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@dataclass
class World:
    agencies: dict  # code → id
    users: dict  # username → User

    def agency(self, code):
        return self.agencies[code]

    def category(self, code):
        from incidents.models import IncidentCategory

        return IncidentCategory.objects.get(code=code).pk


def seed_world():
    from django.core.cache import cache

    from dispatch112.demo import seed_core
    from dispatch112.models import User
    from incidents.models import Agency

    cache.clear()
    ensure_roles()
    seed_core()
    return World(agencies=dict(Agency.objects.values_list("code", "id")), users={u.username: u for u in User.objects.all()})


@pytest.fixture
def world(transactional_db):
    """The demo world, committed: a server in another process must see it. Transactional tests
    empty the database afterwards, so each test starts from the same world."""
    return seed_world()


@pytest.fixture(scope="module")
def test_db_name(django_db_setup):
    """The test database's name, for the server subprocess. pytest-django only creates the test
    database when a collected test asks for one (these tests do, through `committed_world`);
    refuse to point a server, and its writes, at any other database."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    test_name = connection.settings_dict.get("TEST", {}).get("NAME")
    assert name == test_name if connection.vendor == "sqlite" else name.startswith("test_"), f"not a test database: {name}"
    return name


@pytest.fixture(scope="module")
def server_env():
    """Extra environment of the module's server (a module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def server(test_db_name, server_env, tmp_path_factory):
    daphne = Daphne(db_name=test_db_name, log_dir=tmp_path_factory.mktemp("daphne"), env=server_env)
    try:
        daphne.start()
        yield daphne
    finally:
        daphne.stop()


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    redis = RedisServer(log_dir=tmp_path_factory.mktemp("redis"))
    try:
        redis.start()
        yield redis
    finally:
        redis.stop()


@pytest.fixture(scope="module")
def loops():
    loop_thread = LoopThread()
    yield loop_thread
    loop_thread.close()


@pytest.fixture
def login(server):
    server.ensure_running()

    def make(username):
        return HttpSession(server.url).login(username)

    return make


@pytest.fixture
def consoles(loops, login):
    """`consoles("operator", "damkar", ...)`: logged-in console clients, live; closed afterwards."""
    opened = []

    def make(*usernames, auto_reconnect=False):
        made = []
        for username in usernames:
            console = Console(loops, login(username))
            opened.append(console)
            made.append(console.start(auto_reconnect=auto_reconnect))
        return made

    yield make
    for console in opened:
        try:
            console.stop()
        except Exception:  # noqa: BLE001 — a client already gone must not hide the test's own failure
            pass


@pytest.fixture(scope="module")
def secret_key_env():
    # REDIS_URL switches on the production profile, which requires a SECRET_KEY.
    return {"SECRET_KEY": os.environ.get("SECRET_KEY") or "live-tests-only-secret-key-0123456789abcdef"}


# --- the browser ----------------------------------------------------------------------------------



@pytest.fixture
def console_page(browser, server):
    """`console_page("operator")`: a logged-in page in its own browser context (its own cookies)."""
    server.ensure_running()
    contexts = []
    refused = []  # Content Security Policy violations (Chromium's "Refused to …" lines), any page

    def make(username):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID", timezone_id="Asia/Makassar")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))

        def console(message):
            # The consoles under the policy the real server sends (dispatch112/csp.py), with their
            # live socket: what only a pushed event draws (an AML position) is checked here too.
            if "Content Security Policy" in message.text:
                page.errors.append(f"CSP: {message.text}")
                refused.append(f"{page.url}: {message.text}")

        page.on("console", console)
        page.goto(server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", f"{username}-112-demo")
        page.press("#id_password", "Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield make
    for context in contexts:
        context.close()
    assert refused == [], "\n".join(refused)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _server_log_on_failure(request):
    """A failed test shows the end of its server's log (tracebacks of the server side)."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and "server" in request.fixturenames:
        server = request.getfixturevalue("server")
        print(f"--- end of {server.log_path} ---\n{server.log_tail()}")
