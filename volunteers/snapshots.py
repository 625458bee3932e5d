"""Plain-data views of volunteers and activations, for the API and for pushed events.

A volunteer's phone number is personal data. It is included only when the caller asks for it
(`with_phone=True`: operators, supervisors and admins); events never carry it, because the Event
table is kept forever and phone numbers change hands.
"""

from django.utils import timezone

from volunteers.models import ActivationStatus, Channel, Language, Skill


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def kelurahan_ref(kelurahan):
    if kelurahan is None:
        return None
    return {"id": kelurahan.pk, "code": kelurahan.code, "name": kelurahan.name, "kecamatan": kelurahan.kecamatan.name}


def volunteer_snapshot(volunteer, *, with_phone):
    data = {
        "id": volunteer.pk,
        "name": volunteer.name,
        "kelurahan": kelurahan_ref(volunteer.kelurahan),
        "skills": [{"code": s, "label": str(Skill(s).label)} for s in volunteer.skills if s in Skill.values],
        "languages": [{"code": c, "label": str(Language(c).label)} for c in volunteer.languages if c in Language.values],
        "active": volunteer.active,
    }
    if with_phone:
        data["phone"] = volunteer.phone
        data["channel"] = volunteer.channel
        data["channel_label"] = str(Channel(volunteer.channel).label)
    return data


def message_snapshot(message):
    return {
        "id": message.pk,
        "purpose": message.purpose,
        "status": message.status,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "sent_at": _iso(message.sent_at),
        "next_attempt_at": _iso(message.next_attempt_at) if message.status == "queued" else None,
    }


def activation_snapshot(activation, *, with_phone=False):
    volunteer = activation.volunteer
    data = {
        "id": activation.pk,
        "incident": activation.incident_id,
        "volunteer": {"id": volunteer.pk, "name": volunteer.name, "kelurahan": kelurahan_ref(volunteer.kelurahan)},
        "status": activation.status,
        "status_label": str(ActivationStatus(activation.status).label),
        "sent_at": _iso(activation.sent_at),
        "respond_by": _iso(activation.respond_by),
        "accepted_at": _iso(activation.accepted_at),
        "declined_at": _iso(activation.declined_at),
        "arrived_at": _iso(activation.arrived_at),
        "finished_at": _iso(activation.finished_at),
        "expired_at": _iso(activation.expired_at),
        "expire_reason": activation.expire_reason,
        "cancelled_at": _iso(activation.cancelled_at),
        "cancel_reason": activation.cancel_reason,
        "sent_by": str(activation.sent_by) if activation.sent_by_id else None,
    }
    if with_phone:
        data["volunteer"]["phone"] = volunteer.phone
        data["volunteer"]["channel"] = volunteer.channel
        messages = list(activation.messages.all())
        data["messages"] = [message_snapshot(m) for m in messages]
    return data


def proposal_snapshot(proposal, *, rank):
    from volunteers.availability import format_windows_for_display, windows_of
    from volunteers.models import Availability

    volunteer = proposal.volunteer
    busy = proposal.busy_with
    activation = proposal.activation
    if volunteer.availability == Availability.ALWAYS:
        from django.utils.translation import gettext

        availability_text = gettext("always")
    else:
        availability_text = format_windows_for_display(windows_of(volunteer))
    return {
        "rank": rank,
        "volunteer": volunteer_snapshot(volunteer, with_phone=True),
        "coverage": proposal.coverage,
        "covers_incident_kelurahan": proposal.covers_incident_kelurahan,
        "via_kelurahan": kelurahan_ref(proposal.via),
        "distance_m": round(proposal.distance_m) if proposal.distance_m is not None else None,
        "matching_skills": proposal.matching_skills,
        "available_now": proposal.availability.available,
        "available_until": _iso(proposal.availability.until),
        "available_from": _iso(proposal.availability.next_from),
        "availability_text": availability_text,
        "busy": busy is not None,
        "busy_with": (
            {"activation": busy.pk, "incident": busy.incident_id, "reference": busy.incident.reference, "status": busy.status}
            if busy is not None
            else None
        ),
        "on_operator_duty": proposal.on_operator_duty,
        "activation": {"id": activation.pk, "status": activation.status} if activation is not None else None,
        "can_activate": activation is None,
    }
