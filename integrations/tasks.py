"""Celery tasks: thin, they call a service."""

from celery import shared_task

from integrations import services


@shared_task(name="integrations.tasks.read_cap_feeds", ignore_result=True)
def read_cap_feeds():
    return services.cap_feeds_read()


@shared_task(name="integrations.tasks.run_webhooks", ignore_result=True)
def run_webhooks():
    """Queue the documents of whatever changed, then send what is due (retries included)."""
    services.webhook_deliveries_queue()
    return services.webhook_deliveries_send_due()


@shared_task(name="integrations.tasks.send_webhook_delivery", ignore_result=True, acks_late=True)
def send_webhook_delivery(delivery_id):
    # A failed attempt is not retried here: the row's next_attempt_at is when the sweep
    # (run_webhooks, every few seconds) tries again.
    return services.webhook_delivery_send(delivery_id=delivery_id).status
