"""GET /api/v1/incidents/ with the filters the queue, the map and the reports use."""

from datetime import datetime

import pytest

from dispatch112.models import Kelurahan
from tests.incidents.api.support import CITY_CENTRE, PALARAN, WITA, assert_error, dispatch, ids, log_emergency


@pytest.fixture
def spread(world, operator, clock):
    """Four incidents across days, categories, places, agencies and statuses."""

    def kelurahan(kecamatan_name):
        return Kelurahan.objects.filter(kecamatan__name=kecamatan_name).order_by("code").first()

    cats = world.categories
    # Thursday 26 Nov, 23:30 WITA (15:30 UTC): a fire in Samarinda Kota, sent to Damkar.
    clock.set(datetime(2026, 11, 26, 23, 30, tzinfo=WITA))
    fire = log_emergency(
        operator, cats["kebakaran"], CITY_CENTRE, kelurahan=kelurahan("Samarinda Kota").pk, address="Jl. Niaga Selatan", caller_number="0812-3456-7890"
    )
    dispatch(operator, fire, world.agencies["damkar"])
    # Friday 27 Nov, 00:30 WITA (16:30 UTC on the 26th): a crime in Palaran, sent to Polresta.
    clock.set(datetime(2026, 11, 27, 0, 30, tzinfo=WITA))
    crime = log_emergency(
        operator, cats["kriminalitas"], PALARAN, kelurahan=kelurahan("Palaran").pk, address="Jl. Trikora", caller_number="0813-5000-1111"
    )
    dispatch(operator, crime, world.agencies["polresta"])
    # Friday 10:00 WITA: a flood in Samarinda Kota, priority raised to 1, not dispatched yet.
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=WITA))
    flood = log_emergency(
        operator, cats["banjir"], None, kelurahan=kelurahan("Samarinda Kota").pk, priority=1, address="Jl. Juanda Gang 3", caller_number="0541 741234"
    )
    # Friday 10:30 WITA: a fallen tree, cancelled (a duplicate report).
    clock.set(datetime(2026, 11, 27, 10, 30, tzinfo=WITA))
    tree = log_emergency(operator, cats["pohon-tumbang"], PALARAN, address="Jl. Pelita", caller_number="")
    cancelled = operator.post(f"/api/v1/incidents/{tree}/cancel/", {"reason": "Laporan ganda"}, format="json")
    assert cancelled.status_code == 200
    return {"fire": fire, "crime": crime, "flood": flood, "tree": tree, "kelurahan": kelurahan}


def listed(client, **params):
    response = client.get("/api/v1/incidents/", params)
    assert response.status_code == 200, response.json()
    return set(ids(response))


def test_status_filter_takes_a_list_or_active(operator, spread):
    fire, crime, flood, tree = spread["fire"], spread["crime"], spread["flood"], spread["tree"]
    assert listed(operator) == {fire, crime, flood, tree}
    assert listed(operator, status="active") == {fire, crime, flood}
    assert listed(operator, status="cancelled") == {tree}
    assert listed(operator, status="new,cancelled") == {flood, tree}
    assert listed(operator, status="dispatched") == {fire, crime}


def test_active_queue_is_most_urgent_first(operator, spread):
    response = operator.get("/api/v1/incidents/", {"status": "active"})
    rows = response.json()["results"]
    # Priority 1 first (the fire, then the flood, oldest first), then the P2 crime.
    assert [r["id"] for r in rows] == [spread["fire"], spread["flood"], spread["crime"]]
    assert [r["priority"] for r in rows] == [1, 1, 2]
    assert response.json()["count"] == 3


def test_category_filter_takes_id_or_code(world, operator, spread):
    assert listed(operator, category=str(world.categories["kebakaran"].pk)) == {spread["fire"]}
    assert listed(operator, category="kriminalitas") == {spread["crime"]}
    assert listed(operator, category="gangguan-air") == set()


def test_priority_kelurahan_kecamatan_and_agency_filters(world, operator, spread):
    samarinda_kota = spread["kelurahan"]("Samarinda Kota")
    assert listed(operator, priority=1) == {spread["fire"], spread["flood"]}
    assert listed(operator, priority=2) == {spread["crime"]}
    assert listed(operator, kelurahan=samarinda_kota.pk) == {spread["fire"], spread["flood"]}
    palaran = spread["kelurahan"]("Palaran").kecamatan
    # The fallen tree has no kelurahan given: it is placed from its point, also in Palaran.
    assert listed(operator, kecamatan=palaran.pk) == {spread["crime"], spread["tree"]}
    assert listed(operator, agency=world.agencies["damkar"].pk) == {spread["fire"]}
    assert listed(operator, agency=world.agencies["polresta"].pk) == {spread["crime"]}
    assert listed(operator, agency=world.agencies["pln"].pk) == set()
    assert listed(operator, priority=1, kecamatan=samarinda_kota.kecamatan_id, status="new") == {spread["flood"]}


def test_date_range_is_read_in_wita(operator, spread):
    # In UTC both the fire (15:30) and the crime (16:30) happened on the 26th; in WITA the crime
    # is already Friday the 27th.
    fire, crime, flood, tree = spread["fire"], spread["crime"], spread["flood"], spread["tree"]
    assert listed(operator, created_after="2026-11-27") == {crime, flood, tree}
    assert listed(operator, created_after="2026-11-26") == {fire, crime, flood, tree}
    assert listed(operator, created_after="2026-11-28") == set()
    # A time without an offset is WITA; with one, it is taken as given.
    assert listed(operator, created_after="2026-11-27T00:00") == {crime, flood, tree}
    assert listed(operator, created_before="2026-11-27T00:00") == {fire}
    assert listed(operator, created_before="2026-11-27T10:15") == {fire, crime, flood}
    assert listed(operator, created_after="2026-11-26T16:00:00+00:00", created_before="2026-11-27T10:15:00+08:00") == {crime, flood}


def test_text_search_matches_reference_address_and_caller_digits(operator, spread):
    crime_reference = operator.get(f"/api/v1/incidents/{spread['crime']}/").json()["reference"]
    assert crime_reference == "112-SMD-20261127-0001"
    assert listed(operator, q=crime_reference) == {spread["crime"]}
    assert listed(operator, q="juanda") == {spread["flood"]}
    assert listed(operator, q="Jl. Tri") == {spread["crime"]}
    # The caller's number however it is typed: 08…, +62…, with or without separators.
    assert listed(operator, q="0812 3456 7890") == {spread["fire"]}
    assert listed(operator, q="+62813-5000-1111") == {spread["crime"]}
    assert listed(operator, q="741234") == {spread["flood"]}
    assert listed(operator, q="tidak-ada-yang-cocok") == set()


@pytest.mark.parametrize(
    "param, value",
    [
        ("status", "burning"),
        ("status", "active,new"),
        ("priority", "high"),
        ("kelurahan", "Sungai Pinang"),
        ("kecamatan", "1.5"),
        ("agency", "damkar"),
        ("created_after", "yesterday"),
        ("created_before", "27/11/2026"),
    ],
)
def test_bad_filter_value_is_400_naming_the_parameter(operator, spread, param, value):
    response = operator.get("/api/v1/incidents/", {param: value})
    body = assert_error(response, 400, field=param, code="invalid")
    assert param in body["detail"]
