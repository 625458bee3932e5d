"""Reads for the integrations' pages, feeds and API."""

from datetime import timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery

from integrations.models import CapMsgType, PublishedAlert, ReceivedAlert, Unit, UnitPosition
from integrations.snapshots import responding_to


def received_alerts_in_force(*, now):
    """Alerts and updates from the feeds, not cancelled, not replaced, not expired."""
    return ReceivedAlert.objects.filter(
        Q(expires__isnull=True) | Q(expires__gt=now),
        msg_type__in=[CapMsgType.ALERT, CapMsgType.UPDATE],
        superseded_by__isnull=True,
        cancelled_at__isnull=True,
    ).order_by("-sent")[:200]


def published_alerts(limit=100):
    return PublishedAlert.objects.select_related("original", "created_by").order_by("-id")[:limit]


def latest_published(alert):
    """The newest message of an alert's thread (an Update or the Cancel that ended it)."""
    original = alert.thread_original
    return PublishedAlert.objects.filter(Q(pk=original.pk) | Q(original=original)).order_by("-id").first()


def units_on_map(*, agency_id=None, now):
    """(unit, latest position) for active units heard within UNIT_STALE_MINUTES; one agency's
    units only when agency_id is given (OPD staff never see another agency's units)."""
    since = now - timedelta(minutes=settings.UNIT_STALE_MINUTES)
    latest = UnitPosition.objects.filter(unit=OuterRef("pk")).order_by("-recorded_at", "-id").values("pk")[:1]
    units = Unit.objects.filter(active=True, positions__recorded_at__gte=since).distinct()
    if agency_id is not None:
        units = units.filter(agency_id=agency_id)
    units = list(units.annotate(latest_id=Subquery(latest)).select_related("agency", "assignment__incident"))
    positions = UnitPosition.objects.in_bulk([u.latest_id for u in units])
    # A person sharing from the console shows only while the assignment is open; a tracker always.
    return [(u, positions[u.latest_id]) for u in units if u.user_id is None or responding_to(u) is not None]
