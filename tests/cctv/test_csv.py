"""CSV import and export of the camera registry: every bad row named with its line and reason,
all rows or none, credentials never exported."""

import csv
import io

import pytest

from cctv import csvfile
from cctv.csvfile import CameraImportError
from cctv.models import Camera, CameraStatus
from cctv.services import cameras_import_csv
from dispatch112.models import Event
from tests.cctv.support import make_camera, without_demo_cameras

pytestmark = pytest.mark.django_db

HEADER = "code,name,location,kelurahan_code,latitude,longitude,direction,feed_kind,feed_url,username,password,active,is_demo\n"
GOOD_ROWS = (
    "CAM-A,Simpang Lembuswana,Jl. M.T. Haryono,64.72.03.1005,-0.4770,117.1458,S,snapshot,http://10.0.0.11/snap.jpg,admin,rahasia,true,false\n"
    "CAM-B,Jembatan Mahakam,,64.72.06.1006,-0.5105,117.1283,SW,mjpeg,http://10.0.0.12/video.mjpg,,,,\n"
    "CAM-C,Simpang Palaran,Jl. Trikora,,-0.5930,117.1845,,rtsp,rtsp://10.0.0.13:554/stream1,,,ya,\n"
)


@pytest.fixture
def registry(world):
    without_demo_cameras()
    return world


