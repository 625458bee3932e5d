"""Operators log calls at the same moment: every incident gets its own number, the day's numbers
have no gap and no repeat, and every call is counted in its hour (real threads, real connections)."""

import threading

import pytest
from django.db import connection

from incidents.models import Call, Incident
from incidents.services import IncidentInput, call_log
from reports.facts import stored_call_hours
from tests.incidents.conftest import clock  # noqa: F401 — fixture
from tests.incidents.helpers import CITY_CENTRE

OPERATORS = 8


@pytest.fixture
def committed_world(transactional_db, django_capture_on_commit_callbacks):
    from dispatch112.demo import seed_core
    from incidents.models import IncidentCategory

    with django_capture_on_commit_callbacks(execute=True):
        seed_core()
    return IncidentCategory.objects.get(code="kebakaran")


def test_simultaneous_intakes_get_consecutive_unique_references(committed_world, clock, django_user_model):
    operator = django_user_model.objects.get(username="operator")
    start, failures = threading.Barrier(OPERATORS), []

    def intake(n):
        try:
            start.wait(10)
            call_log(
                by=operator,
                outcome="emergency",
                caller_number=f"08120000{n:04d}",
                new_incident=IncidentInput(category=committed_world, latitude=CITY_CENTRE[0], longitude=CITY_CENTRE[1]),
            )
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=intake, args=(n,)) for n in range(OPERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    references = sorted(Incident.objects.values_list("reference", flat=True))
    assert references == [f"112-SMD-20261127-{n:04d}" for n in range(1, OPERATORS + 1)]
    assert Call.objects.filter(incident__isnull=False).count() == OPERATORS
    assert sum(stored_call_hours().values()) == OPERATORS
