"""Health checks against a real HTTP server: a camera that answers is online, one that times out or
fails goes offline after the failures in a row the setting asks for, and every change of status is
an Event pushed live to the consoles."""

import time

import pytest

from cctv.models import Camera, CameraStatus
from cctv.selectors import cameras_offline_longer_than
from cctv.services import cameras_check_health, camera_update
from dispatch112.models import Event
from tests.cctv.feedserver import PASSWORD, USER
from tests.cctv.support import make_camera, without_demo_cameras

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(world, fast_probes):
    without_demo_cameras()


def check(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return cameras_check_health()


def status_events():
    return list(Event.objects.filter(kind="camera.status").order_by("id"))


def test_a_camera_that_answers_with_a_picture_goes_online_and_the_change_is_pushed(
    registry, feed_server, pushed, clock, django_capture_on_commit_callbacks
):
    camera = make_camera("OK-1", url=feed_server.url("/ok.jpg"))

    summary = check(django_capture_on_commit_callbacks)

    camera.refresh_from_db()
    assert (summary.checked, summary.online) == (1, 1)
    assert camera.status == CameraStatus.ONLINE
    assert camera.last_seen == clock.now and camera.status_changed_at == clock.now
    [event] = status_events()
    assert event.audience == "console"
    assert event.payload["previous_status"] == "unknown" and event.payload["status"] == "online"
    status_pushes = [(groups, m) for groups, m in pushed if m["kind"] == "camera.status"]
    assert len(status_pushes) == 1
    groups, message = status_pushes[0]
    assert groups == ["console"]
    assert message["id"] == event.id
    assert message["data"]["camera"]["status"] == "online"
    assert message["data"]["camera"]["code"] == "OK-1"
    assert feed_server.url("/ok.jpg") not in str(message), "the camera's own address is not pushed to browsers"


def test_a_camera_that_does_not_answer_in_time_goes_offline_after_two_failed_checks(
    registry, feed_server, pushed, clock, django_capture_on_commit_callbacks
):
    camera = make_camera("SLOW-1", url=feed_server.url("/slow.jpg"))

    started = time.monotonic()
    check(django_capture_on_commit_callbacks)
    took = time.monotonic() - started
    camera.refresh_from_db()
    assert took < feed_server.slow_seconds, "the check waited for the slow camera instead of timing out"
    assert camera.status == CameraStatus.UNKNOWN, "one lost answer is not an outage"
    assert camera.failures == 1
    assert camera.last_error == "No answer within 1 s."
    assert status_events() == []

    clock.advance(minutes=1)
    check(django_capture_on_commit_callbacks)

    camera.refresh_from_db()
    assert camera.status == CameraStatus.OFFLINE
    assert camera.status_changed_at == clock.now
    [event] = status_events()
    assert (event.payload["previous_status"], event.payload["status"]) == ("unknown", "offline")
    assert event.payload["reason"] == "No answer within 1 s."
    assert [m["data"]["camera"]["status"] for _, m in pushed if m["kind"] == "camera.status"] == ["offline"]


def test_a_camera_answering_500_goes_offline_with_the_reason(registry, feed_server, pushed, django_capture_on_commit_callbacks):
    camera = make_camera("ERR-1", url=feed_server.url("/error.jpg"))

    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)

    camera.refresh_from_db()
    assert camera.status == CameraStatus.OFFLINE
    assert camera.last_error == "HTTP 500 from the camera."
    assert [e.payload["reason"] for e in status_events()] == ["HTTP 500 from the camera."]


def test_a_page_instead_of_a_picture_is_not_a_working_camera(registry, feed_server, django_capture_on_commit_callbacks):
    camera = make_camera("HTML-1", url=feed_server.url("/login.html"))

    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)

    camera.refresh_from_db()
    assert camera.status == CameraStatus.OFFLINE
    assert camera.last_error == "Not an image (text/html)."


def test_no_event_while_the_status_stays_the_same_and_one_when_the_camera_comes_back(
    registry, feed_server, pushed, clock, django_capture_on_commit_callbacks
):
    camera = make_camera("TOGGLE-1", url=feed_server.url("/toggle.jpg"))
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)
    assert len(status_events()) == 1  # unknown → online, once

    feed_server.toggle_up = False
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)
    feed_server.toggle_up = True
    clock.advance(minutes=5)
    check(django_capture_on_commit_callbacks)

    camera.refresh_from_db()
    assert camera.status == CameraStatus.ONLINE
    assert camera.last_seen == clock.now
    assert [(e.payload["previous_status"], e.payload["status"]) for e in status_events()] == [
        ("unknown", "online"),
        ("online", "offline"),
        ("offline", "online"),
    ]
    assert [m["data"]["status"] for _, m in pushed if m["kind"] == "camera.status"] == ["online", "offline", "online"]


def test_credentials_go_to_the_camera(registry, feed_server, django_capture_on_commit_callbacks):
    good = make_camera("AUTH-1", url=feed_server.url("/private.jpg"), username=USER, password=PASSWORD)
    wrong = make_camera("AUTH-2", url=feed_server.url("/private.jpg"), username=USER, password="nope")

    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)

    good.refresh_from_db()
    wrong.refresh_from_db()
    assert good.status == CameraStatus.ONLINE
    assert wrong.status == CameraStatus.OFFLINE
    assert "refused the user name or password" in wrong.last_error