def test_a_good_file_registers_every_camera(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = cameras_import_csv(text=HEADER + GOOD_ROWS, by=registry.users["admin"])

    assert summary.created == ["CAM-A", "CAM-B", "CAM-C"]
    a = Camera.objects.get(code="CAM-A")
    assert (a.name, a.kelurahan.name, a.direction, a.feed_kind, a.username, a.password) == (
        "Simpang Lembuswana", "Sidodadi", "S", "snapshot", "admin", "rahasia"
    )
    assert Camera.objects.get(code="CAM-C").kelurahan is None
    assert Camera.objects.get(code="CAM-B").active is True
    assert Event.objects.filter(kind="camera.registry").count() == 1


def test_bad_rows_are_all_reported_with_line_and_reason_and_nothing_is_imported(registry):
    text = HEADER + (
        "CAM-A,Simpang Lembuswana,,64.72.03.1005,-0.4770,117.1458,S,snapshot,http://10.0.0.11/snap.jpg,,,,\n"  # line 2: good
        "CAM-B,,,64.72.03.1005,-0.4770,117.1458,,snapshot,http://10.0.0.12/snap.jpg,,,,\n"  # 3: no name
        "CAM-C,Nowhere,,99.99.99.9999,-0.4770,117.1458,,snapshot,http://10.0.0.13/snap.jpg,,,,\n"  # 4: kelurahan
        "CAM-D,Jakarta,,,-6.2000,106.8000,,snapshot,http://10.0.0.14/snap.jpg,,,,\n"  # 5: outside the region
        "CAM-E,Wrong kind,,,-0.4770,117.1458,,webcam,http://10.0.0.15/x,,,,\n"  # 6: kind
        "CAM-F,RTSP as snapshot,,,-0.4770,117.1458,,snapshot,rtsp://10.0.0.16/stream,,,,\n"  # 7: scheme
        "CAM-A,Twice,,,-0.4770,117.1458,,snapshot,http://10.0.0.17/snap.jpg,,,,\n"  # 8: duplicate
        "CAM-G,Bad number,,,minus satu,117.1458,,snapshot,http://10.0.0.18/snap.jpg,,,,\n"  # 9: latitude
        "CAM-H,Bad flag,,,-0.4770,117.1458,,snapshot,http://10.0.0.19/snap.jpg,,,maybe,\n"  # 10: active
    )

    with pytest.raises(CameraImportError) as error:
        cameras_import_csv(text=text, by=registry.users["admin"])

    problems = {(p.line, p.code): p.reason for p in error.value.problems}
    assert sorted(line for line, _ in problems) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "name" in problems[(3, "CAM-B")]
    assert "Unknown kelurahan code '99.99.99.9999'" in problems[(4, "CAM-C")]
    assert "outside Kota Samarinda" in problems[(5, "CAM-D")]
    assert "Unknown feed_kind 'webcam'" in problems[(6, "CAM-E")]
    assert "rtsp" not in problems[(7, "CAM-F")].split("needs a URL starting with")[1].split("://")[0]
    assert "Duplicate code (first on line 2)" in problems[(8, "CAM-A")]
    assert "latitude 'minus satu' is not a number" in problems[(9, "CAM-G")]
    assert "active 'maybe' is not yes/no" in problems[(10, "CAM-H")]
    assert str(error.value) == "8 bad row(s); nothing was imported."
    assert Camera.objects.count() == 0, "all or nothing: the good row 2 is not imported either"
    assert not Event.objects.filter(kind__startswith="camera.").exists()


def test_a_missing_column_is_reported_on_line_1(registry):
    with pytest.raises(CameraImportError) as error:
        cameras_import_csv(text="code,name,latitude\nX,Y,1\n", by=registry.users["admin"])

    [problem] = error.value.problems
    assert problem.line == 1
    assert "longitude, feed_kind, feed_url" in problem.reason


def test_reimporting_updates_by_code_and_keeps_credentials_and_history(registry, django_capture_on_commit_callbacks):
    cameras_import_csv(text=HEADER + GOOD_ROWS, by=registry.users["admin"])
    a = Camera.objects.get(code="CAM-A")
    Camera.objects.filter(pk=a.pk).update(status=CameraStatus.ONLINE)

    renamed = HEADER + GOOD_ROWS.replace("Simpang Lembuswana,", "Simpang Lembuswana (Mal),").replace(",admin,rahasia,", ",,,")
    summary = cameras_import_csv(text=renamed, by=registry.users["admin"])

    a.refresh_from_db()
    assert summary.updated == ["CAM-A"] and summary.unchanged == ["CAM-B", "CAM-C"]
    assert a.pk == Camera.objects.get(code="CAM-A").pk
    assert a.name == "Simpang Lembuswana (Mal)"
    assert (a.username, a.password) == ("admin", "rahasia"), "empty credentials keep the stored ones"
    assert a.status == CameraStatus.ONLINE, "a new name does not make a camera unchecked"


def test_credentials_typed_into_the_url_are_moved_to_their_fields(registry):
    text = HEADER + "CAM-U,With URL credentials,,,-0.4770,117.1458,,snapshot,http://operator:p%40ss@10.0.0.20/snap.jpg,,,,\n"

    cameras_import_csv(text=text, by=registry.users["admin"])

    camera = Camera.objects.get(code="CAM-U")
    assert (camera.feed_url, camera.username, camera.password) == ("http://10.0.0.20/snap.jpg", "operator", "p@ss")


def test_the_export_reads_back_unchanged_and_holds_no_credentials(registry):
    cameras_import_csv(text=HEADER + GOOD_ROWS, by=registry.users["admin"])

    exported = csvfile.export(Camera.objects.select_related("kelurahan").order_by("code"))

    assert "rahasia" not in exported and ",admin," not in exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["code"] for r in rows] == ["CAM-A", "CAM-B", "CAM-C"]
    assert rows[0]["kelurahan_code"] == "64.72.03.1005" and rows[0]["feed_url"] == "http://10.0.0.11/snap.jpg"
    summary = cameras_import_csv(text=exported, by=registry.users["admin"])
    assert summary.unchanged == ["CAM-A", "CAM-B", "CAM-C"]
    assert Camera.objects.get(code="CAM-A").password == "rahasia"


def test_the_demo_registry_exports_and_reads_back(world):
    exported = csvfile.export(Camera.objects.select_related("kelurahan").order_by("code"))

    summary = cameras_import_csv(text=exported, by=world.users["admin"])

    assert len(summary.unchanged) == 30


def test_a_semicolon_separated_file_from_a_spreadsheet_is_read(registry):
    text = HEADER.replace(",", ";") + "CAM-S;Semicolon;;;-0.4770;117.1458;;snapshot;http://10.0.0.21/snap.jpg;;;;\n"

    assert cameras_import_csv(text=text, by=registry.users["admin"]).created == ["CAM-S"]


