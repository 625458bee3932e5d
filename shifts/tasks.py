from celery import shared_task

from shifts.services import shift_ending_remind


@shared_task(name="shifts.tasks.remind_shift_ending", ignore_result=True)
def remind_shift_ending():
    event = shift_ending_remind()
    return event.pk if event is not None else None
