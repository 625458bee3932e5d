"""The shift handover's "volunteers still out" section (see shifts.snapshot)."""

from django.utils.translation import gettext_lazy as _


def _status_label(code):
    from volunteers.models import ActivationStatus

    try:
        return ActivationStatus(code).label
    except ValueError:
        return code


def collect_volunteers_out(now):
    from shifts.snapshot import ITEM_LIMIT
    from volunteers.selectors import volunteers_out

    activations = volunteers_out(now)
    count = activations.count()
    items = []
    for activation in activations[:ITEM_LIMIT]:
        items.append(
            {
                "id": activation.pk,
                "ref": activation.incident.reference,
                "title": activation.volunteer.name,
                "detail": f"{activation.volunteer.kelurahan.name} · {activation.incident.category.name_id}",
                "status": activation.status,
                "since": (activation.arrived_at or activation.accepted_at or activation.sent_at).isoformat(),
                "severity": "normal",
            }
        )
    return {"count": count, "items": items}


def register():
    from shifts.snapshot import register_section

    register_section(
        "volunteers_out",
        _("Volunteers (relawan) still out"),
        collect_volunteers_out,
        order=40,
        short_label=_("relawan out"),
        status_label=_status_label,
    )
