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
