import pytest

from tests.factories import UserFactory
from tests.reports.conftest import dataset, pbx_calls  # noqa: F401  (the reports' fixed day)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-audit", admin=True, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
