from celery import shared_task


@shared_task(name="audit.tasks.anonymise_caller_data")
def anonymise_caller_data():
    """Nightly: blank the personal data of calls closed longer than CALLER_DATA_RETENTION_DAYS."""
    from audit.retention import caller_data_anonymise

    return caller_data_anonymise().as_dict()
