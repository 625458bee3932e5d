"""/manage/audit/: admins read and filter the trail and download it; nobody else gets in."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.context import acting
from audit.models import AuditEntry
from incidents.models import Agency, AgencyKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/audit/"


@pytest.fixture
def trail(admin_user):
    other = UserFactory(username="siti", admin=True)
    with acting(admin_user):
        agency = Agency.objects.create(code="bpbd", name="BPBD Kota", kind=AgencyKind.DISASTER)
        agency.name = "=HYPERLINK(\"http://evil\")"
        agency.save()
    with acting(other):
        Agency.objects.create(code="psc", name="PSC 119", kind=AgencyKind.MEDICAL)
    return agency


@pytest.mark.parametrize("role", ["operator", "supervisor", "opd_staff"])
def test_other_roles_are_refused(client, role):
    client.force_login(UserFactory(**{role: True}))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_sees_the_entries_with_hostile_names_escaped(admin_client, trail):
    response = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="id")
    page = response.content.decode()
    assert response.status_code == 200
    assert "BPBD Kota" in page and "PSC 119" in page
    assert "=HYPERLINK(&quot;http://evil&quot;)" in page  # escaped, shown as text


def test_filters_by_actor_model_object_action_and_date(admin_client, trail):
    def shown(**params):
        return admin_client.get(URL, params).context["page"].paginator.count

    assert shown() == AuditEntry.objects.count()
    assert shown(actor="siti") == 1
    assert shown(actor="admin-audit", model="incidents.agency") == 2
    assert shown(model="incidents.agency", object_id=str(trail.pk)) == 2
    assert shown(model="incidents.agency", action="update") == 1
    today = timezone.localdate()
    assert shown(model="incidents.agency", date_from=today.isoformat(), date_to=today.isoformat()) == 3
    assert shown(model="incidents.agency", date_to=(today - timedelta(days=1)).isoformat()) == 0
    # An impossible range is an error on the form, not a 500.
    response = admin_client.get(URL, {"date_from": today.isoformat(), "date_to": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 200 and response.context["form"].errors["date_to"]


def test_pages_of_fifty(admin_client, admin_user):
    with acting(admin_user):
        for n in range(60):
            Agency.objects.create(code=f"a{n}", name=f"Agency {n}", kind=AgencyKind.FIRE)
    first = admin_client.get(URL, {"model": "incidents.agency"})
    second = admin_client.get(URL, {"model": "incidents.agency", "page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "model=incidents.agency&amp;page=2" in first.content.decode()


def test_csv_export_follows_the_filters_and_neutralises_formulas(admin_client, trail):
    response = admin_client.get(URL + "export.csv", {"object_id": str(trail.pk), "model": "incidents.agency"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *body = rows
    assert len(body) == 2
    update = next(r for r in body if r[3] == "update")
    assert update[1] == "admin-audit"
    assert update[6].startswith("'=HYPERLINK")  # the object's name starts with "=": made text
    assert update[7] == "name"
