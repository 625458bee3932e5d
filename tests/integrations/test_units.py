"""Units on the map: positions from OwnTracks, Traccar (OsmAnd) and the OPD console's browser,
each authenticated; pushed to the consoles and the unit's own agency only, throttled, with the
distance to the incident; OPD staff never see another agency's units."""

import base64

import pytest
from rest_framework.test import APIClient

from incidents.models import AssignmentStatus
from incidents.services import assignment_transition
from integrations.models import Unit, UnitPosition
from tests.incidents.helpers import walk

TOKEN = "trk-damkar-01-0123456789abcdef"


@pytest.fixture
def truck(world):
    return Unit.objects.create(agency=world.agency("damkar"), name="Damkar 01", token=TOKEN)


def positions_pushed(pushed):
    return [(groups, m["data"]["unit"]) for groups, m in pushed if m["kind"] == "unit.position"]


def test_owntracks_reports_with_basic_auth_place_the_truck_for_its_agency_only(world, truck, pushed, django_capture_on_commit_callbacks):
    credentials = base64.b64encode(f"damkar01:{TOKEN}".encode()).decode()
    body = {"_type": "location", "lat": -0.4951, "lon": 117.1490, "tst": 1795744800, "acc": 12, "vel": 36, "tid": "D1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post("/api/v1/units/owntracks/", body, format="json", HTTP_AUTHORIZATION=f"Basic {credentials}")

    assert response.status_code == 200 and response.json() == []
    position = UnitPosition.objects.get()
    assert (str(position.latitude), position.accuracy_m, position.speed_kmh, position.source) == ("-0.495100", 12, 36.0, "owntracks")
    ((groups, unit),) = positions_pushed(pushed)
    assert sorted(groups) == ["agency-%d" % world.agency("damkar").pk, "console"]
    assert unit["name"] == "Damkar 01" and unit["latitude"] == "-0.495100"


def test_traccar_osmand_parameters_with_the_device_id_as_token(world, truck, to_damkar, clock):
    incident, assignment = to_damkar()
    truck.assignment = assignment
    truck.save()
    response = APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": "-0.5100", "lon": "117.1536", "timestamp": "1795744800", "speed": "10", "bearing": "90"})
    assert response.status_code == 200

    supervisor = APIClient()
    supervisor.force_login(world.supervisor)
    (unit,) = supervisor.get("/api/v1/units/").json()["results"]
    assert unit["speed_kmh"] == 18.5 and unit["incident_reference"] == incident.reference
    assert 800 < unit["distance_m"] < 1100  # ~0.9 km south of the city centre


def test_bad_tokens_and_bad_coordinates_are_refused_and_change_nothing(world, truck):
    assert APIClient().get("/api/v1/units/traccar/", {"id": "guess", "lat": "-0.5", "lon": "117.1"}).status_code == 401
    truck.active = False
    truck.save()
    assert APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": "-0.5", "lon": "117.1"}).status_code == 401
    truck.active = True
    truck.save()
    bad = APIClient().post(f"/api/v1/units/owntracks/?token={TOKEN}", {"_type": "location", "lat": 123, "lon": 117.1}, format="json")
    assert bad.status_code == 400 and "lat" in bad.json()["fields"]
    assert not UnitPosition.objects.exists()


def test_positions_are_pushed_at_most_every_few_seconds(world, truck, pushed, clock, settings, django_capture_on_commit_callbacks):
    settings.UNIT_PUSH_MIN_SECONDS = 5
    with django_capture_on_commit_callbacks(execute=True):
        for lat in ("-0.5000", "-0.5001", "-0.5002"):
            APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": lat, "lon": "117.15"})
            clock.advance(seconds=2)
        clock.advance(seconds=2)
        APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": "-0.5003", "lon": "117.15"})
    assert UnitPosition.objects.count() == 4
    assert [u["latitude"] for _g, u in positions_pushed(pushed)] == ["-0.500000", "-0.500300"]


def test_opd_staff_share_from_the_console_while_en_route_and_it_stops_on_scene(world, to_damkar, client_for):
    incident, assignment = to_damkar()
    damkar = client_for(world.damkar_staff)
    fix = {"assignment": assignment.pk, "latitude": -0.4990, "longitude": 117.1500, "accuracy": 25}

    refused = damkar.post("/api/v1/units/share/", fix, format="json")
    assert refused.status_code == 409  # only once acknowledged
    walk(assignment, AssignmentStatus.EN_ROUTE, world.damkar_staff)
    assert damkar.post("/api/v1/units/share/", fix, format="json").status_code == 201
    (unit,) = client_for(world.supervisor).get("/api/v1/units/").json()["results"]
    assert unit["assignment_status"] == "en_route" and unit["distance_m"] > 0

    damkar.post("/api/v1/units/share/stop/", {}, format="json")
    assert client_for(world.supervisor).get("/api/v1/units/").json()["results"] == []


def test_opd_staff_see_and_share_only_for_their_own_agency(world, truck, to_damkar, client_for):
    _incident, assignment = to_damkar()
    walk(assignment, AssignmentStatus.EN_ROUTE, world.damkar_staff)
    APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": "-0.50", "lon": "117.15"})
    bpbd = client_for(world.bpbd_staff)

    assert bpbd.get("/api/v1/units/").json()["results"] == []
    assert [u["name"] for u in client_for(world.damkar_staff).get("/api/v1/units/").json()["results"]] == ["Damkar 01"]
    stolen = bpbd.post("/api/v1/units/share/", {"assignment": assignment.pk, "latitude": -0.5, "longitude": 117.15}, format="json")
    assert stolen.status_code == 404


def test_a_person_leaves_the_map_when_the_assignment_completes_and_a_truck_loses_its_line(world, truck, to_damkar, client_for):
    _incident, assignment = to_damkar()
    truck.assignment = assignment
    truck.save()
    walk(assignment, AssignmentStatus.EN_ROUTE, world.damkar_staff)
    damkar = client_for(world.damkar_staff)
    assert damkar.post("/api/v1/units/share/", {"assignment": assignment.pk, "latitude": -0.4990, "longitude": 117.1500}, format="json").status_code == 201
    APIClient().get("/api/v1/units/traccar/", {"id": TOKEN, "lat": "-0.5100", "lon": "117.1536"})
    supervisor = client_for(world.supervisor)
    on_map = {u["kind"]: u for u in supervisor.get("/api/v1/units/").json()["results"]}
    assert on_map["person"]["assignment_id"] == assignment.pk and on_map["person"]["distance_m"] > 0
    assert on_map["vehicle"]["assignment_id"] == assignment.pk and on_map["vehicle"]["distance_m"] > 0

    for step in (AssignmentStatus.ON_SCENE, AssignmentStatus.COMPLETED):
        assignment = assignment_transition(assignment=assignment, to=step, by=world.damkar_staff)

    (left,) = supervisor.get("/api/v1/units/").json()["results"]
    assert (left["kind"], left["name"], left["assignment_id"], left["distance_m"]) == ("vehicle", "Damkar 01", None, None)
    late = damkar.post("/api/v1/units/share/", {"assignment": assignment.pk, "latitude": -0.4991, "longitude": 117.1501}, format="json")
    assert late.status_code == 409  # the phone still sending after completion is told to stop
