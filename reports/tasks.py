from celery import shared_task

from reports import rollup


@shared_task(name="reports.tasks.build_rollups", ignore_result=True)
def build_rollups():
    """Roll up the closed months not rolled up yet, or changed since (reports/rollup.py)."""
    return [(month.isoformat(), source) for month, source in rollup.build_due()]