def test_an_mjpeg_stream_and_an_hls_playlist_count_as_answers(registry, feed_server, django_capture_on_commit_callbacks):
    mjpeg = make_camera("MJPEG-1", url=feed_server.url("/stream.mjpeg"), kind="mjpeg")
    hls = make_camera("HLS-1", url=feed_server.url("/hls/index.m3u8"), kind="hls")
    not_hls = make_camera("HLS-2", url=feed_server.url("/ok.jpg"), kind="hls")

    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)

    statuses = dict(Camera.objects.values_list("code", "status"))
    assert statuses == {"MJPEG-1": "online", "HLS-1": "online", "HLS-2": "offline"}
    assert mjpeg.pk and hls.pk and not_hls.pk


def test_checks_run_a_bounded_number_at_once(registry, feed_server, fast_probes, django_capture_on_commit_callbacks):
    fast_probes.CCTV_PROBE_CONCURRENCY = 3
    feed_server.slow_seconds = 0.4
    fast_probes.CCTV_PROBE_TIMEOUT_SECONDS = 2
    for n in range(8):
        make_camera(f"SLOW-{n}", url=feed_server.url(f"/slow.jpg?n={n}"))

    summary = check(django_capture_on_commit_callbacks)

    assert summary.checked == 8 and summary.online == 8
    assert feed_server.max_active == 3, "checks must run in parallel, but never more than CCTV_PROBE_CONCURRENCY"


def test_inactive_cameras_are_not_checked(world, registry, feed_server, django_capture_on_commit_callbacks):
    camera = make_camera("OFF-1", url=feed_server.url("/ok.jpg"))
    camera_update(camera=camera, by=world.users["admin"], changes={"active": False})

    assert check(django_capture_on_commit_callbacks).checked == 0
    assert feed_server.hits("/ok.jpg") == 0


def test_a_camera_repointed_while_it_was_checked_keeps_its_new_feed_unjudged(
    world, registry, feed_server, django_capture_on_commit_callbacks
):
    from cctv.feeds import FeedTarget, ProbeResult
    from cctv.services import camera_record_probe

    camera = make_camera("MOVED-1", url=feed_server.url("/error.jpg"))
    target = FeedTarget.of(camera)
    camera_update(camera=camera, by=world.users["admin"], changes={"feed_url": feed_server.url("/ok.jpg")})

    assert camera_record_probe(camera_id=camera.pk, target=target, result=ProbeResult(False, "HTTP 500")) is None
    camera.refresh_from_db()
    assert camera.failures == 0 and camera.last_error == ""


def test_the_demo_feeds_are_checked_in_process(world, fast_probes, django_capture_on_commit_callbacks):
    check(django_capture_on_commit_callbacks)
    summary = check(django_capture_on_commit_callbacks)

    statuses = dict(Camera.objects.values_list("code", "status"))
    assert summary.checked == 30
    # SMD-CAM-13 plays a broken camera (503) and SMD-CAM-30 an RTSP camera nobody can reach.
    assert statuses.pop("SMD-CAM-13") == "offline"
    assert statuses.pop("SMD-CAM-30") == "offline"
    assert set(statuses.values()) == {"online"}


def test_the_supervisor_list_holds_cameras_offline_longer_than_the_threshold(
    registry, feed_server, clock, settings, client_for, django_capture_on_commit_callbacks
):
    settings.CCTV_OFFLINE_ALERT_MINUTES = 10
    make_camera("ERR-LONG", url=feed_server.url("/error.jpg"))
    make_camera("OK-2", url=feed_server.url("/ok.jpg"))
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)  # ERR-LONG offline from now
    clock.advance(minutes=9)
    make_camera("ERR-SHORT", url=feed_server.url("/error.jpg?b=1"))
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)  # ERR-SHORT offline from now

    assert [c.code for c in cameras_offline_longer_than(now=clock.now)] == []
    clock.advance(minutes=2)
    assert [c.code for c in cameras_offline_longer_than(now=clock.now)] == ["ERR-LONG"]

    body = client_for("supervisor").get("/api/v1/cameras/offline/").json()
    assert body["threshold_minutes"] == 10
    assert [(r["camera"]["code"], r["offline_seconds"]) for r in body["results"]] == [("ERR-LONG", 11 * 60)]


def test_the_beat_task_checks_the_cameras(registry, feed_server, django_capture_on_commit_callbacks):
    from dispatch112.celery import app
    from django.conf import settings

    make_camera("OK-3", url=feed_server.url("/ok.jpg"))
    assert settings.CELERY_BEAT_SCHEDULE["probe-cameras"]["task"] == "cctv.tasks.probe_cameras"
    task = app.tasks["cctv.tasks.probe_cameras"]  # registered when Django starts (CctvConfig.ready)

    with django_capture_on_commit_callbacks(execute=True):
        result = task.apply().get()

    assert result == {"checked": 1, "online": 1, "changes": 1}
    assert Camera.objects.get(code="OK-3").status == CameraStatus.ONLINE


def test_the_shift_handover_lists_the_cameras_offline(registry, feed_server, clock, settings, django_capture_on_commit_callbacks):
    from shifts.snapshot import sections

    settings.CCTV_OFFLINE_ALERT_MINUTES = 10
    make_camera("ERR-H", url=feed_server.url("/error.jpg"), name="Simpang Rusak")
    make_camera("OK-H", url=feed_server.url("/ok.jpg"))
    check(django_capture_on_commit_callbacks)
    check(django_capture_on_commit_callbacks)
    clock.advance(minutes=15)

    [section] = [s for s in sections() if s.key == "offline_cameras"]
    collected = section.collect(clock.now)

    assert collected["count"] == 1
    [item] = collected["items"]
    assert (item["title"], item["ref"], item["severity"]) == ("Simpang Rusak", "ERR-H", "high")
    assert item["detail"] == "HTTP 500 from the camera."
