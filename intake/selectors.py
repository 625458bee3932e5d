"""Reads for the intake: the handset positions (AML) of an incident's calls."""

from intake.models import AmlLocation


def aml_positions_of_incident(incident_id):
    """Accepted AML positions attached to the incident's calls, newest first."""
    return (
        AmlLocation.objects.accepted()
        .filter(call__incident_id=incident_id, latitude__isnull=False)
        .order_by("-received_at", "-id")
    )
