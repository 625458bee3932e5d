"""Nobody rewrites the trail: not the model, not a queryset, and on PostgreSQL not even raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnly, AuditEntry
from incidents.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    return AuditEntry.objects.get(model_label="incidents.agency", object_id=str(agency.pk))


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.actor_username = "someone-else"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_username="someone-else")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.actor_username == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; SQLite relies on the model")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(entry):
    for sql in ("UPDATE audit_auditentry SET actor_username = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, actor_username="").exists()


def test_deleting_a_user_keeps_what_they_did(admin_user):
    from audit.context import acting
    from tests.factories import UserFactory

    actor = UserFactory(username="leaving", admin=True)
    with acting(actor):
        agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    actor.delete()
    entry = AuditEntry.objects.get(model_label="incidents.agency", object_id=str(agency.pk))
    assert entry.actor_username == "leaving"


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_still_empty_the_table_afterwards():
    # The trigger refuses UPDATE and DELETE, not TRUNCATE: the test runner's flush after this
    # test (TRUNCATE on PostgreSQL) must succeed, or every later test would see these rows.
    Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
    assert AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_table_was_emptied_by_the_flush():
    assert not AuditEntry.objects.exists()
