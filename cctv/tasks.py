from celery import shared_task

from cctv.services import cameras_check_health


@shared_task(name="cctv.tasks.probe_cameras", ignore_result=True)
def probe_cameras(camera_ids=None):
    """Check every active camera's feed (or the given ones); status changes are pushed live."""
    summary = cameras_check_health(camera_ids=camera_ids)
    return {"checked": summary.checked, "online": summary.online, "changes": len(summary.events)}
