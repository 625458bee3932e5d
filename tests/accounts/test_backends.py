"""The authentication backend: the user and their roles in one read; a wrong password hashed once;
sessions of Django's own backend still served."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from accounts.backends import RoleModelBackend
from dispatch112.roles import Role, roles_of
from tests.factories import UserFactory

PASSWORD = "benar-112-sekali"


@pytest.fixture
def operator(db):
    return UserFactory(username="budi", password=PASSWORD, role=Role.OPERATOR)


def test_the_user_and_their_roles_are_one_query_on_postgresql(operator, django_assert_num_queries):
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        user = RoleModelBackend().get_user(operator.pk)
        assert roles_of(user) == {Role.OPERATOR}
        assert roles_of(user) == {Role.OPERATOR}  # kept on the object


def test_roles_follow_the_groups_at_each_read(operator):
    operator.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
    assert roles_of(RoleModelBackend().get_user(operator.pk)) == {Role.OPERATOR, Role.SUPERVISOR}
    operator.groups.clear()
    user = RoleModelBackend().get_user(operator.pk)
    assert user is not None and roles_of(user) == set()


def test_an_inactive_or_unknown_user_is_nobody(operator):
    get_user_model().objects.filter(pk=operator.pk).update(is_active=False)
    assert RoleModelBackend().get_user(operator.pk) is None
    assert RoleModelBackend().get_user(operator.pk + 1000) is None


def test_a_wrong_password_is_checked_once_and_counted_as_a_failure(client, operator, monkeypatch):
    from axes.models import AccessAttempt

    checks = []
    original = get_user_model().check_password
    monkeypatch.setattr(get_user_model(), "check_password", lambda self, raw: checks.append(raw) or original(self, raw))

    response = client.post("/accounts/login/", {"username": "budi", "password": "salah"})

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert checks == ["salah"]
    assert AccessAttempt.objects.get(username="budi").failures_since_start == 1
    client.post("/accounts/login/", {"username": "budi", "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(operator.pk)
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.RoleModelBackend"


def test_a_session_from_djangos_own_backend_stays_logged_in(client, operator):
    # A console that logged in before this backend existed keeps its session through the deployment.
    session = client.session
    session[SESSION_KEY] = str(operator.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key

    response = client.get("/api/v1/incidents/")

    assert response.status_code == 200
