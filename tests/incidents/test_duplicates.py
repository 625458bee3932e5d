"""Duplicate candidates: when a call comes in, open incidents it may be about are offered, best
first — the same kind of emergency nearby, or anything in the same kelurahan in the last hour."""

import pytest

from dispatch112.geo import distance_m
from dispatch112.models import Kelurahan
from incidents.selectors import duplicate_candidates
from incidents.services import assignment_decline, incident_cancel, incident_close, incident_resolve
from tests.incidents.helpers import CITY_CENTRE

pytestmark = pytest.mark.django_db

HERE = CITY_CENTRE
M100 = (HERE[0] + 0.0009, HERE[1])  # ~100 m north
M400 = (HERE[0] + 0.0036, HERE[1])  # ~400 m north
M2000 = (HERE[0] + 0.018, HERE[1])  # ~2 km north
M640_DIAGONAL = (HERE[0] + 0.0041, HERE[1] + 0.0041)  # ~450 m north and ~450 m east: ~640 m away


@pytest.fixture
def jawa():
    return Kelurahan.objects.get(name="Jawa")


@pytest.fixture
def air_putih():
    return Kelurahan.objects.get(name="Air Putih")


def offered(world, clock, *, category="kebakaran", point=HERE, kelurahan=None):
    return [
        c.incident.pk
        for c in duplicate_candidates(
            now=clock.now,
            category=world.category(category),
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            kelurahan=kelurahan,
        )
    ]


def test_the_distances_used_here_are_what_they_claim():
    assert 90 < distance_m(*HERE, *M100) < 110
    assert 380 < distance_m(*HERE, *M400) < 420
    assert 1900 < distance_m(*HERE, *M2000) < 2100
    assert 600 < distance_m(*HERE, *M640_DIAGONAL) < 680


def test_same_category_within_500_m_is_offered_nearest_first(world, new_incident, clock, air_putih):
    farther = new_incident("kebakaran", M400, kelurahan=air_putih)  # older and farther
    clock.advance(minutes=5)
    nearer = new_incident("kebakaran", M100, kelurahan=air_putih)
    clock.advance(minutes=5)

    candidates = duplicate_candidates(now=clock.now, category=world.category("kebakaran"), latitude=HERE[0], longitude=HERE[1])

    assert [c.incident.pk for c in candidates] == [nearer.pk, farther.pk]
    assert 90 < candidates[0].distance_m < 110
    assert candidates[0].same_category
    assert candidates[1].minutes_ago == pytest.approx(10)


def test_same_category_2_km_away_is_not_offered(world, new_incident, clock, jawa, air_putih):
    new_incident("kebakaran", M2000, kelurahan=air_putih)

    assert offered(world, clock, kelurahan=jawa) == []


def test_same_category_600_m_away_diagonally_is_not_offered(world, new_incident, clock, jawa, air_putih):
    # Inside a 500 m square around the caller but outside the 500 m circle: too far.
    new_incident("kebakaran", M640_DIAGONAL, kelurahan=air_putih)

    assert offered(world, clock, kelurahan=jawa) == []


def test_same_category_nearby_is_offered_however_old(world, new_incident, clock):
    incident = new_incident("kebakaran", M100)
    clock.advance(hours=5)

    assert offered(world, clock) == [incident.pk]


def test_other_category_nearby_but_in_another_kelurahan_is_not_offered(world, new_incident, clock, jawa, air_putih):
    new_incident("darurat-medis", M100, kelurahan=air_putih)

    assert offered(world, clock, kelurahan=jawa) == []


def test_other_category_in_the_same_kelurahan_within_60_minutes_is_offered(world, new_incident, clock, jawa):
    incident = new_incident("darurat-medis", None, kelurahan=jawa, address="Jl. Jawa")
    clock.advance(minutes=59)

    candidates = duplicate_candidates(now=clock.now, category=world.category("kebakaran"), kelurahan=jawa)

    assert [c.incident.pk for c in candidates] == [incident.pk]
    assert candidates[0].same_kelurahan and not candidates[0].same_category


def test_same_kelurahan_older_than_60_minutes_is_not_offered(world, new_incident, clock, jawa):
    new_incident("darurat-medis", None, kelurahan=jawa, address="Jl. Jawa")
    clock.advance(minutes=61)

    assert offered(world, clock, point=None, kelurahan=jawa) == []


def test_close_same_category_comes_before_a_same_kelurahan_match(world, new_incident, clock, jawa, air_putih):
    neighbourhood = new_incident("pohon-tumbang", None, kelurahan=jawa)  # same kelurahan, other category
    clock.advance(minutes=1)
    farther_fire = new_incident("kebakaran", M400, kelurahan=air_putih)
    clock.advance(minutes=1)
    near_fire = new_incident("kebakaran", M100, kelurahan=air_putih)

    assert offered(world, clock, kelurahan=jawa) == [near_fire.pk, farther_fire.pk, neighbourhood.pk]


@pytest.mark.parametrize("ending", ["closed", "cancelled", "resolved"])
def test_finished_incidents_are_never_offered(world, dispatched, clock, jawa, ending):
    incident, assignments = dispatched("kebakaran", M100, kelurahan=jawa)
    if ending == "cancelled":
        incident_cancel(incident=incident, by=world.operator, reason="Salah input")
    else:
        for assignment in assignments:
            assignment_decline(assignment=assignment, by=world.operator, reason="Sudah padam")
        incident_resolve(incident=incident, by=world.operator)
        if ending == "closed":
            incident_close(incident=incident, by=world.operator, note="Sudah padam sendiri")

    assert offered(world, clock, kelurahan=jawa) == []


def test_at_most_five_are_offered(world, new_incident, clock):
    for i in range(7):
        new_incident("kebakaran", (HERE[0] + 0.0001 * i, HERE[1]))

    assert len(offered(world, clock)) == 5


def test_nothing_to_compare_offers_nothing(world, new_incident, clock):
    new_incident("kebakaran", M100)

    assert duplicate_candidates(now=clock.now) == []
