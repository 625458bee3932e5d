"""The fault tests' own precondition, as a test: on CI they must run on PostgreSQL, never be
skipped. (Marked for the database: pytest-django creates the test database only when a collected
test asks for it, and the other tests here share one committed world instead of asking.)"""

import os

import pytest


@pytest.mark.django_db(transaction=True)
def test_fault_tests_run_on_postgresql():
    from django.db import connection

    if os.environ.get("CI") == "true":
        assert connection.vendor == "postgresql", "CI must run the fault tests on PostgreSQL (DATABASE_URL)"
    assert connection.vendor == "postgresql"
