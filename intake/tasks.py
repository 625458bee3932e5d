"""Celery tasks: thin, they call a service."""

from celery import shared_task

from intake import services


@shared_task(name="intake.tasks.attach_aml_positions", ignore_result=True)
def attach_aml_positions():
    return services.aml_attach_due()


@shared_task(name="intake.tasks.fetch_message_media", ignore_result=True)
def fetch_message_media(media_id):
    services.message_media_fetch(media_id=media_id)


@shared_task(name="intake.tasks.fetch_due_media", ignore_result=True)
def fetch_due_media():
    return services.message_media_fetch_due()
