"""Roles: the groups the migration creates, where each role lands, and who may open which page."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from dispatch112.demo import DEMO_LOGINS, seed_core
from dispatch112.roles import ROLE_PERMISSIONS, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "/console/": {Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN},
    "/supervisor/": {Role.SUPERVISOR, Role.ADMIN},
    "/manage/": {Role.ADMIN},
    "/opd/": {Role.OPD_STAFF},
    "/reports/": {Role.SUPERVISOR, Role.ADMIN, Role.PIMPINAN},
}
LANDING = {
    Role.OPERATOR: "/console/",
    Role.SUPERVISOR: "/supervisor/",
    Role.ADMIN: "/manage/",
    Role.OPD_STAFF: "/opd/",
    Role.PIMPINAN: "/reports/",
}


def navigation_links(html):
    nav = re.search(r'<nav class="nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "the page has no main navigation"
    return re.findall(r'href="([^"]+)"', nav.group(1))


def assert_navigation_fits_role(html, role):
    """The role's navigation links to every page of PAGES it may open, and to none it may not."""
    links = navigation_links(html)
    assert len(links) == len(set(links)), links
    for page, roles in PAGES.items():
        assert (page in links) is (role in roles), (role, page, links)
    return links


def log_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password}, follow=True)


def test_migration_creates_the_four_role_groups_with_their_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions__content_type")}

    assert {"operator", "supervisor", "admin", "opd_staff"} <= set(groups)
    # The groups the migrations made hold exactly what dispatch112.roles says each role holds.
    for role, permissions in ROLE_PERMISSIONS.items():
        held = {f"{p.content_type.app_label}.{p.codename}" for p in groups[role.value].permissions.all()}
        assert held == set(permissions), role


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (Role.OPERATOR, "dispatch112.use_operator_console", True),
        (Role.OPERATOR, "dispatch112.use_admin_pages", False),
        (Role.SUPERVISOR, "dispatch112.use_supervisor_console", True),
        (Role.ADMIN, "dispatch112.use_admin_pages", True),
        (Role.OPD_STAFF, "dispatch112.use_opd_console", True),
        (Role.OPD_STAFF, "dispatch112.use_operator_console", False),
    ],
)
def test_group_membership_grants_the_role_permissions(role, permission, expected):
    user = UserFactory(role=role)

    assert user.has_perm(permission) is expected


# One demo login per role (seed_core is the expensive part; more logins of one role add nothing).
ONE_DEMO_LOGIN_PER_ROLE = list({login.role: login for login in reversed(DEMO_LOGINS)}.values())


@pytest.mark.parametrize("login", ONE_DEMO_LOGIN_PER_ROLE, ids=lambda login: login.username)
def test_each_demo_role_lands_on_its_own_page_with_its_navigation(client, login):
    seed_core()

    response = log_in(client, login.username, login.password)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == LANDING[login.role]
    html = response.content.decode()
    links = assert_navigation_fits_role(html, login.role)
    assert f'role-badge role-{login.role}' in html
    if login.agency_code:
        # OPD staff see which agency they act for.
        assert response.context["user"].agency.name in html
    # No link in a role's navigation leads to a refusal.
    for link in links:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_are_open_to_their_roles_and_forbidden_to_others(client, role, page):
    client.force_login(UserFactory(role=role))

    response = client.get(page)

    if role in PAGES[page]:
        assert response.status_code == 200
        assert_navigation_fits_role(response.content.decode(), role)
    else:
        assert response.status_code == 403
        assert "(403)" in response.content.decode()


@pytest.mark.parametrize("page", ["/", *PAGES])
def test_anonymous_visitor_is_sent_to_the_login_page(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={page}"


def test_login_returns_to_the_page_asked_for(client):
    UserFactory(username="sari", password="sari-pw-112", role=Role.SUPERVISOR)

    response = client.post("/accounts/login/?next=/console/", {"username": "sari", "password": "sari-pw-112", "next": "/console/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/console/"
    assert response.status_code == 200


def test_logged_in_user_opening_the_login_page_goes_to_their_page(client):
    client.force_login(UserFactory(role=Role.OPD_STAFF))

    response = client.get("/accounts/login/", follow=True)

    assert response.redirect_chain[-1][0] == "/opd/"


def test_user_without_a_role_is_refused_with_an_explanation(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 403
    assert "Your account has no role yet" in response.content.decode()
    for page in PAGES:
        assert client.get(page).status_code == 403


def test_inactive_user_cannot_log_in(client):
    UserFactory(username="pensiun", password="pensiun-pw-112", role=Role.OPERATOR, is_active=False)

    response = log_in(client, "pensiun", "pensiun-pw-112")

    assert response.redirect_chain == []
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client):
    client.force_login(UserFactory(role=Role.OPERATOR))

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert client.get("/console/").status_code == 302


# --- language ------------------------------------------------------------------------------------


def test_login_page_speaks_bahasa_indonesia_by_default(client):
    html = client.get("/accounts/login/").content.decode()

    assert '<html lang="id"' in html
    assert re.search(r'<button type="submit" class="primary">\s*Masuk\s*</button>', html)


def test_language_can_be_switched_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert '<html lang="en"' in html
    assert re.search(r'<button type="submit" class="primary">\s*Log in\s*</button>', html)
    assert "Masuk" not in html
    # The choice sticks for the next pages.
    assert '<html lang="en"' in client.get("/accounts/login/").content.decode()

    client.post("/i18n/setlang/", {"language": "id", "next": "/accounts/login/"})
    assert "Masuk" in client.get("/accounts/login/").content.decode()
