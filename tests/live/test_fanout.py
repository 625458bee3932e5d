"""Against a running daphne (a subprocess on the test database) with real websocket clients: every
console receives exactly what its user may see, and the state it rebuilds from the pushed incident
snapshots equals a fresh API fetch — also after a dropped connection and a server restart."""

from concurrent.futures import ThreadPoolExecutor

from tests.live.expect import assert_console_matches_api, assert_received_exactly, events_after, last_event_id, live_visible
from tests.live.support import wait_for


def run_sequence(world, operator, damkar, bpbd):
    """Creates, dispatches, acknowledgements and more through the API, as the consoles make them."""
    fire = operator.new_incident(world.category("kebakaran"), address="Jl. Pahlawan 12")
    flood = operator.new_incident(world.category("banjir"), latitude="-0.480000", longitude="117.160000")
    quiet = operator.new_incident(world.category("gangguan-air"))  # never dispatched: no OPD sees it
    operator.dispatch(fire["id"], world.agency("damkar"), world.agency("psc119"))
    operator.dispatch(flood["id"], world.agency("bpbd"))
    damkar.acknowledge(damkar.assignment_of(fire["id"], world.agency("damkar")))
    flood_bpbd = bpbd.assignment_of(flood["id"], world.agency("bpbd"))
    bpbd.acknowledge(flood_bpbd)
    bpbd.advance(flood_bpbd, "en_route")
    # BPBD joins the fire later: from then on it sees the fire's incident-wide events.
    operator.dispatch(fire["id"], world.agency("bpbd"))
    damkar.api("POST", f"/incidents/{fire['id']}/notes/", {"text": "Dua unit berangkat dari Markas"})
    operator.api("POST", "/calls/", {"outcome": "emergency", "caller_number": "081299990000", "link_to": flood["id"]})
    operator.api("PATCH", f"/incidents/{quiet['id']}/", {"priority": 3})
    operator.api("POST", f"/incidents/{quiet['id']}/cancel/", {"reason": "Sudah ditangani warga"})
    # A burst of intakes at once from several operators' requests: commits interleave (on
    # PostgreSQL ids can commit out of order), the consoles must still converge.
    def intake(n):
        incident = operator.new_incident(world.category("pohon-tumbang"), landmark=f"Pohon {n}")
        operator.dispatch(incident["id"], world.agency("damkar"))
        damkar.acknowledge(damkar.assignment_of(incident["id"], world.agency("damkar")))
        return incident["id"]

    with ThreadPoolExecutor(6) as pool:
        burst = list(pool.map(intake, range(12)))
    return {"fire": fire["id"], "flood": flood["id"], "quiet": quiet["id"], "burst": burst}


def test_every_console_receives_exactly_what_it_may_see_and_rebuilds_the_api_state(world, consoles, login):
    operator, damkar, bpbd = login("operator"), login("damkar"), login("bpbd")
    start = last_event_id()
    op1, op2, damkar_console, bpbd_console = consoles("operator", "supervisor", "damkar", "bpbd")

    made = run_sequence(world, operator, damkar, bpbd)

    # Operators and supervisors see everything; each agency its own.
    for console, agency in ((op1, None), (op2, None), (damkar_console, world.agency("damkar")), (bpbd_console, world.agency("bpbd"))):
        assert_received_exactly(console, start, agency)
    assert_console_matches_api(op1, operator)
    assert_console_matches_api(op2, login("supervisor"))
    damkar_state = assert_console_matches_api(damkar_console, damkar)
    bpbd_state = assert_console_matches_api(bpbd_console, bpbd)

    # What a user notices: the fire and the burst on Damkar's list, the flood and the fire on
    # BPBD's, the undispatched (and cancelled) incident on neither; the flood never reaches Damkar.
    assert set(damkar_state) == {made["fire"], *made["burst"]}
    assert set(bpbd_state) == {made["fire"], made["flood"]}
    assert made["quiet"] not in op1.snapshot()["state"]  # cancelled: gone from the active queue
    flood_events = {e["id"] for e in events_after(start) if e["incident_id"] == made["flood"]}
    assert not flood_events & damkar_console.received_ids()
    call_events = {e["id"] for e in events_after(start) if e["kind"] == "call.logged"}
    assert call_events <= op1.received_ids() and not call_events & (damkar_console.received_ids() | bpbd_console.received_ids())


