"""The camera API and pages by role: operators read, supervisors and admins manage, OPD staff and
strangers get nothing; a camera's address and credentials never reach a browser."""

import pytest
from rest_framework.test import APIClient

from cctv.models import Camera, WallLayout
from dispatch112.models import Event
from tests.cctv.support import make_camera, without_demo_cameras

pytestmark = pytest.mark.django_db

SECRET_URL = "http://10.9.8.7/ISAPI/Streaming/channels/101/picture"
PASSWORD = "kata-sandi-rahasia"


@pytest.fixture
def secret_camera(world):
    return make_camera("SEC-1", url=SECRET_URL, username="viewer", password=PASSWORD)


def new_camera(**fields):
    return {
        "code": "NEW-1",
        "name": "Simpang Baru",
        "latitude": "-0.480000",
        "longitude": "117.150000",
        "feed_kind": "snapshot",
        "feed_url": "http://10.1.2.3/snap.jpg",
        **fields,
    }


@pytest.mark.parametrize("username", ["operator", "supervisor", "admin"])
def test_console_roles_read_the_registry(world, client_for, username):
    response = client_for(username).get("/api/v1/cameras/", {"active": "true", "limit": 1000})

    assert response.status_code == 200
    assert response.json()["count"] == 30


def test_opd_staff_and_strangers_cannot_read_cameras(world, client_for):
    assert client_for("damkar").get("/api/v1/cameras/").status_code == 403
    assert APIClient().get("/api/v1/cameras/").status_code in (401, 403)
    assert client_for("damkar").get("/api/v1/cameras/nearest/", {"latitude": "-0.5", "longitude": "117.15"}).status_code == 403


def test_an_operator_cannot_change_the_registry(world, client_for, secret_camera):
    operator = client_for("operator")

    assert operator.post("/api/v1/cameras/", new_camera(), format="json").status_code == 403
    assert operator.patch(f"/api/v1/cameras/{secret_camera.pk}/", {"name": "x"}, format="json").status_code == 403
    assert operator.delete(f"/api/v1/cameras/{secret_camera.pk}/").status_code == 403
    assert not Camera.objects.filter(code="NEW-1").exists()
    assert Camera.objects.get(pk=secret_camera.pk).name == "Kamera SEC-1"


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_supervisors_and_admins_register_edit_and_remove_cameras(world, client_for, username):
    manager = client_for(username)

    created = manager.post("/api/v1/cameras/", new_camera(username="viewer", password="pw-1"), format="json")
    assert created.status_code == 201, created.json()
    camera_id = created.json()["id"]
    assert created.json()["has_credentials"] is True
    assert "password" not in created.json() and "username" not in created.json()

    edited = manager.patch(f"/api/v1/cameras/{camera_id}/", {"name": "Simpang Baru (utara)", "direction": "N"}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["bearing"]) == ("Simpang Baru (utara)", 0)
    assert Camera.objects.get(pk=camera_id).password == "pw-1", "a PATCH without a password keeps it"

    assert manager.delete(f"/api/v1/cameras/{camera_id}/").status_code == 204
    assert not Camera.objects.filter(pk=camera_id).exists()
    kinds = list(Event.objects.filter(kind="camera.changed").values_list("payload__change", flat=True))
    assert kinds[-3:] == ["created", "updated", "deleted"]


def test_bad_camera_input_is_a_400_naming_the_field_and_changes_nothing(world, client_for):
    manager = client_for("supervisor")

    outside = manager.post("/api/v1/cameras/", new_camera(latitude="-6.200000", longitude="106.800000"), format="json")
    wrong_scheme = manager.post("/api/v1/cameras/", new_camera(feed_kind="hls", feed_url="rtsp://10.1.2.3/live"), format="json")
    duplicate = manager.post("/api/v1/cameras/", new_camera(code="SMD-CAM-01"), format="json")

    assert outside.status_code == 400 and "latitude" in outside.json()["fields"]
    assert wrong_scheme.status_code == 400 and "feed_url" in wrong_scheme.json()["fields"]
    assert duplicate.status_code == 400 and "code" in duplicate.json()["fields"]
    assert not Camera.objects.filter(code="NEW-1").exists()


