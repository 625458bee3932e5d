"""Fixtures for the shifts tests: the default shift types, people in each role, WITA moments."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from dispatch112.roles import Role
from shifts.demo import ensure_default_shift_types
from shifts.models import ShiftType
from tests.factories import UserFactory

WITA = ZoneInfo("Asia/Makassar")


def wita(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=WITA)


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English, so that assertions read plainly; the Indonesian catalogue
    is checked on its own (the interface default is Bahasa Indonesia)."""
    with translation.override("en"):
        yield


def indonesian(text):
    with translation.override("id"):
        return translation.gettext(text)


@pytest.fixture
def shift_types(db):
    """pagi 07–15, siang 15–23, malam 23–07 (WITA), as migration 0002 makes them."""
    ensure_default_shift_types()
    return {t.code: t for t in ShiftType.objects.all()}


@pytest.fixture
def pagi(shift_types):
    return shift_types["pagi"]


@pytest.fixture
def siang(shift_types):
    return shift_types["siang"]


@pytest.fixture
def malam(shift_types):
    return shift_types["malam"]


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN, first_name="Ayu", last_name="Admin", username="ayu")


@pytest.fixture
def supervisor(db):
    return UserFactory(role=Role.SUPERVISOR, first_name="Sari", last_name="Supervisor", username="sari")


@pytest.fixture
def supervisor2(db):
    return UserFactory(role=Role.SUPERVISOR, first_name="Dedi", last_name="Supervisor", username="dedi")


@pytest.fixture
def operator(db):
    return UserFactory(role=Role.OPERATOR, first_name="Budi", last_name="Operator", username="budi")


@pytest.fixture
def operator2(db):
    return UserFactory(role=Role.OPERATOR, first_name="Rina", last_name="Operator", username="rina")


@pytest.fixture
def operator3(db):
    return UserFactory(role=Role.OPERATOR, first_name="Yusuf", last_name="Operator", username="yusuf")


@pytest.fixture
def opd_staff(db):
    return UserFactory(opd_staff=True, first_name="Petugas", last_name="Damkar", username="petugas")
