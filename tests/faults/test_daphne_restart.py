"""A web process dies (SIGKILL) under 50 connected consoles while the other one keeps taking calls,
then comes back. Every console reconnects with backoff (not a storm of attempts), resumes from the
Event table, and ends with the state a fresh API fetch gives: nothing lost, nothing twice."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.support import CountingConsole, kill_hard
from tests.live.expect import assert_console_matches_api, assert_received_exactly, events_after, last_event_id
from tests.live.support import Daphne, HttpSession, wait_for

CONSOLES = 50
# Who watches: several sessions of each, as 50 browser tabs over the control room and agencies.
USERS = ["operator", "operator2", "supervisor", "admin", "damkar", "bpbd", "psc119"]
AGENCY_USERS = {"damkar", "bpbd", "psc119"}
DOWN_SECONDS = 4


@pytest.fixture(scope="module")
def second_server(test_db_name, server_env, tmp_path_factory):
    """The other web process behind the proxy: same database, same Redis."""
    daphne = Daphne(db_name=test_db_name, log_dir=tmp_path_factory.mktemp("daphne-b"), env=server_env)
    try:
        daphne.start()
        yield daphne
    finally:
        daphne.stop()


@pytest.fixture
def fifty_consoles(world, server, loops):
    sessions = {user: HttpSession(server.url).login(user) for user in USERS}
    opened = [CountingConsole(loops, sessions[USERS[n % len(USERS)]], name=f"console-{n}-{USERS[n % len(USERS)]}") for n in range(CONSOLES)]
    # Opened ten at a time, as tabs of a control room coming up (each loads the list, then connects).
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda console: console.start(auto_reconnect=True), opened))
    yield opened
    for console in opened:
        try:
            console.stop()
        except Exception:  # noqa: BLE001 — a client already gone must not hide the test's own failure
            pass


def agency_of(world, console):
    user = console.session.username
    return world.agency(user) if user in AGENCY_USERS else None


def test_fifty_consoles_come_back_after_their_server_is_killed_and_restarted(world, server, second_server, fifty_consoles, login):
    operator = login("operator", on=second_server)
    damkar = login("damkar", on=second_server)
    start = last_event_id()

    fire = operator.new_incident(world.category("kebakaran"))
    operator.dispatch(fire["id"], world.agency("damkar"))
    for console in fifty_consoles:  # live through Redis from the other process
        if agency_of(world, console) is None:
            console.wait_for_ids({e["id"] for e in events_after(start)})

    kill_hard(server)
    killed_at = time.monotonic()
    wait_for(lambda: all(not c.snapshot()["connected"] for c in fifty_consoles), message="every console to see its server gone")

    # The other process keeps the control room working meanwhile.
    flood = operator.new_incident(world.category("banjir"))
    operator.dispatch(flood["id"], world.agency("bpbd"), world.agency("damkar"))
    damkar.acknowledge(damkar.assignment_of(fire["id"], world.agency("damkar")))
    crash = operator.new_incident(world.category("pohon-tumbang"))
    operator.dispatch(crash["id"], world.agency("psc119"))
    operator.api("POST", f"/incidents/{fire['id']}/notes/", {"text": "Api sudah padam sebagian"})
    time.sleep(max(0, DOWN_SECONDS - (time.monotonic() - killed_at)))

    server.start()
    restarted_at = time.monotonic()
    wait_for(lambda: all(c.snapshot()["connected"] for c in fifty_consoles), timeout=30, message="every console to reconnect")
    reconnected_within = time.monotonic() - restarted_at

    for console in fifty_consoles:
        assert_received_exactly(console, start, agency_of(world, console), resumed=True)
    for user in USERS:
        # A fresh fetch by that user; every console of that user must equal it.
        fresh = HttpSession(server.url).login(user)
        for console in (c for c in fifty_consoles if c.session.username == user):
            assert_console_matches_api(console, fresh)

    # With backoff: while the server was down each console tried about once a second once its
    # wait had grown, not in a loop (live.js and this client double the wait up to a second).
    down = restarted_at - killed_at
    for console in fifty_consoles:
        tries = console.attempts_between(killed_at, restarted_at)
        assert 2 <= len(tries) <= down + 6, (console.name, len(tries), down)
        gaps = [b - a for a, b in zip(tries, tries[1:])]
        assert max(gaps) >= 0.5, (console.name, gaps)
    assert reconnected_within < 30

