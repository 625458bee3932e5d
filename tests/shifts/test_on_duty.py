"""Who is on duty at a moment: the selector, the API (roles, the `at` parameter, the schema) and
the header of every console page."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from dispatch112 import clock
from dispatch112.roles import Role
from shifts.models import Duty
from shifts.selectors import on_duty
from shifts.services import roster_add
from tests.factories import UserFactory
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db

URL = "/api/v1/shifts/on-duty/"
NIGHT = date(2026, 11, 27)


@pytest.fixture
def night_crew(shift_types, operator, operator2, supervisor, operator3):
    """Malam of 27 Nov: Budi and Sari; pagi of the 28th: Rina and Yusuf (no supervisor)."""
    roster_add(shift_type=shift_types["malam"], date=NIGHT, user=operator, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["malam"], date=NIGHT, user=supervisor, duty=Duty.SUPERVISOR, by=None)
    roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 28), user=operator2, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 28), user=operator3, duty=Duty.OPERATOR, by=None)


def names(entries):
    return sorted(e.user.username for e in entries)


def test_after_midnight_the_night_crew_of_the_day_before_is_on_duty(night_crew):
    result = on_duty(wita(2026, 11, 28, 2, 0))

    assert (result.slot.shift_type.code, result.slot.date) == ("malam", NIGHT)
    assert names(result.entries) == ["budi", "sari"]
    assert result.staffing.gaps() == ["1 operator short"]
    assert (result.next_slot.shift_type.code, names(result.next_entries)) == ("pagi", ["rina", "yusuf"])


def test_at_the_boundary_the_next_crew_is_on_duty(night_crew):
    before = on_duty(wita(2026, 11, 28, 6, 59, 59))
    after = on_duty(wita(2026, 11, 28, 7, 0, 0))

    assert names(before.entries) == ["budi", "sari"]
    assert names(after.entries) == ["rina", "yusuf"]
    assert after.staffing.gaps() == ["no supervisor"]
    assert after.staffing.severity == "short"


def test_nobody_rostered_is_a_critical_gap(shift_types):
    result = on_duty(wita(2026, 11, 28, 16, 0))

    assert result.entries == []
    assert result.staffing.severity == "critical"
    assert result.staffing.gaps() == ["2 operators short", "no supervisor"]


# --- the API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN])
def test_console_roles_ask_who_is_on_duty_at_a_moment(client, night_crew, role):
    client.force_login(UserFactory(role=role))

    response = client.get(URL, {"at": "2026-11-28T02:00:00+08:00"})

    assert response.status_code == 200
    body = response.json()
    assert body["at"] == "2026-11-28T02:00:00+08:00"
    assert body["shift"] == {
        "code": "malam",
        "name": "Malam",
        "date": "2026-11-27",
        "starts_at": "2026-11-27T23:00:00+08:00",
        "ends_at": "2026-11-28T07:00:00+08:00",
    }
    assert [(p["username"], p["duty"], p["name"]) for p in body["people"]] == [
        ("budi", "operator", "Budi Operator"),
        ("sari", "supervisor", "Sari Supervisor"),
    ]
    assert body["staffing"]["operators"] == {"rostered": 1, "required": 2, "missing": 1}
    assert body["staffing"]["supervisors"] == {"rostered": 1, "required": 1, "missing": 0}
    assert body["staffing"]["understaffed"] is True
    assert body["next_shift"]["code"] == "pagi"
    assert [p["username"] for p in body["next_people"]] == ["rina", "yusuf"]


@pytest.mark.parametrize("role", [Role.OPD_STAFF, Role.TELEPHONY])
def test_other_roles_are_refused(client, night_crew, role):
    client.force_login(UserFactory(role=role))

    response = client.get(URL)

    assert response.status_code == 403
    assert "people" not in response.json()


def test_anonymous_is_refused(client, night_crew):
    response = client.get(URL)

    assert response.status_code in (401, 403)
    assert "people" not in response.json()


def test_without_at_it_answers_for_now(client, night_crew, operator):
    client.force_login(operator)

    with clock.travel_to(wita(2026, 11, 28, 7, 30)):
        body = client.get(URL).json()

    assert (body["shift"]["code"], body["shift"]["date"]) == ("pagi", "2026-11-28")


@pytest.mark.parametrize(
    "query",
    [
        "at=2026-11-27T18:00:00Z",  # UTC
        "at=2026-11-28T02:00:00%2B08:00",  # encoded +
        "at=2026-11-28T02:00:00+08:00",  # a forgotten encoding: + arrives as a space
        "at=2026-11-28T02:00",  # no offset: WITA
    ],
)
def test_at_is_read_in_its_zone_and_wita_by_default(client, night_crew, operator, query):
    client.force_login(operator)

    body = client.get(f"{URL}?{query}").json()

    assert (body["shift"]["code"], body["shift"]["date"]) == ("malam", "2026-11-27")


def test_a_malformed_at_is_a_400_naming_the_field(client, operator, shift_types):
    client.force_login(operator)

    response = client.get(URL, {"at": "besok pagi"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["at"]
    assert "2026-11-27T23:30:00+08:00" in response.json()["fields"]["at"][0]


def test_the_on_duty_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/shifts/on-duty/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["at"]
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"at", "shift", "people", "staffing", "next_shift", "next_people"} <= set(schema["components"]["schemas"][response_schema]["properties"])


# --- the header of every console ------------------------------------------------------------------


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(("username", "page"), [("budi", "/console/"), ("sari", "/supervisor/"), ("ayu", "/manage/"), ("sari", "/shifts/")])
def test_every_console_header_shows_the_shift_its_people_and_gaps(english_client, night_crew, admin, username, page):
    from dispatch112.models import User

    english_client.force_login(User.objects.get(username=username))

    with clock.travel_to(wita(2026, 11, 28, 2, 0)):
        html = english_client.get(page).content.decode()

    header = html.split('id="on-duty"', 1)[1].split("</div>", 1)[0]
    assert "Malam" in header and "23:00–07:00" in header
    assert "Budi Operator" in header and "Sari Supervisor" in header
    assert "1 operator short" in header
    assert 'class="duty-now duty-short' in header


def test_the_header_counts_down_in_the_last_half_hour(english_client, night_crew, operator):
    english_client.force_login(operator)

    with clock.travel_to(wita(2026, 11, 28, 6, 41)):
        header = english_client.get("/console/").content.decode().split('id="on-duty"', 1)[1].split("</div>", 1)[0]

    assert "duty-ending" in header
    assert "ends in 19 min" in header


def test_opd_staff_see_no_command_center_roster_in_their_header(english_client, night_crew, opd_staff):
    english_client.force_login(opd_staff)

    with clock.travel_to(wita(2026, 11, 28, 2, 0)):
        html = english_client.get("/opd/").content.decode()

    assert "Budi Operator" not in html
    assert "duty-now" not in html


def test_the_header_fragment_is_refreshed_from_the_server(english_client, night_crew, operator):
    english_client.force_login(operator)

    with clock.travel_to(wita(2026, 11, 28, 7, 0, 5)):
        response = english_client.get(reverse("shifts-on-duty-fragment"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Pagi" in html and "Rina Operator" in html and "no supervisor" in html


def test_the_header_costs_a_fixed_number_of_queries(english_client, shift_types, operator, django_assert_max_num_queries):
    people = [UserFactory(role=Role.OPERATOR) for _ in range(12)]
    for person in people:
        roster_add(shift_type=shift_types["malam"], date=NIGHT, user=person, duty=Duty.OPERATOR, by=None)
    english_client.force_login(operator)

    with clock.travel_to(wita(2026, 11, 28, 2, 0)), django_assert_max_num_queries(8):
        english_client.get(reverse("shifts-on-duty-fragment"))
