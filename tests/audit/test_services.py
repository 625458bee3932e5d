"""The services of the apps (relawan, cameras, rosters) and the pages that call them are audited,
with the request's user as the actor."""

import datetime

import pytest

from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_agency_changed_in_the_django_admin_names_the_admin_and_the_request(admin_client, admin_user):
    from incidents.models import Agency, AgencyKind

    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    response = admin_client.post(
        f"/admin/incidents/agency/{agency.pk}/change/",
        {"code": "bpbd", "name": "BPBD Samarinda", "kind": AgencyKind.DISASTER, "phone": "", "active": "on",
         "posts-TOTAL_FORMS": "0", "posts-INITIAL_FORMS": "0", "posts-MIN_NUM_FORMS": "0", "posts-MAX_NUM_FORMS": "1000"},
        HTTP_X_REQUEST_ID="req-audit-1",
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.filter(model_label="incidents.agency", object_id=str(agency.pk), action="update").get()
    assert entry.actor_username == admin_user.username and entry.actor_role == "admin"
    assert entry.changed_fields == ["name"]
    assert entry.request_id == "req-audit-1"
    assert entry.ip_address == "127.0.0.1"
    assert entry.path == f"/admin/incidents/agency/{agency.pk}/change/"


def test_a_users_role_given_in_the_django_admin_is_recorded(admin_client):
    from django.contrib.auth.models import Group

    user = UserFactory(username="rina")
    operators = Group.objects.get(name="operator")
    response = admin_client.post(
        f"/admin/dispatch112/user/{user.pk}/change/",
        {"username": "rina", "first_name": user.first_name, "last_name": "", "email": "", "phone": "", "is_active": "on",
         "groups": [operators.pk], "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:3000]
    roles = AuditEntry.objects.filter(model_label="dispatch112.user", object_id=str(user.pk), changed_fields=["groups"]).get()
    assert roles.after == {"groups": ["operator"]}
    assert roles.actor_username == "admin-audit"


def test_a_volunteer_saved_through_its_service_is_one_entry_with_skills(samarinda, admin_user):
    from audit.context import acting
    from volunteers.services import VolunteerInput, volunteer_create, volunteer_update

    from dispatch112.models import Kelurahan

    kelurahan = Kelurahan.objects.first()
    data = VolunteerInput(name="Relawan Satu", phone="081234567801", kelurahan=kelurahan, skills=["first_aid"], joined_on=datetime.date(2026, 1, 1))
    with acting(admin_user):
        volunteer = volunteer_create(data=data, by=admin_user)
        data.skills = ["first_aid", "fire"]
        volunteer_update(volunteer=volunteer, data=data, by=admin_user)

    created, changed = AuditEntry.objects.filter(model_label="volunteers.volunteer", object_id=str(volunteer.pk)).order_by("id")
    assert created.action == "create" and created.after["skills"] == ["first_aid"]
    assert changed.changed_fields == ["skills"]
    assert (changed.before["skills"], changed.after["skills"]) == (["first_aid"], ["fire", "first_aid"])


def test_a_camera_changed_through_the_api_with_a_token_names_the_tokens_user():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from cctv.models import Camera

    supervisor = UserFactory(username="sup-token", supervisor=True)
    token = Token.objects.create(user=supervisor)
    camera = Camera.objects.create(code="CAM-1", name="Simpang", latitude="-0.5", longitude="117.15", feed_url="https://cam.example/1.jpg")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.patch(f"/api/v1/cameras/{camera.pk}/", {"name": "Simpang Empat", "password": "feed-secret"}, format="json")
    assert response.status_code == 200, response.content

    entry = AuditEntry.objects.filter(model_label="cctv.camera", object_id=str(camera.pk), action="update").get()
    assert (entry.actor_username, entry.actor_role) == ("sup-token", "supervisor")
    assert set(entry.changed_fields) == {"name", "password"}
    assert entry.after["password"] == "***" and "feed-secret" not in str(entry.after)
    assert entry.path == f"/api/v1/cameras/{camera.pk}/"


def test_a_generated_roster_is_recorded_entry_by_entry_and_a_regeneration_records_the_removals(admin_user):
    from audit.context import acting
    from shifts.models import RosterEntry
    from shifts.demo import ensure_default_shift_types
    from shifts.services import roster_generate_pattern

    ensure_default_shift_types()
    team = [UserFactory(operator=True) for _ in range(2)]
    first_day = datetime.date(2026, 12, 1)
    with acting(admin_user):
        roster_generate_pattern(users=team, pattern="pagi-libur", start=first_day, end=first_day + datetime.timedelta(days=3), by=admin_user)
        created = AuditEntry.objects.filter(model_label="shifts.rosterentry", action="create")
        assert created.count() == RosterEntry.objects.count() == 4
        assert created.first().actor_username == "admin-audit"
        roster_generate_pattern(users=team, pattern="libur-pagi", start=first_day, end=first_day + datetime.timedelta(days=3), by=admin_user, replace=True)
    assert AuditEntry.objects.filter(model_label="shifts.rosterentry", action="delete").count() == 4
    assert AuditEntry.objects.filter(model_label="shifts.rosterentry", action="create").count() == 8
