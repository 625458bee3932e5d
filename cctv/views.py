"""CCTV pages (the wall, one camera) and the feed proxy.

The proxy views are async: a camera that does not answer keeps its request waiting for up to
CCTV_FEED_TIMEOUT_SECONDS, and under ASGI a sync view would hold Django's one shared thread for
sync views that long, stalling every other page. The upstream I/O runs in worker threads.
"""

import asyncio

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cctv import feeds, selectors
from cctv.demo import render_demo_svg
from cctv.models import BEARINGS, Camera, CameraStatus, Direction, FeedKind
from cctv.snapshots import camera_snapshot
from dispatch112.models import Event
from dispatch112.roles import CONSOLE_ROLES, Role, has_role
from dispatch112.views import RolePage

WALL_ROLES = (Role.SUPERVISOR, Role.ADMIN)
# Whatever a camera sends is shown as a picture, never run as a page of this site.
FEED_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
}


def cctv_config():
    """What every CCTV view in a page needs: cameras, labels and the API's addresses."""
    return {
        "cameras": [camera_snapshot(c) for c in selectors.cameras_for_map()],
        "camera_statuses": {s.value: str(s.label) for s in CameraStatus},
        "feed_kinds": {k.value: str(k.label) for k in FeedKind},
        "directions": {d.value: str(d.label) for d in Direction},
        "bearings": BEARINGS,
        "offline_alert_minutes": settings.CCTV_OFFLINE_ALERT_MINUTES,
        "nearest_radius_m": settings.CCTV_NEAREST_RADIUS_METERS,
        "urls": {
            "cameras": reverse("api:camera-list", kwargs={"version": "v1"}) + "?active=true&limit=1000",
            "nearest": reverse("api:camera-nearest", kwargs={"version": "v1"}),
            "offline": reverse("api:camera-offline", kwargs={"version": "v1"}),
            "layout": reverse("api:wall-layout", kwargs={"version": "v1"}),
            "wall_add": reverse("api:wall-layout-add", kwargs={"version": "v1"}),
            "wall": reverse("cctv-wall"),
            "map": reverse("supervisor-home"),
        },
    }


class WallPage(RolePage):
    allowed_roles = WALL_ROLES
    template_name = "cctv/wall.html"

    def get_context_data(self, **kwargs):
        from cctv.api import layout_data

        # Read before the cameras: the live stream resumes from here, so no change is missed.
        last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        config = {
            "language": get_language() or "id",
            "last_event_id": last_event_id,
            **cctv_config(),
            "layout": layout_data(selectors.wall_layout_for(self.request.user)),
            "tile_choices": [4, 9, 16],
        }
        return super().get_context_data(wall_config=config, **kwargs)


class CameraPage(RolePage):
    """One camera, large: the console links here from an incident's nearest cameras."""

    allowed_roles = CONSOLE_ROLES
    template_name = "cctv/camera.html"

    def get_context_data(self, **kwargs):
        last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        camera = Camera.objects.with_related().filter(pk=self.kwargs["pk"], active=True).first()
        if camera is None:
            raise Http404(_("No such camera."))
        config = {"language": get_language() or "id", "last_event_id": last_event_id, **cctv_config(), "camera_id": camera.pk}
        return super().get_context_data(camera=camera, wall_config=config, **kwargs)


# --- the feed proxy ----------------------------------------------------------------------------------


async def _allowed_camera(request, pk):
    """The active camera, if the signed-in user may watch it; else an error response."""
    user = await request.auser()
    if not user.is_authenticated:
        return None, HttpResponse(_("Log in to watch cameras."), status=401, content_type="text/plain; charset=utf-8")
    if not await sync_to_async(has_role)(user, *CONSOLE_ROLES):
        return None, HttpResponse(_("Your role does not give access to cameras."), status=403, content_type="text/plain; charset=utf-8")
    camera = await Camera.objects.filter(pk=pk, active=True).afirst()
    if camera is None:
        return None, HttpResponse(_("No such camera."), status=404, content_type="text/plain; charset=utf-8")
    return camera, None


