"""Helpers for the relawan tests: a controllable clock, places in Samarinda, volunteers and
incidents made through the services, as the pages and the API make them."""

from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal
from itertools import count

from dispatch112.models import Kelurahan

UTC = dt_timezone.utc
# 10:00 WITA on Friday 27 November 2026.
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
_numbers = count(1)


class Clock:
    """Stands in for django.utils.timezone.now: services, events and auto_now fields all see it."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, moment):
        self.now = moment
        return self.now


def wita(year, month, day, hour, minute=0):
    """An aware moment given in WITA (UTC+8)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def kelurahan(name):
    return Kelurahan.objects.select_related("kecamatan__region").get(name=name)


def make_volunteer(name, home, *, skills=(), covers=(), availability="always", active=True, phone=None, user=None, channel="sms", by=None):
    from volunteers.services import VolunteerInput, volunteer_create

    number = phone or f"+6281377{next(_numbers):06d}"
    return volunteer_create(
        data=VolunteerInput(
            name=name,
            phone=number,
            kelurahan=kelurahan(home),
            covers=[kelurahan(k) for k in covers],
            skills=list(skills),
            availability=availability,
            active=active,
            user=user,
            channel=channel,
        ),
        by=by,
    )


def make_incident(user, *, category="kebakaran", place="Bugis", point=True, description="Rumah terbakar, asap tebal", address="Jl. Pahlawan No. 12"):
    """An emergency call that opens an incident, through the services."""
    from incidents.models import IncidentCategory
    from incidents.services import IncidentInput, call_log

    area = kelurahan(place) if place else None
    latitude = longitude = None
    if point and area is not None:
        latitude, longitude = area.latitude, area.longitude
    call = call_log(
        by=user,
        outcome="emergency",
        caller_number="081234567890",
        new_incident=IncidentInput(
            category=IncidentCategory.objects.get(code=category),
            kelurahan=area,
            latitude=Decimal(latitude) if latitude is not None else None,
            longitude=Decimal(longitude) if longitude is not None else None,
            address=address,
            description=description,
        ),
    )
    return call.incident


def activate(incident, volunteers, by, link_base="http://testserver"):
    from volunteers.services import activation_create

    return activation_create(incident=incident, volunteers=list(volunteers), by=by, link_base=link_base)