def test_a_console_that_drops_mid_stream_resumes_to_the_state_of_one_that_never_dropped(world, consoles, login):
    operator, damkar = login("operator"), login("damkar")
    start = last_event_id()
    steady, dropping, damkar_steady, damkar_dropping = consoles("operator", "operator2", "damkar", "damkar")

    first = operator.new_incident(world.category("kebakaran"))
    operator.dispatch(first["id"], world.agency("damkar"))
    dropping.wait_for_ids(live_visible(events_after(start), None))
    damkar_dropping.wait_for_ids(live_visible(events_after(start), world.agency("damkar")))

    dropping.drop()
    damkar_dropping.drop()
    # While they are away: Damkar acknowledges, new incidents arrive, one goes to Damkar.
    damkar.acknowledge(damkar.assignment_of(first["id"], world.agency("damkar")))
    second = operator.new_incident(world.category("hewan-berbahaya"))
    operator.dispatch(second["id"], world.agency("damkar"))
    operator.new_incident(world.category("kriminalitas"))
    operator.api("PATCH", f"/incidents/{first['id']}/", {"description": "Api sudah menjalar ke rumah sebelah"})
    assert not dropping.snapshot()["connected"]

    dropping.connect()
    damkar_dropping.connect()
    third = operator.new_incident(world.category("pohon-tumbang"))
    operator.dispatch(third["id"], world.agency("damkar"))

    for console, agency in ((steady, None), (damkar_steady, world.agency("damkar"))):
        assert_received_exactly(console, start, agency)
    # The operator that dropped got every event once, as the one that stayed.
    assert assert_received_exactly(dropping, start, None, resumed=True) == {i for i in steady.received_ids() if i > start}
    assert_received_exactly(damkar_dropping, start, world.agency("damkar"), resumed=True)

    assert steady.snapshot()["state"] == dropping.snapshot()["state"] == assert_console_matches_api(dropping, operator)
    assert damkar_steady.snapshot()["state"] == damkar_dropping.snapshot()["state"] == assert_console_matches_api(damkar_dropping, damkar)
    acknowledged = dropping.snapshot()["state"][first["id"]]
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["description"] == "Api sudah menjalar ke rumah sebelah"


def test_consoles_resume_after_the_server_restarts_and_get_what_was_written_while_it_was_down(world, server, consoles, login):
    from dispatch112.models import User
    from incidents.models import Incident
    from incidents.services import assignment_acknowledge, incident_update

    operator, damkar = login("operator"), login("damkar")
    start = last_event_id()
    operator_console, damkar_console = consoles("operator", "damkar", auto_reconnect=True)
    first = operator.new_incident(world.category("kebakaran"))
    operator.dispatch(first["id"], world.agency("damkar"))
    damkar_console.wait_for_ids(live_visible(events_after(start), world.agency("damkar")))

    server.stop()
    wait_for(lambda: not operator_console.snapshot()["connected"] and not damkar_console.snapshot()["connected"], message="the consoles to notice")
    # Written while no server runs (a Celery worker, the scheduler, another web process): only the
    # Event table carries them to the consoles.
    incident = Incident.objects.get(pk=first["id"])
    assignment_acknowledge(assignment=incident.assignments.get(agency__code="damkar"), by=User.objects.get(username="damkar"))
    incident = Incident.objects.get(pk=first["id"])
    incident_update(incident=incident, by=User.objects.get(username="operator"), version=incident.version, changes={"landmark": "Depan masjid"})

    server.start()
    after_restart = operator.new_incident(world.category("banjir"))
    operator.dispatch(after_restart["id"], world.agency("damkar"))

    assert_received_exactly(operator_console, start, None, resumed=True)
    assert_received_exactly(damkar_console, start, world.agency("damkar"), resumed=True)
    operator_state = assert_console_matches_api(operator_console, operator)
    assert_console_matches_api(damkar_console, damkar)
    assert operator_state[first["id"]]["status"] == "acknowledged"
    assert operator_state[first["id"]]["landmark"] == "Depan masjid"
    # And a console opened now agrees with the ones that lived through the restart.
    (fresh,) = consoles("supervisor")
    assert fresh.snapshot()["state"] == operator_console.snapshot()["state"]
    assert operator_console.snapshot()["connections"] >= 2


def test_an_agency_console_keeps_up_when_another_agency_joins_and_acknowledges_its_incident(world, consoles, login):
    # The incident snapshot an agency's console holds lists every assignment (as the API does), so
    # when a second agency is dispatched to the same incident and acknowledges, the first agency's
    # console must hear of it although the incident's status does not change.
    operator, damkar, bpbd = login("operator"), login("damkar"), login("bpbd")
    (damkar_console,) = consoles("damkar")
    fire = operator.new_incident(world.category("kebakaran"))
    operator.dispatch(fire["id"], world.agency("damkar"))
    damkar.acknowledge(damkar.assignment_of(fire["id"], world.agency("damkar")))

    operator.dispatch(fire["id"], world.agency("bpbd"))
    bpbd.acknowledge(bpbd.assignment_of(fire["id"], world.agency("bpbd")))

    state = assert_console_matches_api(damkar_console, damkar)
    assert [(a["agency"]["code"], a["status"]) for a in state[fire["id"]]["assignments"]] == [("damkar", "acknowledged"), ("bpbd", "acknowledged")]
