"""What the trail records: creates, changes, deletes, role changes; who made them; never a secret."""

import pytest
from django.contrib.auth.models import Group

from audit.context import acting, batch
from audit.models import MASK, AuditEntry
from dispatch112.roles import Role
from incidents.models import Agency, AgencyKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(AuditEntry.objects.filter(model_label=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id"))


def test_creating_an_agency_records_its_values_and_who_made_it(admin_user):
    with acting(admin_user):
        agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)

    (entry,) = entries_for(agency)
    assert entry.action == "create"
    assert entry.before is None
    assert entry.after["name"] == "BPBD Kota" and entry.after["code"] == "bpbd"
    assert (entry.actor_id, entry.actor_username, entry.actor_role) == (admin_user.pk, "admin-audit", "admin")
    assert entry.object_repr == "BPBD Kota"


def test_a_change_records_before_after_and_only_the_changed_fields(admin_user):
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    with acting(admin_user):
        agency.name = "BPBD Samarinda"
        agency.phone = "0541123456"
        agency.save()

    entry = entries_for(agency)[-1]
    assert entry.action == "update"
    assert entry.changed_fields == ["name", "phone"]
    assert entry.before["name"] == "BPBD Kota" and entry.after["name"] == "BPBD Samarinda"
    assert entry.changes() == [("name", "BPBD Kota", "BPBD Samarinda"), ("phone", "", "0541123456")]


def test_saving_without_a_change_writes_nothing():
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    agency.save()
    assert [e.action for e in entries_for(agency)] == ["create"]


def test_a_delete_keeps_the_last_values(admin_user):
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    pk = agency.pk
    with acting(admin_user):
        agency.delete()

    entry = AuditEntry.objects.get(model_label="incidents.agency", object_id=str(pk), action="delete")
    assert entry.before["name"] == "BPBD Kota"
    assert entry.after is None
    assert entry.actor_username == "admin-audit"


def test_a_role_given_and_taken_is_recorded_on_the_user(admin_user):
    user = UserFactory(username="rina")
    operators = Group.objects.get(name=Role.OPERATOR)
    with acting(admin_user):
        user.groups.add(operators)
        operators.user_set.remove(user)  # from the other side too

    given, taken = [e for e in entries_for(user) if e.changed_fields == ["groups"]]
    assert (given.before, given.after) == ({"groups": []}, {"groups": ["operator"]})
    assert (taken.before, taken.after) == ({"groups": ["operator"]}, {"groups": []})
    assert given.actor_username == taken.actor_username == "admin-audit"


def test_passwords_are_never_written_only_that_they_changed(admin_user):
    user = UserFactory(username="rina")
    with acting(admin_user):
        user.set_password("a-new-secret-password")
        user.save()

    create, change = entries_for(user)
    assert create.after["password"] == MASK
    assert change.changed_fields == ["password"]
    assert change.before["password"] == change.after["password"] == MASK
    assert "pbkdf2" not in str(change.before) + str(change.after) and "md5" not in str(change.after)


def test_a_login_is_not_an_admin_change(client):
    user = UserFactory(username="rina", operator=True)
    before = AuditEntry.objects.count()
    client.force_login(user)  # writes last_login
    assert AuditEntry.objects.count() == before


def test_a_camera_health_check_is_not_an_admin_change():
    from cctv.models import Camera

    camera = Camera.objects.create(code="CAM-1", name="Simpang", latitude="-0.5", longitude="117.15", feed_url="https://cam.example/1.jpg", password="s3cret")
    camera.status, camera.failures = "offline", 3
    camera.save()
    (entry,) = entries_for(camera)
    assert entry.action == "create"
    assert entry.after["password"] == MASK and "s3cret" not in str(entry.after)
    assert "status" not in entry.after


def test_a_totp_secret_is_masked(admin_user):
    from django.utils import timezone

    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, sealed_secret="sealed-value", created_at=timezone.now())
    (entry,) = entries_for(device)
    assert entry.after["sealed_secret"] == MASK
    assert "sealed-value" not in str(entry.after)


def test_changes_made_in_one_batch_are_one_entry():
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    with batch():
        agency.name = "BPBD 1"
        agency.save()
        agency.name = "BPBD 2"
        agency.save()
    change = entries_for(agency)[-1]
    assert len(entries_for(agency)) == 2
    assert (change.before["name"], change.after["name"]) == ("BPBD Kota", "BPBD 2")


def test_a_batch_that_fails_records_nothing():
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    with pytest.raises(RuntimeError), batch():
        agency.name = "BPBD 1"
        agency.save()
        raise RuntimeError
    assert len(entries_for(agency)) == 1


def test_without_a_request_or_an_actor_the_change_is_the_systems():
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    (entry,) = entries_for(agency)
    assert entry.actor_id is None and entry.actor_username == ""
