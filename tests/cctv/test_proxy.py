"""The feed proxy: browsers get pictures and streams through this server, which adds the camera's
credentials upstream; what the camera sends can never run as a page of this site."""

import pytest

from cctv.models import Camera
from tests.cctv.feedserver import JPEG, PASSWORD, USER
from tests.cctv.support import make_camera

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(world, client):
    client.force_login(world.users["operator"])
    return client


def test_a_snapshot_comes_through_with_the_credentials_added_upstream(world, viewer, feed_server, fast_probes):
    camera = make_camera("PRIV-1", url=feed_server.url("/private.jpg"), username=USER, password=PASSWORD)

    response = viewer.get(f"/cctv/cameras/{camera.pk}/frame/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == JPEG
    assert response["Cache-Control"] == "no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert any(auth and auth.startswith("Basic ") for path, auth in feed_server.requests if path == "/private.jpg")


def test_a_failing_camera_gives_a_502_with_the_reason_not_a_broken_picture(world, viewer, feed_server, fast_probes):
    camera = make_camera("ERR-P", url=feed_server.url("/error.jpg"))
    slow = make_camera("SLOW-P", url=feed_server.url("/slow.jpg"))

    failed = viewer.get(f"/cctv/cameras/{camera.pk}/frame/")
    timed_out = viewer.get(f"/cctv/cameras/{slow.pk}/frame/")

    # In the viewer's language (the console's switch; Bahasa Indonesia by default).
    assert failed.status_code == 502
    assert failed.content.decode() == "HTTP 500 dari kamera."
    assert timed_out.status_code == 502
    assert timed_out.content.decode() == "Tidak ada jawaban dalam 1 detik."


def test_a_still_frame_is_cut_from_an_mjpeg_stream_and_the_stream_passes_through(world, viewer, feed_server, fast_probes):
    camera = make_camera("MJ-P", url=feed_server.url("/stream.mjpeg"), kind="mjpeg")

    frame = viewer.get(f"/cctv/cameras/{camera.pk}/frame/")
    stream = viewer.get(f"/cctv/cameras/{camera.pk}/stream/")

    assert frame.status_code == 200 and frame.content == JPEG
    assert stream.status_code == 200
    assert stream["Content-Type"] == "multipart/x-mixed-replace; boundary=frame"
    body = b"".join(stream.streaming_content)
    assert body.count(JPEG) == 3


def test_hls_playlists_point_back_at_the_proxy_and_nothing_outside_the_stream_is_fetched(world, viewer, feed_server, fast_probes):
    camera = make_camera("HLS-P", url=feed_server.url("/hls/index.m3u8"), kind="hls")

    playlist = viewer.get(f"/cctv/cameras/{camera.pk}/hls/index.m3u8")
    segment = viewer.get(f"/cctv/cameras/{camera.pk}/hls/seg1.ts")
    escape = viewer.get(f"/cctv/cameras/{camera.pk}/hls/../ok.jpg")

    assert playlist.status_code == 200
    text = playlist.content.decode()
    assert "seg0.ts" in text and "\nseg1.ts" in text and "127.0.0.1" not in text
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    assert escape.status_code == 404
    assert feed_server.hits("/ok.jpg") == 0


def test_who_may_watch(world, client, feed_server):
    camera = make_camera("ROLE-P", url=feed_server.url("/ok.jpg"))
    url = f"/cctv/cameras/{camera.pk}/frame/"

    assert client.get(url).status_code == 401
    client.force_login(world.users["damkar"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["supervisor"])
    assert client.get(url).status_code == 200
    assert feed_server.hits("/ok.jpg") == 1, "refused viewers never reach the camera"


def test_an_inactive_camera_is_not_served(world, viewer, feed_server):
    camera = make_camera("GONE-P", url=feed_server.url("/ok.jpg"))
    Camera.objects.filter(pk=camera.pk).update(active=False)

    assert viewer.get(f"/cctv/cameras/{camera.pk}/frame/").status_code == 404


def test_the_demo_feed_is_a_picture_with_the_camera_name_and_the_time(world, client, clock):
    camera = Camera.objects.get(code="SMD-CAM-01")

    response = client.get("/cctv/demo/SMD-CAM-01.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert camera.name in svg
    assert "27-11-2026 10:00:00 WITA" in svg
    assert "<script" not in svg


def test_a_demo_camera_set_up_broken_answers_503_and_unknown_ones_404(world, client):
    assert client.get("/cctv/demo/SMD-CAM-13.svg", {"state": "down"}).status_code == 503
    assert client.get("/cctv/demo/NOPE.svg").status_code == 404


def test_the_proxy_serves_demo_feeds_in_process(world, viewer):
    camera = Camera.objects.get(code="SMD-CAM-05")
    broken = Camera.objects.get(code="SMD-CAM-13")

    response = viewer.get(f"/cctv/cameras/{camera.pk}/frame/")

    assert response.status_code == 200 and camera.name in response.content.decode()
    assert viewer.get(f"/cctv/cameras/{broken.pk}/frame/").status_code == 502


def test_names_in_demo_pictures_are_escaped(world, client):
    from cctv.services import camera_update

    camera = Camera.objects.get(code="SMD-CAM-02")
    camera_update(camera=camera, by=world.users["admin"], changes={"name": "<script>alert(1)</script> & co"})

    svg = client.get("/cctv/demo/SMD-CAM-02.svg").content.decode()

    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
