"""Plain helpers for the API tests: places, a controllable clock, requests a console would send."""

from datetime import datetime, timedelta, timezone as dt_timezone

from dispatch112.models import Event, IdempotencyRecord
from incidents.models import Assignment, Call, Incident

UTC = dt_timezone.utc
WITA = dt_timezone(timedelta(hours=8))
# 10:00 WITA on a Friday: far from midnight, so the reference day is unambiguous.
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

# Places in Samarinda (lat, lon).
CITY_CENTRE = (-0.5022, 117.1536)  # by the Balaikota
NEAR_CITY_CENTRE = (-0.5030, 117.1540)  # ~100 m from CITY_CENTRE
PALARAN = (-0.5900, 117.1800)  # ~700 m from Pos Damkar Palaran, kilometres from the other posts
JAKARTA = (-6.2, 106.8)

CALLER = "0812-3456-7890"
CALLER_E164 = "+6281234567890"
CALLER_MASKED = "+62812•••••890"


class Clock:
    """Stands in for django.utils.timezone.now."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when):
        self.now = when
        return self.now


def counts():
    """What a bad request must not change."""
    return {
        "calls": Call.objects.count(),
        "incidents": Incident.objects.count(),
        "assignments": Assignment.objects.count(),
        "events": Event.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


def emergency(category, point=CITY_CENTRE, *, caller_number=CALLER, caller_name="", **incident):
    """The body of POST /api/v1/calls/ for an emergency call that opens a new incident."""
    body = {"outcome": "emergency", "caller_number": caller_number, "caller_name": caller_name, "incident": {"category": category.pk, **incident}}
    if point is not None:
        body["incident"]["latitude"], body["incident"]["longitude"] = f"{point[0]:.6f}", f"{point[1]:.6f}"
    return body


def log_emergency(client, category, point=CITY_CENTRE, **kwargs):
    """Log an emergency call through the API; returns the new incident's id."""
    response = client.post("/api/v1/calls/", emergency(category, point, **kwargs), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["incident"]


def dispatch(client, incident_id, *agencies):
    response = client.post(f"/api/v1/incidents/{incident_id}/dispatch/", {"agencies": [a.pk for a in agencies]}, format="json")
    assert response.status_code == 200, response.json()
    return {a["agency"]["code"]: a["id"] for a in response.json()["assignments"]}


def detail(client, incident_id):
    response = client.get(f"/api/v1/incidents/{incident_id}/")
    assert response.status_code == 200, response.json()
    return response.json()


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def assert_error(response, status, *, field=None, code=None):
    """The one error format: {"detail", "code", "fields"}, with the bad field named."""
    assert response.status_code == status, response.content
    body = response.json()
    assert {"detail", "code", "fields"} <= set(body), body
    assert isinstance(body["detail"], str) and body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        node = body["fields"]
        for part in field.split("."):
            assert part in node, f"{field!r} not named in {body['fields']}"
            node = node[part]
        assert node, body
    return body
