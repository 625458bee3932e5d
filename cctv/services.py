"""Writes: registering and editing cameras, recording health checks, the CSV import, wall layouts.

Each service is one transaction. A change the consoles should see is an Event (audience console)
written in that transaction and pushed on commit: `camera.status` when a health check changes a
camera's status, `camera.changed` when someone edits the registry, `camera.registry` after an import.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cctv.feeds import FeedTarget, ProbeResult, probe
from cctv.models import Camera, CameraStatus, WallLayout
from cctv.snapshots import camera_snapshot
from dispatch112 import clock, events
from dispatch112.errors import StaleVersion

EDITABLE_FIELDS = (
    "code",
    "name",
    "location",
    "kelurahan",
    "latitude",
    "longitude",
    "direction",
    "feed_kind",
    "feed_url",
    "username",
    "password",
    "active",
    "is_demo",
)
STATUS_EVENT = "camera.status"
CHANGED_EVENT = "camera.changed"
REGISTRY_EVENT = "camera.registry"


def split_url_credentials(url):
    """(url without user:password@, username, password): credentials typed into a URL are moved
    to their own fields so that the URL can be shown to managers without them."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return url, "", ""
    if not (username or password):
        return url, "", ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    from urllib.parse import unquote

    return urlunsplit(parts._replace(netloc=netloc)), unquote(username or ""), unquote(password or "")