def _feed_error(error, status=502):
    return HttpResponse(str(error), status=status, content_type="text/plain; charset=utf-8", headers=FEED_HEADERS)


async def _io(target, function, *args, **kwargs):
    # A feed this server renders itself reads the database: it runs where the ORM may (and is
    # fast); a camera on the network is waited for in a worker thread.
    if target.is_local:
        return await sync_to_async(function)(target, *args, **kwargs)
    return await asyncio.to_thread(function, target, *args, **kwargs)


@require_GET
async def camera_frame(request, pk):
    """One still picture: the camera's snapshot, or a frame cut from its MJPEG stream."""
    camera, denied = await _allowed_camera(request, pk)
    if denied:
        return denied
    target = feeds.FeedTarget.of(camera)
    try:
        content_type, body = await _io(
            target, feeds.fetch_frame, timeout=settings.CCTV_FEED_TIMEOUT_SECONDS, max_bytes=settings.CCTV_FEED_MAX_BYTES
        )
    except feeds.FeedError as error:
        return _feed_error(error)
    response = HttpResponse(body, content_type=content_type, headers=FEED_HEADERS)
    response["X-Frame-Time"] = timezone.now().isoformat()
    return response


@require_GET
async def camera_stream(request, pk):
    """The camera's MJPEG stream passed through, for at most CCTV_STREAM_MAX_SECONDS (the page
    reconnects), so a forgotten tab does not hold a connection to the camera for ever."""
    camera, denied = await _allowed_camera(request, pk)
    if denied:
        return denied
    target = feeds.FeedTarget.of(camera)
    timeout = settings.CCTV_FEED_TIMEOUT_SECONDS
    try:
        upstream, content_type = await asyncio.to_thread(feeds.open_stream, target, timeout=timeout)
    except feeds.FeedError as error:
        return _feed_error(error)
    limit = settings.CCTV_STREAM_MAX_SECONDS

    async def async_chunks():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        try:
            while loop.time() < deadline:
                chunk = await asyncio.to_thread(feeds.read_chunk, upstream)
                if not chunk:
                    break
                yield chunk
        finally:
            upstream.close()

    def sync_chunks():
        import time

        deadline = time.monotonic() + limit
        try:
            while time.monotonic() < deadline:
                chunk = feeds.read_chunk(upstream)
                if not chunk:
                    break
                yield chunk
        finally:
            upstream.close()

    # Under ASGI the body must be an async iterator (Django would read a sync one to the end
    # before sending anything: an endless stream would never start); under WSGI a sync one.
    body = async_chunks() if isinstance(request, ASGIRequest) else sync_chunks()
    return StreamingHttpResponse(body, content_type=content_type, headers=FEED_HEADERS)


@require_GET
async def camera_hls(request, pk, name):
    """The HLS playlist and segments of a camera, fetched with its credentials."""
    camera, denied = await _allowed_camera(request, pk)
    if denied:
        return denied
    target = feeds.FeedTarget.of(camera)
    try:
        content_type, body = await asyncio.to_thread(
            feeds.fetch_hls, target, name, timeout=settings.CCTV_FEED_TIMEOUT_SECONDS, max_bytes=settings.CCTV_FEED_MAX_BYTES * 4
        )
    except feeds.FeedError as error:
        return _feed_error(error, status=404 if isinstance(error, feeds.FeedFileNotFound) else 502)
    return HttpResponse(body, content_type=content_type, headers=FEED_HEADERS)


@require_GET
def demo_feed(request, code):
    """A demo camera's picture: its name and the time now (WITA). `?state=down` plays a broken camera.

    Open to anyone, like a public street camera: it shows only demo data, and only for cameras
    marked as demo.
    """
    camera = Camera.objects.filter(code=code, is_demo=True).first()
    if camera is None:
        raise Http404("no such demo camera")
    if request.GET.get("state") == "down":
        return HttpResponse("demo camera out of order\n", status=503, content_type="text/plain; charset=utf-8", headers=FEED_HEADERS)
    return HttpResponse(render_demo_svg(camera), content_type="image/svg+xml; charset=utf-8", headers=FEED_HEADERS)
