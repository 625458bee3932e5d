"""The roster calendar and "my shifts" pages: who may see and change them, gaps at a glance,
the forms with their errors, the CSV export, and a fixed number of queries for a full month."""

import csv
import io
import re
from datetime import date

import pytest
from django.conf import settings

from dispatch112 import clock
from dispatch112.roles import Role
from shifts.models import Duty, RosterEntry, SwapRequest, SwapStatus
from shifts.services import roster_add, roster_generate_pattern
from tests.factories import UserFactory
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db

NOW = wita(2026, 11, 20, 10, 0)
MONTH = "2026-11"


@pytest.fixture(autouse=True)
def frozen():
    with clock.travel_to(NOW):
        yield


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_admin(english_client, admin):
    english_client.force_login(admin)
    return english_client


def cell(html, day, code, shift_types):
    """The <td> of one shift on one day."""
    match = re.search(
        rf'<td class="([^"]*)" data-date="{day}" data-shift="{shift_types[code].pk}"(.*?)</td>', html, re.S
    )
    assert match, f"no cell for {code} on {day}"
    return match.group(1), match.group(2)


def test_gaps_are_visible_at_a_glance(as_admin, shift_types, operator, operator2, supervisor):
    day = date(2026, 11, 24)
    for person in (operator, operator2):
        roster_add(shift_type=shift_types["pagi"], date=day, user=person, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["pagi"], date=day, user=supervisor, duty=Duty.SUPERVISOR, by=None)
    roster_add(shift_type=shift_types["siang"], date=date(2026, 11, 25), user=operator, duty=Duty.OPERATOR, by=None)

    html = as_admin.get("/shifts/", {"month": MONTH}).content.decode()

    classes, content = cell(html, "2026-11-24", "pagi", shift_types)
    assert "slot-ok" in classes
    assert "Budi Operator" in content and "Rina Operator" in content and "Sari Supervisor" in content
    assert "slot-gap" not in content
    classes, content = cell(html, "2026-11-24", "siang", shift_types)
    assert "slot-critical" in classes
    assert "2 operators short, no supervisor" in content
    classes, content = cell(html, "2026-11-25", "siang", shift_types)
    assert "slot-short" in classes
    assert "1 operator short, no supervisor" in content
    # 90 shifts in November, one fully staffed; 88 without any operator.
    assert "89 shifts below minimum staffing" in html
    assert "88 shifts without an operator" in html


def test_the_current_shift_and_today_are_marked(as_admin, shift_types):
    html = as_admin.get("/shifts/", {"month": MONTH}).content.decode()

    assert 'id="day-2026-11-20" class="is-today"' in html
    assert "slot-now" in cell(html, "2026-11-20", "pagi", shift_types)[0]


def test_a_bad_month_shows_this_month(as_admin, shift_types):
    response = as_admin.get("/shifts/", {"month": "2026-13"})

    assert response.status_code == 200
    assert "November 2026" in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [(Role.OPERATOR, 403), (Role.OPD_STAFF, 403), (Role.SUPERVISOR, 200), (Role.ADMIN, 200)])
def test_who_may_open_the_calendar(english_client, shift_types, role, status):
    english_client.force_login(UserFactory(role=role))

    assert english_client.get("/shifts/").status_code == status


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/shifts/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_supervisor_reads_but_cannot_change_the_roster(english_client, shift_types, supervisor, operator):
    english_client.force_login(supervisor)

    html = english_client.get("/shifts/").content.decode()
    response = english_client.post("/shifts/", {"action": "add", "add-date": "2026-11-24", "add-shift_type": shift_types["pagi"].pk,
                                                "add-user": operator.pk, "add-duty": "operator"})

    assert 'id="add-form"' not in html and "slot-add" not in html
    assert response.status_code == 403
    assert RosterEntry.objects.count() == 0


def add_post(client, shift_types, user, day="2026-11-24", code="pagi", duty="operator", **extra):
    data = {"action": "add", "month": MONTH, "add-date": day, "add-shift_type": shift_types[code].pk, "add-user": user.pk, "add-duty": duty}
    data.update(extra)
    return client.post("/shifts/", data)


