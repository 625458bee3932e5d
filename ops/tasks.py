"""The heartbeat that tells /healthz a Celery worker and beat are alive.

Beat sends `heartbeat` every OPS_HEARTBEAT_SECONDS; its publication is beat's proof of life
(ops.apps connects the signal), its execution the worker's. Eager (the embedded default) both
happen in the process that runs the in-process schedule.
"""

import socket

from celery import shared_task

from ops.health import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY, record_heartbeat

HEARTBEAT_TASK = "ops.tasks.heartbeat"


@shared_task(bind=True, name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat(self):
    if self.request.is_eager:
        record_heartbeat(BEAT_HEARTBEAT_KEY, by="embedded")
        return
    record_heartbeat(WORKER_HEARTBEAT_KEY, by=self.request.hostname or socket.gethostname())


def beat_published(sender=None, **kwargs):
    """celery.signals.after_task_publish: only beat sends the heartbeat task."""
    if sender == HEARTBEAT_TASK:
        record_heartbeat(BEAT_HEARTBEAT_KEY, by=socket.gethostname())
