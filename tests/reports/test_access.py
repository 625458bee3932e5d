"""Who may read the reports: supervisors, admins and the read-only pimpinan; never operators, OPD
staff or the PBX machine account; the pimpinan lands on the reports and can change nothing."""

import pytest
from django.contrib.auth.models import Group

from dispatch112.roles import Role
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.reports.conftest import DAY_PARAMS

pytestmark = pytest.mark.django_db

READERS = [Role.SUPERVISOR, Role.ADMIN, Role.PIMPINAN]
REFUSED = [Role.OPERATOR, Role.OPD_STAFF, Role.TELEPHONY]
URLS = ["/reports/", "/reports/print/", "/reports/export/calls_by_outcome.csv", "/reports/export/incidents.csv", "/api/v1/reports/figures/"]


def client_for(client, role):
    client.force_login(UserFactory(opd_staff=True) if role == Role.OPD_STAFF else UserFactory(role=role))
    return client


@pytest.mark.parametrize("role", READERS)
def test_supervisor_admin_and_pimpinan_read_every_report(client, role, dataset):
    client = client_for(client, role)

    for url in URLS:
        assert client.get(url, DAY_PARAMS).status_code == 200, url


@pytest.mark.parametrize("role", REFUSED)
def test_operators_opd_staff_and_machines_are_refused(client, role, dataset):
    client = client_for(client, role)

    for url in URLS:
        assert client.get(url, DAY_PARAMS).status_code == 403, url


def test_anonymous_is_sent_to_the_login_page_or_refused_by_the_api(client):
    assert client.get("/reports/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/reports/figures/").status_code in (401, 403)


def test_the_pimpinan_group_holds_only_the_reports_permission():
    group = Group.objects.get(name="pimpinan")

    assert [f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()] == ["reports.view_reports"]


def test_pimpinan_lands_on_the_reports_and_sees_only_them_in_the_navigation(client, dataset):
    UserFactory(username="kadis", role=Role.PIMPINAN)

    response = client.post("/accounts/login/", {"username": "kadis", "password": DEFAULT_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/reports/"
    nav = response.content.decode().split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/reports/"' in nav
    assert "/console/" not in nav and "/supervisor/" not in nav


def test_pimpinan_is_read_only(client, dataset):
    client = client_for(client, Role.PIMPINAN)

    assert client.get("/console/").status_code == 403
    assert client.get("/supervisor/").status_code == 403
    assert client.post("/api/v1/reports/figures/", {}).status_code == 405  # the reports API only reads
    assert client.post("/api/v1/calls/", {"outcome": "prank"}, content_type="application/json").status_code == 403


def test_supervisors_navigation_links_the_reports(client, dataset):
    client = client_for(client, Role.SUPERVISOR)

    assert 'href="/reports/"' in client.get("/supervisor/").content.decode()
