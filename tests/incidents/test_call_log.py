"""Logging a call: every call is on record; an emergency opens an incident (or joins one) with a
reference an operator can read out; pranks, silent, info and test calls close as calls."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from dispatch112.errors import TransitionNotAllowed
from dispatch112.geo import distance_m
from dispatch112.models import Event, Kelurahan
from dispatch112.region import region_kelurahan
from incidents.models import Call, CallOutcome, Incident, IncidentStatus
from incidents.services import IncidentInput, call_log, incident_cancel
from tests.incidents.helpers import CITY_CENTRE, UTC, counts, field_errors

pytestmark = pytest.mark.django_db

RAWA_MAKMUR_CENTROID = (-0.5721937385, 117.1774950645)


def log_emergency(world, category="kebakaran", point=CITY_CENTRE, **kwargs):
    return call_log(
        by=world.operator,
        outcome="emergency",
        new_incident=IncidentInput(category=world.category(category), latitude=point[0], longitude=point[1]),
        **kwargs,
    )


# --- an emergency opens an incident ---------------------------------------------------------------


def test_emergency_call_opens_a_new_incident_with_the_first_reference_of_the_day(world, clock):
    call = log_emergency(world, caller_number="0812-3456-7890", caller_name="Siti Aminah")

    incident = Incident.objects.get(pk=call.incident_id)
    assert incident.reference == "112-SMD-20261127-0001"
    assert incident.status == IncidentStatus.NEW
    assert incident.category.code == "kebakaran"
    assert incident.priority == 1  # the category's default
    assert incident.call_count == 1
    assert incident.created_at == clock.now
    assert incident.created_by == world.operator
    call.refresh_from_db()
    assert call.outcome == CallOutcome.EMERGENCY
    assert call.caller_number == "+6281234567890"
    assert call.caller_name == "Siti Aminah"
    assert call.operator == world.operator
    assert call.received_at == clock.now


def test_reference_uses_the_wita_day_not_the_utc_day(world, clock):
    # 17:30 UTC on 27 November is 01:30 WITA on 28 November in Samarinda.
    clock.set(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))

    call = log_emergency(world)

    assert call.incident.reference == "112-SMD-20261128-0001"


def test_last_minute_of_the_wita_day_still_belongs_to_that_day(world, clock):
    clock.set(datetime(2026, 11, 27, 15, 59, tzinfo=UTC))  # 23:59 WITA

    assert log_emergency(world).incident.reference == "112-SMD-20261127-0001"


def test_reference_sequence_counts_up_within_a_day_and_restarts_the_next_wita_day(world, clock):
    clock.set(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))  # 09:00 WITA, 27 Nov
    first = log_emergency(world).incident.reference
    # A prank in between takes no number.
    call_log(by=world.operator, outcome="prank", caller_number="081234567890")
    clock.advance(hours=5)
    second = log_emergency(world, "darurat-medis").incident.reference
    clock.set(datetime(2026, 11, 27, 15, 59, 59, tzinfo=UTC))  # 23:59:59 WITA
    third = log_emergency(world).incident.reference
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))  # 00:00 WITA, 28 Nov
    next_day = log_emergency(world).incident.reference

    assert [first, second, third, next_day] == [
        "112-SMD-20261127-0001",
        "112-SMD-20261127-0002",
        "112-SMD-20261127-0003",
        "112-SMD-20261128-0001",
    ]


def test_kelurahan_is_proposed_from_the_point_as_the_nearest_centroid(world):
    point = (-0.5712, 117.1770)  # ~120 m from Rawa Makmur's centroid, in Palaran

    incident = log_emergency(world, point=point).incident

    assert incident.kelurahan is not None
    assert incident.kelurahan.name == "Rawa Makmur"
    nearest = min(region_kelurahan(), key=lambda k: distance_m(*point, k.latitude, k.longitude))
    assert incident.kelurahan == nearest


def test_kelurahan_the_operator_chose_is_kept(world):
    chosen = Kelurahan.objects.get(name="Jawa")
    call = call_log(
        by=world.operator,
        outcome="emergency",
        new_incident=IncidentInput(
            category=world.category("kebakaran"), latitude=RAWA_MAKMUR_CENTROID[0], longitude=RAWA_MAKMUR_CENTROID[1], kelurahan=chosen
        ),
    )

    assert call.incident.kelurahan == chosen


def test_incident_without_a_point_has_no_proposed_kelurahan(world):
    call = call_log(
        by=world.operator,
        outcome="emergency",
        new_incident=IncidentInput(category=world.category("banjir"), address="Jl. Pemuda, dekat masjid"),
    )

    incident = Incident.objects.get(pk=call.incident_id)
    assert incident.kelurahan is None
    assert incident.latitude is None and incident.longitude is None
    assert incident.address == "Jl. Pemuda, dekat masjid"
    assert incident.priority == 2  # banjir's default


def test_operator_can_set_the_priority(world):
    call = call_log(
        by=world.operator,
        outcome="emergency",
        new_incident=IncidentInput(category=world.category("gangguan-air"), priority=2),
    )

    assert call.incident.priority == 2


def test_emergency_call_writes_call_logged_for_the_console_and_incident_created_for_the_incident(world, clock):
    call = log_emergency(world, caller_number="081234567890")

    logged = Event.objects.get(kind="call.logged")
    created = Event.objects.get(kind="incident.created")
    assert logged.audience == "console"
    assert logged.actor == world.operator
    assert logged.incident_id == call.incident_id
    assert logged.created_at == clock.now
    assert logged.payload["call"]["id"] == call.pk
    assert created.audience == "incident"
    assert created.actor == world.operator
    assert created.incident_id == call.incident_id
    assert created.created_at == clock.now
    # incident events also reach the agencies: the caller appears only masked
    assert created.payload["call"]["caller_masked"] == "+62812•••••890"
    assert "+6281234567890" not in str(created.payload)


# --- calls that are not incidents ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["prank", "silent", "info", "test"])
def test_prank_silent_info_and_test_calls_close_as_calls_without_an_incident(world, outcome, clock):
    before = counts()

    call = call_log(by=world.operator, outcome=outcome, caller_number="081234567890")

    assert call.incident is None
    assert Call.objects.get(pk=call.pk).outcome == outcome
    assert Incident.objects.count() == before["incidents"]
    event = Event.objects.get(kind="call.logged")
    assert (event.audience, event.actor, event.incident, event.created_at) == ("console", world.operator, None, clock.now)
    assert Event.objects.count() == before["events"] + 1


def test_silent_call_without_a_number_is_logged(world):
    call = call_log(by=world.operator, outcome="silent")

    assert Call.objects.get(pk=call.pk).caller_number == ""


@pytest.mark.parametrize(
    "outcome, with_new, with_link, field",
    [
        ("prank", True, False, "outcome"),
        ("silent", False, True, "outcome"),
        ("info", True, False, "outcome"),
        ("test", False, True, "outcome"),
        ("emergency", False, False, "incident"),
        ("duplicate", False, False, "incident"),
        ("duplicate", True, False, "incident"),
        ("emergency", True, True, "incident"),
        ("hoax", False, False, "outcome"),
    ],
)
def test_outcome_and_incident_that_do_not_fit_together_are_refused_naming_the_field(
    world, new_incident, outcome, with_new, with_link, field
):
    existing = new_incident("kebakaran")
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        call_log(
            by=world.operator,
            outcome=outcome,
            caller_number="081234567890",
            new_incident=IncidentInput(category=world.category("banjir")) if with_new else None,
            link_to=existing if with_link else None,
        )

    assert field in field_errors(excinfo)
    assert counts() == before
    existing.refresh_from_db()
    assert existing.call_count == 1


# --- joining an open incident ---------------------------------------------------------------------


def test_emergency_call_about_a_known_incident_becomes_a_duplicate_and_counts_as_a_call(world, new_incident, clock):
    incident = new_incident("kebakaran")
    version = incident.version
    clock.advance(minutes=3)

    call = call_log(by=world.supervisor, outcome="emergency", caller_number="0813 5000 1234", link_to=incident)

    call.refresh_from_db()
    incident.refresh_from_db()
    assert call.outcome == CallOutcome.DUPLICATE
    assert call.incident == incident
    assert incident.call_count == 2
    assert incident.version == version + 1
    assert Incident.objects.count() == 1
    linked = Event.objects.get(kind="incident.call_linked")
    assert (linked.incident, linked.actor, linked.created_at) == (incident, world.supervisor, clock.now)
    assert linked.payload["call"]["id"] == call.pk
    logged = Event.objects.filter(kind="call.logged").latest("id")
    assert logged.incident == incident and logged.actor == world.supervisor


def test_each_further_call_increments_the_count(world, new_incident):
    incident = new_incident("kebakaran")

    for _ in range(3):
        call_log(by=world.operator, outcome="duplicate", link_to=incident)

    incident.refresh_from_db()
    assert incident.call_count == 4
    assert incident.calls.count() == 4


def test_call_cannot_join_a_finished_incident(world, new_incident):
    incident = new_incident("kebakaran")
    incident_cancel(incident=incident, by=world.operator, reason="Salah input")
    before = counts()

    with pytest.raises(TransitionNotAllowed):
        call_log(by=world.operator, outcome="emergency", link_to=incident)

    assert counts() == before
    incident.refresh_from_db()
    assert incident.call_count == 1


def test_call_received_in_the_future_is_refused(world, clock):
    from datetime import timedelta

    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        call_log(by=world.operator, outcome="prank", received_at=clock.now + timedelta(hours=1))

    assert field_errors(excinfo) == {"received_at"}
    assert counts() == before


def test_call_received_a_moment_ago_keeps_its_received_time(world, clock):
    from datetime import timedelta

    rang = clock.now - timedelta(seconds=40)

    call = call_log(by=world.operator, outcome="info", received_at=rang)

    call.refresh_from_db()
    assert call.received_at == rang
    assert call.ended_at == clock.now


def test_invalid_caller_number_is_refused_and_nothing_is_logged(world):
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        log_emergency(world, caller_number="0812-ABC")

    assert field_errors(excinfo) == {"caller_number"}
    assert counts() == before


def test_references_count_up_without_update_returning_too(world, clock, monkeypatch):
    """SQLite before 3.35 has no RETURNING: the day's counter is then read after its update."""
    from incidents import services

    monkeypatch.setattr(services, "_update_returns", lambda: False)
    references = [log_emergency(world).incident.reference for _ in range(3)]
    assert references == ["112-SMD-20261127-0001", "112-SMD-20261127-0002", "112-SMD-20261127-0003"]


