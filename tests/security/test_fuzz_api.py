"""Fuzzing the API from its own OpenAPI schema (schemathesis): whatever a client sends, no answer
is a server error, and every answer matches the schema. Bounded: a few examples per operation,
as the admin (every console endpoint) and as an operator."""

import pytest
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

EXAMPLES_PER_OPERATION = 3
# Operations whose every request leaves the machine or waits on it; fuzzed elsewhere by their apps.
NOT_FUZZED = {"/api/v1/cameras/import/"}


@pytest.fixture
def app_in_test_transaction():
    """The WSGI application, without closing the database connection at the end of each request
    (the test's transaction lives on it), as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(security_world, app_in_test_transaction):
    import schemathesis
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app_in_test_transaction
    return schema


def _fuzz(api_schema, user):
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    headers = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path in NOT_FUZZED:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 — collected: one run names every failing operation
            failures.append(f"{operation.label}: {_summary(error)}")
    return failures


def _summary(error):
    causes = getattr(error, "exceptions", None) or [error]
    return "; ".join(f"{type(c).__name__}: {str(c)[:700]}" for c in causes)


@pytest.mark.parametrize("username", ["admin", "operator"])
def test_no_server_error_and_every_answer_matches_the_schema(api_schema, security_world, username):
    failures = _fuzz(api_schema, security_world.users[username])
    assert not failures, "\n\n".join(failures)