def test_an_admin_fills_a_slot_and_sees_the_staffing_warning(as_admin, shift_types, operator):
    response = add_post(as_admin, shift_types, operator)

    assert response.status_code == 302
    assert response["Location"] == "/shifts/?month=2026-11#day-2026-11-24"
    entry = RosterEntry.objects.get()
    assert (entry.user, entry.date, entry.shift_type.code) == (operator, date(2026, 11, 24), "pagi")
    page = as_admin.get(response["Location"]).content.decode()
    assert "Budi Operator rostered on Pagi, Tue 24 Nov 2026." in page
    assert "Pagi, Tue 24 Nov 2026 is below minimum staffing: 1 operator short, no supervisor." in page


def test_a_refused_slot_shows_the_reason_next_to_the_person_field(as_admin, shift_types, operator):
    add_post(as_admin, shift_types, operator, code="malam", day="2026-11-23")

    response = add_post(as_admin, shift_types, operator, code="pagi", day="2026-11-24")

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<p class="field-error" id="id_add-user-error">(.*?)</p>', html).group(1)
    assert "Budi Operator would rest only 0 h after Malam, Mon 23 Nov 2026" in error
    assert '<details class="tool" id="tool-add" open>' in html
    assert RosterEntry.objects.count() == 1


def test_a_missing_field_is_named(as_admin, shift_types, operator):
    response = as_admin.post("/shifts/", {"action": "add", "month": MONTH, "add-date": "", "add-shift_type": shift_types["pagi"].pk, "add-user": operator.pk, "add-duty": "operator"})

    assert response.status_code == 400
    assert 'id="id_add-date-error"' in response.content.decode()


def test_an_admin_removes_a_person(as_admin, shift_types, operator):
    entry = roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 24), user=operator, duty=Duty.OPERATOR, by=None).entries[0]

    response = as_admin.post("/shifts/", {"action": "remove", "month": MONTH, "entry": entry.pk}, follow=True)

    assert "Budi Operator removed from Pagi, Tue 24 Nov 2026." in response.content.decode()
    assert RosterEntry.objects.count() == 0


def test_an_admin_generates_a_pattern_from_the_page(as_admin, shift_types, operator, operator2, operator3, supervisor):
    response = as_admin.post("/shifts/", {
        "action": "generate", "month": MONTH,
        "pattern-users": [operator.pk, supervisor.pk, operator2.pk, operator3.pk],
        "pattern-pattern": "pagi-pagi-siang-siang-malam-malam-libur-libur",
        "pattern-start": "2026-11-01", "pattern-end": "2026-11-30", "pattern-stagger_days": "2", "pattern-duty": "",
    }, follow=True)

    assert "90 roster entries generated." in response.content.decode()
    assert RosterEntry.objects.count() == 90


def test_a_bad_pattern_is_shown_on_the_pattern_field(as_admin, shift_types, operator):
    response = as_admin.post("/shifts/", {
        "action": "generate", "month": MONTH, "pattern-users": [operator.pk], "pattern-pattern": "pagi-sore",
        "pattern-start": "2026-11-01", "pattern-end": "2026-11-30", "pattern-stagger_days": "0", "pattern-duty": "",
    })

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_pattern-pattern-error">Unknown step “sore”', html)
    assert '<details class="tool" id="tool-pattern" open>' in html


def test_an_admin_copies_a_week(as_admin, shift_types, operator):
    roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 23), user=operator, duty=Duty.OPERATOR, by=None)

    response = as_admin.post("/shifts/", {"action": "copy", "month": MONTH, "copy-week_start": "2026-11-23", "copy-weeks": "2"}, follow=True)

    assert "2 roster entries copied." in response.content.decode()
    assert sorted(RosterEntry.objects.values_list("date", flat=True)) == [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]


def test_an_admin_proposes_a_swap_and_both_agree_on_their_page(as_admin, english_client, shift_types, operator, operator2, admin):
    budi = roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 24), user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    rina = roster_add(shift_type=shift_types["siang"], date=date(2026, 11, 26), user=operator2, duty=Duty.OPERATOR, by=None).entries[0]

    response = as_admin.post("/shifts/", {"action": "swap", "month": MONTH, "swap-first": budi.pk, "swap-second": rina.pk}, follow=True)
    assert "Swap proposed: Budi Operator and Rina Operator must both agree" in response.content.decode()
    swap = SwapRequest.objects.get()

    for person in (operator, operator2):
        english_client.force_login(person)
        page = english_client.get("/shifts/mine/").content.decode()
        assert "I agree" in page
        english_client.post(f"/shifts/swaps/{swap.pk}/agree/")

    swap.refresh_from_db()
    assert swap.status == SwapStatus.DONE
    assert RosterEntry.objects.get(pk=budi.pk).user == operator2


