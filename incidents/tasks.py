from celery import shared_task

from incidents.services import escalate_overdue_assignments as escalate


@shared_task(name="incidents.tasks.escalate_overdue_assignments", ignore_result=True)
def escalate_overdue_assignments():
    return escalate()