def test_credentials_in_the_url_are_split_off_and_the_url_shown_to_managers_holds_none(world, client_for):
    response = client_for("admin").post(
        "/api/v1/cameras/", new_camera(feed_url="http://admin:12345@10.1.2.3/snap.jpg"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["feed_url"] == "http://10.1.2.3/snap.jpg"
    camera = Camera.objects.get(code="NEW-1")
    assert (camera.username, camera.password) == ("admin", "12345")


def test_the_camera_address_is_for_managers_only_and_the_password_for_nobody(world, client_for, secret_camera):
    as_operator = client_for("operator").get(f"/api/v1/cameras/{secret_camera.pk}/").json()
    as_admin = client_for("admin").get(f"/api/v1/cameras/{secret_camera.pk}/").json()

    assert as_operator["feed_url"] is None
    assert as_admin["feed_url"] == SECRET_URL
    for body in (as_operator, as_admin):
        assert PASSWORD not in str(body) and "viewer" not in str(body)
        assert body["feed"]["frame"] == f"/cctv/cameras/{secret_camera.pk}/frame/"


def test_the_pages_hold_neither_the_camera_address_nor_its_credentials(world, client, secret_camera):
    client.force_login(world.users["supervisor"])

    for path in ("/supervisor/", "/cctv/wall/", f"/cctv/cameras/{secret_camera.pk}/"):
        html = client.get(path).content.decode()
        assert "SEC-1" in html, path
        assert SECRET_URL not in html and "10.9.8.7" not in html, path
        assert PASSWORD not in html, path


def test_pushed_camera_events_hold_no_address_or_credentials(world, client_for, secret_camera):
    client_for("admin").patch(f"/api/v1/cameras/{secret_camera.pk}/", {"name": "Renamed"}, format="json")

    for event in Event.objects.filter(kind__startswith="camera."):
        assert "10.9.8.7" not in str(event.payload) and PASSWORD not in str(event.payload)


def test_the_list_filters_by_status_and_text(world, client_for):
    Camera.objects.filter(code="SMD-CAM-02").update(status="offline")
    operator = client_for("operator")

    offline = operator.get("/api/v1/cameras/", {"status": "offline"}).json()
    found = operator.get("/api/v1/cameras/", {"q": "lembuswana"}).json()

    assert [c["code"] for c in offline["results"]] == ["SMD-CAM-02"]
    assert [c["code"] for c in found["results"]] == ["SMD-CAM-01"]
    assert operator.get("/api/v1/cameras/", {"status": "broken"}).status_code == 400


# --- the wall layout --------------------------------------------------------------------------------


def ids(*codes):
    return [Camera.objects.get(code=c).pk for c in codes]


def test_a_supervisor_starts_with_every_camera_and_saves_a_layout(world, client_for):
    supervisor = client_for("supervisor")

    first = supervisor.get("/api/v1/wall-layout/").json()
    assert first["tiles_per_page"] == 9 and len(first["cameras"]) == 30 and first["version"] == 0

    chosen = ids("SMD-CAM-05", "SMD-CAM-01", "SMD-CAM-13")
    saved = supervisor.put("/api/v1/wall-layout/", {"tiles_per_page": 4, "cameras": chosen, "version": 0}, format="json")

    assert saved.status_code == 200
    assert saved.json() == {"tiles_per_page": 4, "cameras": chosen, "version": 1}
    assert WallLayout.objects.get(user=world.users["supervisor"]).cameras == chosen
    assert client_for("admin").get("/api/v1/wall-layout/").json()["version"] == 0, "every person has their own wall"


def test_a_stale_save_is_a_409_with_the_current_layout(world, client_for):
    supervisor = client_for("supervisor")
    supervisor.put("/api/v1/wall-layout/", {"tiles_per_page": 4, "cameras": ids("SMD-CAM-01"), "version": 0}, format="json")

    stale = supervisor.put("/api/v1/wall-layout/", {"tiles_per_page": 16, "cameras": [], "version": 0}, format="json")

    assert stale.status_code == 409
    assert stale.json()["current"] == {"tiles_per_page": 4, "cameras": ids("SMD-CAM-01"), "version": 1}


def test_putting_cameras_on_the_wall_moves_them_to_the_first_tiles(world, client_for):
    supervisor = client_for("supervisor")
    supervisor.put(
        "/api/v1/wall-layout/", {"tiles_per_page": 4, "cameras": ids("SMD-CAM-01", "SMD-CAM-02", "SMD-CAM-03"), "version": 0}, format="json"
    )

    added = supervisor.post("/api/v1/wall-layout/cameras/", {"cameras": ids("SMD-CAM-20", "SMD-CAM-02")}, format="json")

    assert added.status_code == 200
    assert added.json()["cameras"] == ids("SMD-CAM-20", "SMD-CAM-02", "SMD-CAM-01", "SMD-CAM-03")
    assert added.json()["version"] == 2


def test_wall_input_is_checked(world, client_for):
    supervisor = client_for("supervisor")

    assert supervisor.put("/api/v1/wall-layout/", {"tiles_per_page": 5, "cameras": [], "version": 0}, format="json").status_code == 400
    unknown = supervisor.post("/api/v1/wall-layout/cameras/", {"cameras": [999999]}, format="json")
    assert unknown.status_code == 400 and "999999" in unknown.json()["fields"]["cameras"][0]


def test_the_wall_belongs_to_supervisors_and_admins(world, client, client_for):
    assert client_for("operator").get("/api/v1/wall-layout/").status_code == 403
    client.force_login(world.users["operator"])
    assert client.get("/cctv/wall/").status_code == 403
    client.force_login(world.users["supervisor"])
    assert client.get("/cctv/wall/").status_code == 200


def test_removed_cameras_drop_off_a_saved_wall(world, client_for):
    supervisor = client_for("supervisor")
    chosen = ids("SMD-CAM-01", "SMD-CAM-02")
    supervisor.put("/api/v1/wall-layout/", {"tiles_per_page": 4, "cameras": chosen, "version": 0}, format="json")

    client_for("admin").patch(f"/api/v1/cameras/{chosen[0]}/", {"active": False}, format="json")

    assert supervisor.get("/api/v1/wall-layout/").json()["cameras"] == chosen[1:]


def test_the_schema_documents_the_cctv_api():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/cameras/",
        "/api/v1/cameras/{id}/",
        "/api/v1/cameras/nearest/",
        "/api/v1/cameras/offline/",
        "/api/v1/cameras/import/",
        "/api/v1/cameras/export/",
        "/api/v1/wall-layout/",
        "/api/v1/wall-layout/cameras/",
    ):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/cameras/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/cameras/{id}/"])
    nearest = {p["name"] for p in paths["/api/v1/cameras/nearest/"]["get"]["parameters"]}
    assert {"latitude", "longitude", "radius"} <= nearest
    assert "password" not in schema["components"]["schemas"]["Camera"]["properties"]


def test_the_camera_snapshot_has_the_fields_the_schema_declares(world, secret_camera):
    from cctv.serializers import CameraSerializer
    from cctv.snapshots import camera_snapshot

    assert list(camera_snapshot(secret_camera)) + ["feed_url"] == CameraSerializer.Meta.fields


def test_a_registry_without_demo_cameras_lists_none(world, client_for):
    without_demo_cameras()

    assert client_for("operator").get("/api/v1/cameras/").json()["count"] == 0