def test_an_operator_asks_for_a_swap_on_my_shifts(english_client, shift_types, operator, operator2):
    budi = roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 24), user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    rina = roster_add(shift_type=shift_types["siang"], date=date(2026, 11, 26), user=operator2, duty=Duty.OPERATOR, by=None).entries[0]
    english_client.force_login(operator)

    page = english_client.get("/shifts/mine/").content.decode()
    response = english_client.post("/shifts/mine/", {"swap-first": budi.pk, "swap-second": rina.pk, "swap-reason": "ke dokter"}, follow=True)

    assert "Tue 24 Nov" in page  # my coming shift is listed
    assert "Swap asked: it happens when Rina Operator agrees." in response.content.decode()
    swap = SwapRequest.objects.get()
    assert (swap.first_user, swap.second_user, swap.status) == (operator, operator2, SwapStatus.PENDING)


def test_an_operator_cannot_offer_someone_elses_shift(english_client, shift_types, operator, operator2, operator3):
    rina = roster_add(shift_type=shift_types["siang"], date=date(2026, 11, 26), user=operator2, duty=Duty.OPERATOR, by=None).entries[0]
    yusuf = roster_add(shift_type=shift_types["pagi"], date=date(2026, 11, 28), user=operator3, duty=Duty.OPERATOR, by=None).entries[0]
    english_client.force_login(operator)

    response = english_client.post("/shifts/mine/", {"swap-first": rina.pk, "swap-second": yusuf.pk})

    assert response.status_code == 400
    assert 'id="id_swap-first-error"' in response.content.decode()
    assert SwapRequest.objects.count() == 0


def test_the_month_exports_as_csv(as_admin, shift_types, operator, supervisor):
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 30), user=operator, duty=Duty.OPERATOR, by=None)
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 30), user=supervisor, duty=Duty.SUPERVISOR, by=None)
    operator.first_name = "=HYPERLINK(1)"
    operator.save()

    response = as_admin.get("/shifts/calendar/2026-11.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-2026-11.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 89 + 2  # 89 empty shifts, one shift with two people
    night = [r for r in rows if r["date"] == "2026-11-30" and r["shift"] == "malam"]
    # Supervisors first in a shift, as on the calendar.
    assert [(r["username"], r["duty"]) for r in night] == [("sari", "supervisor"), ("budi", "operator")]
    assert night[1]["name"].startswith("'=HYPERLINK")  # not run as a formula by a spreadsheet
    assert (night[1]["starts"], night[1]["ends"]) == ("2026-11-30 23:00", "2026-12-01 07:00")
    assert (night[1]["operators"], night[1]["supervisors"], night[1]["understaffed"]) == ("1", "1", "yes")
    empty = next(r for r in rows if r["date"] == "2026-11-01" and r["shift"] == "pagi")
    assert empty["username"] == "" and empty["gaps"] == "2 operators short; no supervisor"


def test_a_full_month_renders_in_a_fixed_number_of_queries(as_admin, shift_types, django_assert_max_num_queries):
    team = [UserFactory(role=Role.OPERATOR) for _ in range(8)]
    roster_generate_pattern(users=team, pattern="pagi-pagi-siang-siang-malam-malam-libur-libur", start=date(2026, 11, 1),
                            end=date(2026, 11, 30), stagger_days=1, by=None)

    with django_assert_max_num_queries(25):
        response = as_admin.get("/shifts/", {"month": MONTH})

    assert response.status_code == 200
    assert RosterEntry.objects.count() == 8 * 30 * 6 // 8


def test_the_calendar_speaks_bahasa_indonesia_by_default(client, shift_types, admin):
    from tests.shifts.conftest import indonesian

    client.force_login(admin)

    html = client.get("/shifts/", {"month": MONTH}).content.decode()

    for text in ("Roster calendar", "Add a person to a shift", "Generate a rotating pattern", "Copy a week to the next weeks"):
        assert indonesian(text) != text, f"no Indonesian for {text!r}"
        assert indonesian(text) in html
    assert "kurang 2 operator, tanpa supervisor" in html
    assert "90 shift di bawah personel minimum" in html
