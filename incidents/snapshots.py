"""The plain-data view of an incident that events carry, so a console updates without a request.

It is the API's own representation (incidents.serializers), so a console's state built from pushes
equals a fresh API fetch. No caller personal data here: incident events also go to the agencies.
"""


def incident_snapshot(incident):
    from incidents.serializers import IncidentSerializer

    return IncidentSerializer(incident).data


def assignment_snapshot(assignment):
    from incidents.serializers import AssignmentSerializer

    return AssignmentSerializer(assignment).data