def test_the_ten_thousandth_incident_of_a_day_keeps_every_digit(world, clock):
    from incidents.models import DailySequence

    first = log_emergency(world).incident.reference
    DailySequence.objects.filter(prefix="112-SMD-20261127").update(value=9998)
    references = [log_emergency(world).incident.reference for _ in range(2)]

    assert [first, *references] == ["112-SMD-20261127-0001", "112-SMD-20261127-9999", "112-SMD-20261127-10000"]
    assert set(Incident.objects.values_list("reference", flat=True)) == {first, *references}  # none left pending


def test_the_incident_and_its_call_are_on_record_in_order_and_a_refused_one_leaves_nothing(world):
    call = log_emergency(world, caller_number="081234567890")

    kinds = list(Event.objects.filter(incident=call.incident).order_by("id").values_list("kind", "actor", "payload__incident__reference"))
    assert kinds == [("incident.created", world.operator.pk, call.incident.reference), ("call.logged", world.operator.pk, None)]
    linked = call_log(by=world.operator, outcome="emergency", caller_number="081234567891", link_to=call.incident)
    kinds = list(Event.objects.filter(incident=call.incident).order_by("id").values_list("kind", flat=True))
    assert kinds == ["incident.created", "call.logged", "incident.call_linked", "call.logged"]
    assert linked.outcome == CallOutcome.DUPLICATE

    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        # Refused after the call's own checks, in the incident's: nothing of it stays.
        log_emergency(world, point=(1.5, 100.0))
    assert field_errors(excinfo) == {"latitude"}
    assert counts() == before


