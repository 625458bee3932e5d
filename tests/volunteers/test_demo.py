"""seed_demo's roster: a few relawan in every kelurahan, marked demo, the same after a second run."""

import time

from django.db.models import Count

from dispatch112.region import region_kelurahan
from volunteers.demo import seed_demo_volunteers
from volunteers.models import Availability, Volunteer


def test_every_kelurahan_gets_a_few_demo_volunteers_once(world):
    started = time.monotonic()
    report = seed_demo_volunteers()
    elapsed = time.monotonic() - started

    per_kelurahan = dict(Volunteer.objects.order_by().values_list("kelurahan").annotate(n=Count("id")))
    assert set(per_kelurahan) == set(region_kelurahan().values_list("id", flat=True))
    assert min(per_kelurahan.values()) >= 2 and max(per_kelurahan.values()) <= 4
    assert not Volunteer.objects.filter(is_demo=False).exists()
    assert Volunteer.objects.filter(active=True).values("kelurahan").distinct().count() == region_kelurahan().count()
    assert Volunteer.objects.filter(availability=Availability.WINDOWS).exists()
    assert Volunteer.objects.get(user=world.users["operator2"]).name == str(world.users["operator2"])
    assert "added" in report and elapsed < 5

    before = Volunteer.objects.count()
    assert seed_demo_volunteers().startswith(f"Demo relawan (64.72): 0 added, {before} in all")
    assert Volunteer.objects.count() == before


def test_seed_core_loads_the_demo_roster(db, django_capture_on_commit_callbacks):
    from dispatch112.demo import seed_core

    with django_capture_on_commit_callbacks(execute=True):
        report = seed_core()
    assert any(line.startswith("Demo relawan") for line in report)
    assert Volunteer.objects.filter(is_demo=True).count() >= 2 * region_kelurahan().count()
