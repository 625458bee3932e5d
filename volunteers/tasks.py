"""Celery tasks: thin, they take ids and call a service.

`send_message` runs right after the activation commits; when the provider answers "later" it is
retried with exponential backoff (the delay is the message row's next_attempt_at, so a retry and
the sweep agree). `send_queued_messages` (beat) sends whatever is due — what the worker, the broker
or the provider missed — so a message is never lost; the row's claim keeps it from being sent twice.
"""

from celery import shared_task
from django.utils import timezone

from volunteers import services
from volunteers.models import MessageStatus


@shared_task(bind=True, name="volunteers.tasks.send_message", ignore_result=True, acks_late=True)
def send_message(self, message_id):
    message = services.message_send(message_id=message_id)
    if message.status == MessageStatus.QUEUED and not self.request.is_eager:
        # Eager (the embedded default): no waiting in the request; the in-process sweep retries.
        countdown = max(1, int((message.next_attempt_at - timezone.now()).total_seconds()) + 1)
        raise self.retry(countdown=countdown, max_retries=None)
    return message.status


@shared_task(name="volunteers.tasks.send_queued_messages", ignore_result=True)
def send_queued_messages():
    return services.messages_send_due()


@shared_task(name="volunteers.tasks.expire_activations", ignore_result=True)
def expire_activations():
    return services.activations_expire_due()
