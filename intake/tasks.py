"""Celery tasks: thin, they call a service."""

from celery import shared_task

from intake import services


@shared_task(name="intake.tasks.attach_aml_positions", ignore_result=True)
def attach_aml_positions():
    return services.aml_attach_due()