def _normalise(data):
    data = dict(data)
    if "feed_url" in data:
        url, username, password = split_url_credentials(data["feed_url"])
        data["feed_url"] = url
        if username or password:
            data["username"], data["password"] = username, password
    for name in ("code", "name", "location", "username"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    return data


def _record(kind, camera, *, by, at, **extra):
    payload = {"camera": camera_snapshot(camera), **extra}
    if by is not None:
        payload["actor_name"] = str(by)
    return events.record(kind=kind, audience=events.AUDIENCE_CONSOLE, actor=by, payload=payload, at=at)


@transaction.atomic
def camera_create(*, by, data):
    """Register a camera. `data` holds model field values (kelurahan as an instance)."""
    data = _normalise(data)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    camera = Camera(**data)
    camera.full_clean()
    camera.save()
    camera = Camera.objects.with_related().get(pk=camera.pk)
    _record(CHANGED_EVENT, camera, by=by, at=clock.now(), change="created")
    return camera


@transaction.atomic
def camera_update(*, camera, by, changes, clear_credentials=False):
    """Edit a camera's registry fields. An empty password keeps the stored one (forms never show
    it back); `clear_credentials` removes the user name and password."""
    changes = _normalise(changes)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if clear_credentials:
        changes["username"], changes["password"] = "", ""
    elif changes.get("password", None) == "":
        changes.pop("password")
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    feed_changed = any(name in changes and changes[name] != getattr(camera, name) for name in ("feed_kind", "feed_url", "username", "password"))
    for name, value in changes.items():
        setattr(camera, name, value)
    camera.full_clean()
    update_fields = list(changes)
    if feed_changed:
        # A new feed has not been checked yet: its status is unknown until the next round.
        camera.status, camera.failures, camera.last_error = CameraStatus.UNKNOWN, 0, ""
        camera.status_changed_at = clock.now()
        update_fields += ["status", "failures", "last_error", "status_changed_at"]
    camera.save(update_fields=[*update_fields, "updated_at"])
    camera = Camera.objects.with_related().get(pk=camera.pk)
    _record(CHANGED_EVENT, camera, by=by, at=clock.now(), change="updated", fields=sorted(changes))
    return camera


@transaction.atomic
def camera_delete(*, camera, by):
    # Lock first (without joins: PostgreSQL cannot lock the nullable side of an outer join).
    locked = Camera.objects.select_for_update().get(pk=camera.pk)
    gone = Camera.objects.with_related().get(pk=locked.pk)
    gone.active = False  # consoles drop an inactive camera from the map and the wall
    locked.delete()
    gone.pk = camera.pk
    _record(CHANGED_EVENT, gone, by=by, at=clock.now(), change="deleted")


# --- health -----------------------------------------------------------------------------------------


@transaction.atomic
def camera_record_probe(*, camera_id, target, result, at=None):
    """Record one health check; a status change is an Event pushed live. Returns the event or None.

    A camera goes offline after CCTV_OFFLINE_AFTER_FAILURES failed checks in a row (one lost
    answer on a busy network is not an outage) and online at the first good answer.
    """
    now = at or clock.now()
    camera = Camera.objects.select_for_update().filter(pk=camera_id).first()
    if camera is None or not camera.active or FeedTarget.of(camera) != target:
        return None  # removed, deactivated or re-pointed while it was being checked
    previous = camera.status
    camera.last_checked_at = now
    if result.ok:
        camera.failures = 0
        camera.last_seen = now
        camera.last_error = ""
        new_status = CameraStatus.ONLINE
    else:
        camera.failures = min(camera.failures + 1, 32767)
        camera.last_error = result.reason[:255]
        new_status = CameraStatus.OFFLINE if camera.failures >= settings.CCTV_OFFLINE_AFTER_FAILURES else previous
    changed = new_status != previous
    if changed:
        camera.status = new_status
        camera.status_changed_at = now
    camera.save(update_fields=["status", "status_changed_at", "last_seen", "last_checked_at", "last_error", "failures"])
    if not changed:
        return None
    camera = Camera.objects.with_related().get(pk=camera.pk)
    return _record(STATUS_EVENT, camera, by=None, at=now, previous_status=previous, status=new_status, reason=result.reason)


@dataclass
class HealthRound:
    checked: int = 0
    online: int = 0
    offline_checks: int = 0
    events: list = field(default_factory=list)


def cameras_check_health(*, camera_ids=None, at=None):
    """Probe every active camera (or the given ones) and record what changed.

    Deliberately not one transaction: the network checks run first, a bounded number at once in
    worker threads (no database access there), then each result is recorded in its own short
    transaction, so one slow camera never holds a lock on another.
    """
    cameras = Camera.objects.active().order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    targets = [FeedTarget.of(camera) for camera in cameras]
    timeout = settings.CCTV_PROBE_TIMEOUT_SECONDS
    # The reasons are written in the language of whoever started the round (the center's
    # language for the scheduler); worker threads do not inherit it by themselves.
    language = translation.get_language()

    def check(target):
        with translation.override(language):
            return probe(target, timeout=timeout)

    results = {}
    remote = [t for t in targets if not t.is_local]
    if remote:
        with ThreadPoolExecutor(max_workers=min(settings.CCTV_PROBE_CONCURRENCY, len(remote)), thread_name_prefix="cctv-probe") as pool:
            for target, result in zip(remote, pool.map(check, remote)):
                results[target] = result
    # Feeds this server renders itself read the database: they are checked here, in this thread.
    for target in targets:
        if target.is_local:
            results[target] = probe(target, timeout=timeout)
    summary = HealthRound()
    now = at or clock.now()
    for target in targets:
        result = results.get(target, ProbeResult(False, _("Not checked.")))
        summary.checked += 1
        summary.online += int(result.ok)
        summary.offline_checks += int(not result.ok)
        event = camera_record_probe(camera_id=target.camera_id, target=target, result=result, at=now)
        if event is not None:
            summary.events.append(event)
    return summary


# --- wall layouts -----------------------------------------------------------------------------------


def _clean_camera_ids(camera_ids):
    # An id beyond a bigint is no camera; the database would refuse the query with an error, not an answer.
    if not isinstance(camera_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in camera_ids):
        raise ValidationError({"cameras": _("A list of camera ids.")})
    if len(camera_ids) > 256:
        raise ValidationError({"cameras": _("At most 256 cameras.")})
    seen, ordered = set(), []
    for camera_id in camera_ids:
        if camera_id not in seen:
            seen.add(camera_id)
            ordered.append(camera_id)
    known = set(Camera.objects.active().filter(pk__in=ordered).values_list("id", flat=True))
    missing = [i for i in ordered if i not in known]
    if missing:
        raise ValidationError({"cameras": _("Unknown or inactive camera(s): %(ids)s") % {"ids": ", ".join(map(str, missing))}})
    return ordered


def _locked_layout(user):
    WallLayout.objects.get_or_create(user=user, defaults={"cameras": [], "version": 0})
    return WallLayout.objects.select_for_update().get(user=user)


@transaction.atomic
def wall_layout_save(*, user, tiles_per_page, camera_ids, version):
    """Save a whole wall; `version` is the one the page loaded (a stale save is a 409)."""
    if tiles_per_page not in WallLayout.TilesPerPage.values:
        raise ValidationError({"tiles_per_page": _("Choose 4, 9 or 16 tiles per page.")})
    camera_ids = _clean_camera_ids(camera_ids)
    layout = _locked_layout(user)
    if version is not None and int(version) != layout.version:
        raise StaleVersion(
            _("This wall was changed elsewhere (another tab or the map) since you loaded it."),
            current=layout,
        )
    layout.tiles_per_page = tiles_per_page
    layout.cameras = camera_ids
    layout.version += 1
    layout.save()
    return layout


@transaction.atomic
def wall_layout_add_cameras(*, user, camera_ids, position=0):
    """Put cameras on the wall at `position` (0: the first tiles of the first page); cameras
    already on it move there. No version: adding is safe whatever else changed."""
    camera_ids = _clean_camera_ids(camera_ids)
    if not camera_ids:
        raise ValidationError({"cameras": _("Choose at least one camera.")})
    layout = _locked_layout(user)
    if layout.version == 0 and not layout.cameras:
        # First change of a wall never saved: start from the default wall the person has seen.
        layout.cameras = list(Camera.objects.active().order_by("code").values_list("id", flat=True))
    rest = [i for i in layout.cameras if i not in camera_ids]
    position = max(0, min(int(position), len(rest)))
    layout.cameras = rest[:position] + camera_ids + rest[position:]
    layout.version += 1
    layout.save()
    return layout


# --- CSV import -------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def cameras_import_csv(*, text, by):
    """Import a registry CSV (cctv.csvfile.COLUMNS): every row or none.

    Raises csvfile.CameraImportError listing every bad row (line number and reason). Rows match
    existing cameras by code and update them in place, so walls and history keep pointing at them.
    """
    from cctv import csvfile

    with transaction.atomic():
        rows, problems = csvfile.parse(text)
        if problems:
            raise csvfile.CameraImportError(sorted(problems, key=lambda p: p.line))
        summary = ImportSummary()
        now = clock.now()
        for row in rows:
            camera = row.camera
            if row.created:
                camera.save()
                summary.created.append(camera.code)
            elif row.changed_fields:
                if {"feed_kind", "feed_url", "username", "password"} & set(row.changed_fields):
                    camera.status, camera.failures, camera.last_error, camera.status_changed_at = CameraStatus.UNKNOWN, 0, "", now
                camera.save()
                summary.updated.append(camera.code)
            else:
                summary.unchanged.append(camera.code)
        if summary.created or summary.updated:
            # One event for the whole file: consoles reload the camera list once.
            events.record(
                kind=REGISTRY_EVENT,
                audience=events.AUDIENCE_CONSOLE,
                actor=by,
                payload={"created": len(summary.created), "updated": len(summary.updated), "actor_name": str(by) if by else None},
                at=now,
            )
    return summary