def test_the_api_import_answers_400_with_every_bad_row(registry, client_for):
    text = HEADER + GOOD_ROWS + "CAM-X,,,,-0.4770,117.1458,,snapshot,http://10.0.0.30/snap.jpg,,,,\n"

    response = client_for("supervisor").post("/api/v1/cameras/import/", data=text.encode(), content_type="text/csv")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert [(r["line"], r["code"]) for r in body["rows"]] == [(5, "CAM-X")]
    assert body["fields"]["file"][0].startswith("baris 5 (CAM-X): "), "in the console's language (Bahasa Indonesia)"
    assert Camera.objects.count() == 0


def test_the_api_import_of_a_good_upload_and_the_export(registry, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("kamera.csv", (HEADER + GOOD_ROWS).encode("utf-8-sig"), content_type="text/csv")
    response = client_for("admin").post("/api/v1/cameras/import/", {"file": upload}, format="multipart")

    assert response.status_code == 200, response.content
    assert response.json()["created"] == ["CAM-A", "CAM-B", "CAM-C"]
    export = client_for("admin").get("/api/v1/cameras/export/")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert "rahasia" not in export.content.decode("utf-8-sig")


def test_operators_can_neither_import_nor_export(registry, client_for):
    operator = client_for("operator")

    assert operator.post("/api/v1/cameras/import/", data=(HEADER + GOOD_ROWS).encode(), content_type="text/csv").status_code == 403
    assert operator.get("/api/v1/cameras/export/").status_code == 403
    assert Camera.objects.count() == 0


def test_the_admin_import_page_lists_the_bad_rows(registry, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(registry.users["admin"])
    upload = SimpleUploadedFile("kamera.csv", (HEADER + "CAM-Z,Zed,,,-6.2,106.8,,snapshot,http://10.0.0.40/a.jpg,,,,\n").encode())

    response = client.post("/admin/cctv/camera/import/", {"file": upload})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-problems"' in html
    assert "CAM-Z" in html and "Kota Samarinda" in html
    assert Camera.objects.count() == 0


def test_the_admin_edit_keeps_the_password_out_of_the_page_and_keeps_it_when_left_empty(registry, client):
    camera = make_camera("ADM-1", url="http://10.0.0.50/snap.jpg", username="viewer", password="jangan-tampil")
    client.force_login(registry.users["admin"])

    page = client.get(f"/admin/cctv/camera/{camera.pk}/change/").content.decode()
    assert "jangan-tampil" not in page

    form = {
        "code": "ADM-1", "name": "Renamed", "location": "", "kelurahan": "", "latitude": "-0.502200",
        "longitude": "117.153600", "direction": "", "feed_kind": "snapshot", "feed_url": "http://10.0.0.50/snap.jpg",
        "username": "viewer", "password": "", "active": "on",
    }
    response = client.post(f"/admin/cctv/camera/{camera.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    camera.refresh_from_db()
    assert camera.name == "Renamed" and camera.password == "jangan-tampil"
    assert Event.objects.filter(kind="camera.changed", payload__camera__code="ADM-1").count() == 2


def test_the_commands_export_and_import_a_file(registry, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    good = tmp_path / "kamera.csv"
    good.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    out = StringIO()
    call_command("import_cameras", str(good), stdout=out)
    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()

    exported = StringIO()
    call_command("export_cameras", stdout=exported)
    assert exported.getvalue().splitlines()[0] == HEADER.strip()
    assert len(exported.getvalue().splitlines()) == 4

    bad = tmp_path / "salah.csv"
    bad.write_text(HEADER + "CAM-Q,,,,-0.4770,117.1458,,snapshot,http://10.0.0.60/a.jpg,,,,\n", encoding="utf-8")
    errors = StringIO()
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_cameras", str(bad), stderr=errors)
    assert "line 2 (CAM-Q)" in errors.getvalue()
