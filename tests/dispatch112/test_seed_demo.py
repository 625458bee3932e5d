"""seed_demo: idempotent demo data for `make run`, refused in the production profile."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dispatch112.demo import DEMO_AGENCIES, DEMO_LOGINS
from dispatch112.models import Kecamatan, Kelurahan, Region, User
from dispatch112.roles import LANDING_URL_NAMES, Role
from incidents.models import Agency

pytestmark = pytest.mark.django_db


def logs_in(client, username, password):
    """Log in through the login page, as a person would; returns the page they land on or None."""
    client.logout()
    response = client.post("/accounts/login/", {"username": username, "password": password}, follow=True)
    return response.redirect_chain[-1][0] if response.redirect_chain else None


def counts():
    return {
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "agencies": Agency.objects.count(),
        "regions": Region.objects.count(),
        "kecamatan": Kecamatan.objects.count(),
        "kelurahan": Kelurahan.objects.count(),
    }


@pytest.fixture
def embedded(settings):
    """The embedded profile `make run` uses, whatever services this test run is on."""
    settings.EMBEDDED = True
    settings.DEBUG = False


def seed(*args):
    # The 30 days of demo calls and incidents belong to the incidents app's tests (and take
    # minutes); these tests are about the foundation: wilayah, agencies, users and roles.
    out = StringIO()
    call_command("seed_demo", "--no-history", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def every_model_count():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_twice_gives_the_same_data(embedded):
    first_output = seed()
    first = counts()
    everything = every_model_count()

    second_output = seed()

    assert counts() == first
    # Not only the foundation's tables: nothing any app seeds is duplicated by a second run.
    assert every_model_count() == everything
    assert first["groups"] == len(Role)
    assert first["agencies"] == len(DEMO_AGENCIES)
    assert (first["regions"], first["kecamatan"], first["kelurahan"]) == (1, 10, 59)
    usernames = set(User.objects.values_list("username", flat=True))
    assert {login.username for login in DEMO_LOGINS} <= usernames
    for output in (first_output, second_output):
        for login in DEMO_LOGINS:
            assert f"{login.username:<12} {login.password}" in output


def test_demo_passwords_work_and_each_user_has_their_role(embedded, client):
    seed()
    seed()

    for login in DEMO_LOGINS:
        assert logs_in(client, login.username, login.password) == reverse(LANDING_URL_NAMES[login.role])
        if login.agency_code:
            assert User.objects.get(username=login.username).agency.code == login.agency_code


def test_seeding_again_does_not_reset_a_changed_password(embedded, client):
    seed()
    operator = User.objects.get(username="operator")
    operator.set_password("a-new-private-password")
    operator.save()

    seed()

    assert logs_in(client, "operator", "operator-112-demo") is None
    assert logs_in(client, "operator", "a-new-private-password") == "/console/"


def test_seed_demo_imports_the_configured_region(embedded, settings):
    settings.REGION_CODE = "64.02"

    seed()

    assert Region.objects.get().name == "Kabupaten Kutai Kartanegara"
    assert Kelurahan.objects.count() == 44 + 193


def test_seed_demo_refuses_in_the_production_profile(settings):
    settings.EMBEDDED = False
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        seed()

    assert not User.objects.exists()
    assert not Kelurahan.objects.exists()


def test_seed_demo_in_production_with_allow_production(settings, client):
    settings.EMBEDDED = False
    settings.DEBUG = False

    seed("--allow-production")

    assert logs_in(client, "supervisor", "supervisor-112-demo") == "/supervisor/"
