"""What is still open at a handover, as a snapshot the incoming supervisor reads.

A snapshot is a list of sections, each collected by one function. The incidents sections are
here; cameras and volunteers come with their apps, which add their section from their
AppConfig.ready():

    from shifts.snapshot import register_section
    register_section("offline_cameras", _("Offline cameras"), collect_offline_cameras, order=30)

where `collect(now)` returns `{"count": <int>, "items": [<item>, ...]}` and each item is a dict of
plain JSON values with at least "title" (and optionally "ref", "detail", "since" (ISO time),
"severity": "high" or "normal"). Until an app registers, its section is kept as "not tracked
yet" so the page says so instead of silently showing nothing.

The shifts app depends on the core; the incidents sections import incidents lazily, inside the
collectors, so that shifts still loads without it.
"""

import logging
from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ITEM_LIMIT = 200


@dataclass(frozen=True)
class Section:
    key: str
    label: object
    collect: Callable | None
    order: int = 100
    short_label: object = None
    # Turns an item's stored status code into words in the reader's language, when shown.
    status_label: Callable | None = None


_SECTIONS: dict[str, Section] = {}


def register_section(key, label, collect, *, order=100, short_label=None, status_label=None):
    """Add or replace a snapshot section. `collect=None` declares one that is not tracked yet."""
    _SECTIONS[key] = Section(key, label, collect, order, short_label or label, status_label)


def sections():
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def section_label(key):
    section = _SECTIONS.get(key)
    return section.label if section else key


def for_display(snapshot):
    """A stored snapshot's sections with their labels (and item statuses) in the reader's
    language; a section whose app is gone is shown under its key."""
    shown = []
    for stored in snapshot.get("sections", []):
        section = _SECTIONS.get(stored["key"])
        items = stored.get("items", [])
        if section is not None and section.status_label is not None:
            items = [{**item, "status_label": section.status_label(item["status"])} if item.get("status") else item for item in items]
        shown.append(
            {
                **stored,
                "items": items,
                "label": section.label if section else stored["key"],
                "short_label": section.short_label if section else stored["key"],
            }
        )
    return shown


def _incident_status_label(code):
    from incidents.models import IncidentStatus

    try:
        return IncidentStatus(code).label
    except ValueError:
        return code


def take_snapshot(*, now):
    """{"taken_at": ISO, "sections": [{"key", "available", "count", "items", "truncated"}...]}."""
    result = []
    for section in sections():
        if section.collect is None:
            result.append({"key": section.key, "available": False, "count": 0, "items": []})
            continue
        try:
            # A savepoint: on PostgreSQL a failed query would otherwise abort the whole handover.
            with transaction.atomic():
                collected = section.collect(now)
        except Exception:  # noqa: BLE001 — one broken section must not block the handover itself
            logger.exception("handover snapshot section %s failed", section.key)
            result.append({"key": section.key, "available": False, "error": True, "count": 0, "items": []})
            continue
        items = list(collected.get("items", []))[:ITEM_LIMIT]
        count = collected.get("count", len(items))
        result.append({"key": section.key, "available": True, "count": count, "items": items, "truncated": count > len(items)})
    return {"taken_at": now.isoformat(), "sections": result}


def collect_active_incidents(now):
    from incidents.models import Incident

    incidents = Incident.objects.active().select_related("category", "kelurahan").order_by("priority", "created_at")
    count = incidents.count()
    items = []
    for incident in incidents[:ITEM_LIMIT]:
        where = ", ".join(part for part in (incident.kelurahan.name if incident.kelurahan_id else "", incident.address) if part)
        items.append(
            {
                "id": incident.pk,
                "ref": incident.reference,
                "title": f"P{incident.priority} · {incident.category.name_id}",
                "detail": where,
                "status": incident.status,
                "priority": incident.priority,
                "since": incident.created_at.isoformat(),
                "severity": "high" if incident.priority == 1 else "normal",
            }
        )
    return {"count": count, "items": items}


def collect_overdue_assignments(now):
    from incidents.selectors import overdue_assignments

    assignments = list(overdue_assignments(now=now)[: ITEM_LIMIT + 1])
    items = []
    for assignment in assignments[:ITEM_LIMIT]:
        deadline = assignment.acknowledge_deadline()
        items.append(
            {
                "id": assignment.pk,
                "ref": assignment.incident.reference,
                "title": assignment.agency.name,
                "detail": f"P{assignment.incident.priority} · {assignment.incident.category.name_id}",
                "since": assignment.notified_at.isoformat(),
                "overdue_minutes": int((now - deadline).total_seconds() // 60),
                "severity": "high",
            }
        )
    count = len(assignments) if len(assignments) <= ITEM_LIMIT else overdue_assignments(now=now).count()
    return {"count": count, "items": items}


register_section(
    "active_incidents",
    _("Active incidents"),
    collect_active_incidents,
    order=10,
    short_label=_("incidents"),
    status_label=_incident_status_label,
)
register_section(
    "overdue_assignments",
    _("Overdue assignments (not acknowledged by the agency)"),
    collect_overdue_assignments,
    order=20,
    short_label=_("overdue"),
)
# Declared now so every handover shows them; the cctv and volunteers apps replace these.
register_section("offline_cameras", _("Offline cameras"), None, order=30, short_label=_("cameras offline"))
register_section("volunteers_out", _("Volunteers (relawan) still out"), None, order=40, short_label=_("relawan out"))
