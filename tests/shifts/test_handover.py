"""The handover (serah terima): the outgoing supervisor's notes with a snapshot of what is still
open, the incoming supervisor's acknowledgement, and finding old handovers again."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch112 import clock
from dispatch112.errors import ConflictError
from dispatch112.models import Event, User
from incidents.models import Agency, IncidentCategory
from incidents.services import IncidentInput, call_log, incident_dispatch, incident_resolve
from shifts import snapshot
from shifts.models import Handover
from shifts.selectors import handover_search
from shifts.services import handover_acknowledge, handover_write
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db

SIANG_DAY = date(2026, 11, 27)
NEAR_END = wita(2026, 11, 27, 22, 40)  # siang 15:00–23:00 is ending


@pytest.fixture
def world(db, shift_types, django_capture_on_commit_callbacks):
    """The demo world (agencies, categories, demo users) as it was on 27 November 2026."""
    from dispatch112.demo import seed_core

    with clock.travel_to(wita(2026, 11, 27, 9, 0)), django_capture_on_commit_callbacks(execute=True):
        seed_core()
    return {u.username: u for u in User.objects.filter(username__in=["operator", "supervisor", "admin"])}


@pytest.fixture
def open_work(world):
    """At 22:40: a fire (P1) dispatched an hour ago and never acknowledged, a flood (P2) not yet
    dispatched, and a fallen tree already resolved."""
    operator = world["operator"]

    def emergency(category, at):
        with clock.travel_to(at):
            call = call_log(by=operator, outcome="emergency", caller_number="081234567890",
                            new_incident=IncidentInput(category=IncidentCategory.objects.get(code=category), address="Jl. Juanda"))
        return call.incident

    fire = emergency("kebakaran", wita(2026, 11, 27, 21, 30))
    with clock.travel_to(wita(2026, 11, 27, 21, 35)):
        incident_dispatch(incident=fire, agencies=[Agency.objects.get(code="damkar")], by=operator)
    flood = emergency("banjir", wita(2026, 11, 27, 22, 0))
    tree = emergency("pohon-tumbang", wita(2026, 11, 27, 20, 0))
    with clock.travel_to(wita(2026, 11, 27, 20, 30)):
        incident_resolve(incident=tree, by=operator)
    fire.refresh_from_db(), flood.refresh_from_db(), tree.refresh_from_db()
    return {"fire": fire, "flood": flood, "tree": tree}


def write(world, notes="Banjir di Sempaja: BPBD belum dihubungi.", at=NEAR_END, by="supervisor", shift_types=None):
    from shifts.models import ShiftType

    with clock.travel_to(at):
        return handover_write(shift_type=ShiftType.objects.get(code="siang"), date=SIANG_DAY, by=world[by], notes=notes)


def section(handover, key):
    return next(s for s in handover.snapshot["sections"] if s["key"] == key)


def test_the_snapshot_holds_active_incidents_and_overdue_assignments(open_work, world):
    handover = write(world)

    incidents = section(handover, "active_incidents")
    assert incidents["available"] is True
    assert incidents["count"] == 2
    assert [item["ref"] for item in incidents["items"]] == [open_work["fire"].reference, open_work["flood"].reference]
    assert incidents["items"][0]["title"] == "P1 · Kebakaran"
    assert incidents["items"][0]["severity"] == "high"
    overdue = section(handover, "overdue_assignments")
    assert overdue["count"] == 1
    assert overdue["items"][0]["ref"] == open_work["fire"].reference
    assert overdue["items"][0]["title"].startswith("Dinas Pemadam Kebakaran")
    # Notified 21:35, P1 target 2 min: at 22:40, 63 minutes overdue.
    assert overdue["items"][0]["overdue_minutes"] == 63
    assert open_work["tree"].reference not in str(handover.snapshot)
    assert handover.snapshot["taken_at"] == NEAR_END.isoformat()


def test_the_snapshot_keeps_slots_for_cameras_and_volunteers(world):
    handover = write(world)

    keys = [s["key"] for s in handover.snapshot["sections"]]
    assert keys[:2] == ["active_incidents", "overdue_assignments"]
    assert {"offline_cameras", "volunteers_out"} <= set(keys)


@pytest.fixture
def registry():
    saved = dict(snapshot._SECTIONS)
    yield snapshot
    snapshot._SECTIONS.clear()
    snapshot._SECTIONS.update(saved)


def test_another_app_adds_its_section_and_a_broken_one_does_not_stop_the_handover(world, registry):
    registry.register_section("volunteers_out", "Relawan", lambda now: {"count": 1, "items": [{"title": "Tim Sempaja", "since": now.isoformat()}]}, order=40)
    registry.register_section("broken", "Broken", lambda now: 1 / 0, order=50)
    registry.register_section("later", "Not yet", None, order=60)

    handover = write(world)

    assert section(handover, "volunteers_out") == {
        "key": "volunteers_out", "available": True, "count": 1, "truncated": False,
        "items": [{"title": "Tim Sempaja", "since": NEAR_END.isoformat()}],
    }
    assert section(handover, "broken")["available"] is False and section(handover, "broken")["error"] is True
    assert section(handover, "later") == {"key": "later", "available": False, "count": 0, "items": []}


def test_the_incoming_supervisor_acknowledges(world, open_work):
    handover = write(world)
    admin = world["admin"]

    with clock.travel_to(wita(2026, 11, 27, 23, 5)):
        handover = handover_acknowledge(handover=handover, by=admin, note="Diterima, banjir saya pantau.")

    handover.refresh_from_db()
    assert handover.incoming_supervisor == admin
    assert handover.acknowledged_at == wita(2026, 11, 27, 23, 5)
    assert handover.acknowledgement_note == "Diterima, banjir saya pantau."
    kinds = list(Event.objects.filter(kind__startswith="shift.handover").values_list("kind", "actor__username"))
    assert kinds == [("shift.handover_written", "supervisor"), ("shift.handover_acknowledged", "admin")]


def test_the_writer_cannot_acknowledge_their_own_handover(world):
    handover = write(world)

    with pytest.raises(ConflictError) as excinfo:
        handover_acknowledge(handover=handover, by=world["supervisor"])

    assert excinfo.value.code == "own_handover"
    assert not Handover.objects.get(pk=handover.pk).is_acknowledged


def test_an_operator_cannot_write_or_acknowledge(world):
    with pytest.raises(PermissionDenied):
        write(world, by="operator")
    handover = write(world)
    with pytest.raises(PermissionDenied):
        handover_acknowledge(handover=handover, by=world["operator"])


def test_acknowledged_once_and_then_it_no_longer_changes(world):
    handover = write(world)
    handover_acknowledge(handover=handover, by=world["admin"])

    with pytest.raises(ConflictError):
        handover_acknowledge(handover=handover, by=world["admin"])
    with pytest.raises(ConflictError):
        write(world, notes="tambahan")

    assert Handover.objects.get().notes == "Banjir di Sempaja: BPBD belum dihubungi."


def test_rewriting_before_acknowledgement_keeps_one_handover_with_a_fresh_snapshot(world, open_work):
    write(world, at=wita(2026, 11, 27, 21, 0))  # before the fire was dispatched: nothing overdue yet

    handover = write(world, notes="Versi akhir.", at=NEAR_END)

    assert Handover.objects.count() == 1
    assert handover.notes == "Versi akhir."
    assert section(handover, "overdue_assignments")["count"] == 1


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (wita(2026, 11, 27, 14, 0), "has not started yet"),
        (wita(2026, 11, 28, 11, 1), "ended more than 12 h ago"),
    ],
)
def test_a_handover_is_written_during_or_soon_after_its_shift(world, at, message):
    with pytest.raises(ValidationError) as excinfo:
        write(world, at=at)

    assert message in excinfo.value.message_dict["shift"][0]


@pytest.mark.parametrize("notes", ["", "   ", "x" * 5001, "a\x00b"])
def test_notes_are_required_bounded_and_printable(world, notes):
    with pytest.raises(ValidationError) as excinfo:
        write(world, notes=notes)

    assert list(excinfo.value.message_dict) == ["notes"]


def test_handovers_are_searchable_by_notes_people_incident_and_status(world, open_work, malam):
    first = write(world)
    with clock.travel_to(wita(2026, 11, 28, 6, 45)):
        second = handover_write(shift_type=malam, date=SIANG_DAY, by=world["admin"], notes="Malam tenang, listrik padam di Loa Bakung.")
    handover_acknowledge(handover=first, by=world["admin"])

    assert list(handover_search(q="Sempaja")) == [first]
    assert list(handover_search(q="loa bakung")) == [second]
    assert list(handover_search(q=open_work["fire"].reference)) == [second, first]
    assert list(handover_search(q="Sari")) == [first]
    assert list(handover_search(pending=True)) == [second]
    assert list(handover_search(pending=False)) == [first]
    assert list(handover_search(shift_type=malam)) == [second]
    assert list(handover_search(date_from=SIANG_DAY + timedelta(days=1))) == []


# --- the pages -------------------------------------------------------------------------------------


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_outgoing_supervisor_writes_and_the_incoming_acknowledges_on_the_pages(english_client, world, open_work):
    english_client.force_login(world["supervisor"])
    with clock.travel_to(NEAR_END):
        page = english_client.get("/shifts/handovers/write/")
        assert page.status_code == 200
        html = page.content.decode()
        assert open_work["fire"].reference in html and open_work["flood"].reference in html
        assert 'value="2026-11-27/siang" selected' in html
        response = english_client.post("/shifts/handovers/write/", {"shift": "2026-11-27/siang", "notes": "Pantau banjir."})
    handover = Handover.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/shifts/handovers/{handover.pk}/"

    own = english_client.get(response["Location"]).content.decode()
    assert "I have read it and take over the shift" not in own

    english_client.force_login(world["admin"])
    detail = english_client.get(response["Location"]).content.decode()
    assert "Pantau banjir." in detail and open_work["fire"].reference in detail
    assert "I have read it and take over the shift" in detail
    with clock.travel_to(wita(2026, 11, 27, 23, 2)):
        acknowledged = english_client.post(response["Location"], {"note": "Siap."}, follow=True)
    assert "Acknowledged by Admin Demo" in acknowledged.content.decode()
    assert Handover.objects.get().incoming_supervisor == world["admin"]


def test_an_empty_note_is_shown_next_to_the_field(english_client, world):
    english_client.force_login(world["supervisor"])

    with clock.travel_to(NEAR_END):
        response = english_client.post("/shifts/handovers/write/", {"shift": "2026-11-27/siang", "notes": ""})

    assert response.status_code == 400
    assert 'id="id_notes-error"' in response.content.decode()
    assert Handover.objects.count() == 0


def test_in_the_first_hour_of_a_shift_the_previous_shift_is_offered_first(english_client, world):
    english_client.force_login(world["supervisor"])

    with clock.travel_to(wita(2026, 11, 27, 23, 20)):
        html = english_client.get("/shifts/handovers/write/").content.decode()

    assert 'value="2026-11-27/siang" selected' in html
    assert 'value="2026-11-27/malam"' in html


def test_the_list_searches_and_marks_pending_handovers(english_client, world, open_work):
    write(world)
    english_client.force_login(world["admin"])

    html = english_client.get("/shifts/handovers/", {"q": open_work["fire"].reference}).content.decode()
    empty = english_client.get("/shifts/handovers/", {"q": "tidak-ada-apa-apa"}).content.decode()

    assert 'class="is-pending"' in html and "Banjir di Sempaja" in html
    assert "No handovers found." in empty


@pytest.mark.parametrize("path", ["/shifts/handovers/", "/shifts/handovers/write/"])
def test_operators_cannot_open_the_handover_pages(client, world, path):
    client.force_login(world["operator"])

    assert client.get(path).status_code == 403
