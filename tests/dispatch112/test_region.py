"""The region an installation serves is derived from REGION_CODE and its imported wilayah data."""

import pytest

from dispatch112.models import Kecamatan, Kelurahan
from dispatch112.region import current_region, forget_region_cache, region_kelurahan
from dispatch112.wilayah import import_wilayah_csv

pytestmark = pytest.mark.django_db

SAMARINDA_CITY_HALL = (-0.5022, 117.1536)
JAKARTA = (-6.2, 106.8)
BALIKPAPAN = (-1.2654, 116.8312)
TENGGARONG = (-0.4197, 116.9855)


def test_samarinda_region_is_derived_from_its_wilayah(samarinda):
    region = current_region()

    assert region.loaded
    assert (region.code, region.name, region.short) == ("64.72", "Kota Samarinda", "SMD")
    (south, west), (north, east) = region.bounds
    assert south < north and west < east
    for kelurahan in Kelurahan.objects.all():
        assert region.contains(kelurahan.latitude, kelurahan.longitude), kelurahan.name
    assert region.contains(*region.centre)
    assert region.contains(*SAMARINDA_CITY_HALL)
    assert not region.contains(*JAKARTA)
    # A neighbouring city 90 km away is not inside Samarinda's map bounds either.
    assert not region.contains(*BALIKPAPAN)
    # Same latitude as the city hall but 780 km west (Pontianak's longitude): both axes count.
    assert not region.contains(SAMARINDA_CITY_HALL[0], 109.34)
    assert not region.contains(SAMARINDA_CITY_HALL[0], 118.5)
    assert region_kelurahan().count() == 59


def test_kutai_kartanegara_is_served_by_configuration_alone(settings, samarinda, kukar_csv, django_capture_on_commit_callbacks):
    settings.REGION_CODE = "64.02"
    forget_region_cache()
    with django_capture_on_commit_callbacks(execute=True):
        import_wilayah_csv(text=kukar_csv)

    region = current_region()

    assert (region.code, region.name, region.short) == ("64.02", "Kabupaten Kutai Kartanegara", "KKR")
    assert region.contains(*TENGGARONG)
    for kecamatan in Kecamatan.objects.filter(region__code="64.02", latitude__isnull=False):
        assert region.contains(kecamatan.latitude, kecamatan.longitude), kecamatan.name
    assert not region.contains(*JAKARTA)
    # Only the configured region's kelurahan/desa are the installation's, not Samarinda's.
    assert region_kelurahan().count() == 44 + 193


def test_region_short_can_be_configured(settings, samarinda):
    settings.REGION_SHORT = "smr"
    forget_region_cache()

    assert current_region().short == "SMR"


def test_region_without_imported_data_is_reported_as_not_loaded(settings):
    settings.REGION_CODE = "64.02"
    forget_region_cache()

    region = current_region()

    assert not region.loaded
    assert region.code == "64.02"


def test_reimport_refreshes_the_cached_region(samarinda, samarinda_csv, django_capture_on_commit_callbacks):
    assert current_region().name == "Kota Samarinda"  # now cached
    renamed = samarinda_csv.replace("64.72,Kota Samarinda,", "64.72,Kota Samarinda (Tepian),")

    with django_capture_on_commit_callbacks(execute=True):
        import_wilayah_csv(text=renamed)

    assert current_region().name == "Kota Samarinda (Tepian)"


def test_pages_show_the_region_name(client, samarinda):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "Kota Samarinda" in response.content.decode()