def test_the_kelurahan_proposed_follows_a_change_of_the_wilayah(world, django_capture_on_commit_callbacks):
    point = (-0.5712, 117.1770)  # nearest: Rawa Makmur's centroid
    assert log_emergency(world, point=point).incident.kelurahan.name == "Rawa Makmur"

    jawa = Kelurahan.objects.get(name="Jawa")
    with django_capture_on_commit_callbacks(execute=True):
        jawa.latitude, jawa.longitude = point
        jawa.save()
    assert log_emergency(world, point=point).incident.kelurahan.name == "Jawa"

    with django_capture_on_commit_callbacks(execute=True):
        Kelurahan.objects.create(code="64.72.99.9001", name="Titik Uji", kecamatan=jawa.kecamatan, kind="kelurahan", latitude=-0.57, longitude=117.176)
    assert log_emergency(world, point=(-0.57, 117.176)).incident.kelurahan.name == "Titik Uji"


def test_a_kelurahan_deleted_before_the_process_heard_of_it_is_not_proposed(world):
    from dispatch112.region import forget_region_cache
    from incidents.selectors import region_areas

    point = (-0.5712, 117.1770)
    gone = Kelurahan.objects.create(code="64.72.99.9002", name="Hilang", kecamatan=Kelurahan.objects.get(name="Jawa").kecamatan, kind="kelurahan",
                                    latitude=point[0], longitude=point[1])  # fmt: skip
    forget_region_cache()
    assert gone.pk in {pk for pk, *_rest in region_areas()}  # what this process keeps now
    # Deleted where this process does not hear of it (another process, a raw delete).
    Kelurahan.objects.filter(pk=gone.pk)._raw_delete(Kelurahan.objects.db)

    assert log_emergency(world, point=point).incident.kelurahan.name == "Rawa Makmur"


def test_the_kelurahan_whose_boundary_holds_the_point_is_proposed_before_a_nearer_centroid(world, django_capture_on_commit_callbacks):
    jawa = Kelurahan.objects.get(name="Jawa")
    point = (-0.5712, 117.1770)  # ~120 m from Rawa Makmur's centroid
    square = [[117.17, -0.58], [117.19, -0.58], [117.19, -0.56], [117.17, -0.56], [117.17, -0.58]]
    with django_capture_on_commit_callbacks(execute=True):
        jawa.boundary = {"type": "Polygon", "coordinates": [square]}
        jawa.save()

    assert log_emergency(world, point=point).incident.kelurahan == jawa
    assert log_emergency(world, point=(-0.5500, 117.1770)).incident.kelurahan != jawa  # outside the square: nearest centroid
