"""The cameras nearest an incident: nearest first, within the radius, never an inactive one."""

import pytest

from cctv.selectors import cameras_nearest
from cctv.services import camera_update
from tests.cctv.support import BALAIKOTA, east_of, make_camera, north_of, without_demo_cameras

pytestmark = pytest.mark.django_db


@pytest.fixture
def cameras(world):
    without_demo_cameras()
    return {
        "at_300": make_camera("N-300", north_of(BALAIKOTA, 300)),
        "at_100": make_camera("E-100", east_of(BALAIKOTA, 100)),
        "at_900": make_camera("N-900", north_of(BALAIKOTA, 900)),
        "at_1500": make_camera("E-1500", east_of(BALAIKOTA, 1500)),
    }


def test_nearest_cameras_come_nearest_first_with_their_distance(cameras):
    near = cameras_nearest(latitude=BALAIKOTA[0], longitude=BALAIKOTA[1], radius_m=1000)

    assert [n.camera.code for n in near] == ["E-100", "N-300", "N-900"]
    assert [round(n.distance_m, -1) for n in near] == [100, 300, 900]


def test_a_camera_beyond_the_radius_is_left_out(cameras):
    assert [n.camera.code for n in cameras_nearest(latitude=BALAIKOTA[0], longitude=BALAIKOTA[1], radius_m=250)] == ["E-100"]
    assert "E-1500" in [n.camera.code for n in cameras_nearest(latitude=BALAIKOTA[0], longitude=BALAIKOTA[1], radius_m=2000)]


def test_an_inactive_camera_is_never_offered(world, cameras):
    camera_update(camera=cameras["at_100"], by=world.users["admin"], changes={"active": False})

    near = cameras_nearest(latitude=BALAIKOTA[0], longitude=BALAIKOTA[1], radius_m=1000)

    assert [n.camera.code for n in near] == ["N-300", "N-900"]


def test_the_limit_keeps_the_nearest(cameras):
    near = cameras_nearest(latitude=BALAIKOTA[0], longitude=BALAIKOTA[1], radius_m=5000, limit=2)

    assert [n.camera.code for n in near] == ["E-100", "N-300"]


def test_the_api_answers_nearest_cameras_for_the_operator_console(cameras, client_for):
    response = client_for("operator").get(
        "/api/v1/cameras/nearest/", {"latitude": str(BALAIKOTA[0]), "longitude": str(BALAIKOTA[1]), "radius": 1000}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["radius_m"] == 1000
    assert [r["camera"]["code"] for r in body["results"]] == ["E-100", "N-300", "N-900"]
    assert [r["distance_m"] for r in body["results"]] == pytest.approx([100, 300, 900], abs=2)
    first = body["results"][0]["camera"]
    assert first["feed"]["frame"] == f"/cctv/cameras/{first['id']}/frame/"
    assert first["feed_url"] is None, "operators do not see the camera's own address"


def test_the_radius_defaults_to_the_setting(cameras, client_for, settings):
    settings.CCTV_NEAREST_RADIUS_METERS = 350

    body = client_for("operator").get("/api/v1/cameras/nearest/", {"latitude": "-0.5022", "longitude": "117.1536"}).json()

    assert [r["camera"]["code"] for r in body["results"]] == ["E-100", "N-300"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"longitude": "117.15"}, "latitude"),
        ({"latitude": "abc", "longitude": "117.15"}, "latitude"),
        ({"latitude": "-0.5", "longitude": "117.15", "radius": "-5"}, "radius"),
        ({"latitude": "95", "longitude": "117.15"}, "latitude"),
    ],
)
def test_bad_coordinates_get_a_400_naming_the_field(cameras, client_for, params, field):
    response = client_for("operator").get("/api/v1/cameras/nearest/", params)

    assert response.status_code == 400
    assert field in response.json()["fields"]
