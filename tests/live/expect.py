"""What each user may see, according to the Event table (the truth), and the checks every live
test makes of a console: it received exactly that, once, and its state equals the API's."""

from django.db.models import Min

from dispatch112.models import Event
from incidents.models import Assignment
from tests.live.support import wait_for


def events_after(event_id):
    return list(Event.objects.filter(id__gt=event_id).order_by("id").values("id", "kind", "audience", "incident_id"))


def live_visible(events, agency_id):
    """The ids pushed live to a console: every event for operators; for an agency's staff the
    agency's own events and the incident-wide events written once the agency was assigned."""
    if agency_id is None:
        return {e["id"] for e in events}
    group = f"agency-{agency_id}"
    assigned_at = dict(
        Event.objects.filter(kind="assignment.created", audience=group).values("incident_id").annotate(first=Min("id")).values_list("incident_id", "first")
    )
    return {
        e["id"]
        for e in events
        if e["audience"] == group or (e["audience"] == "incident" and e["incident_id"] in assigned_at and assigned_at[e["incident_id"]] < e["id"])
    }


def resume_visible(events, agency_id):
    """What a resume may replay: as live, but incident-wide events of an incident assigned to the
    agency at any time (its earlier history included)."""
    if agency_id is None:
        return {e["id"] for e in events}
    group = f"agency-{agency_id}"
    assigned = set(Assignment.objects.filter(agency_id=agency_id).values_list("incident_id", flat=True))
    return {e["id"] for e in events if e["audience"] == group or (e["audience"] == "incident" and e["incident_id"] in assigned)}


def last_event_id():
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_console_matches_api(console, session):
    """The console's incidents equal what the API answers now, to the last field."""
    expected, _ = session.active_incidents()
    try:
        wait_for(lambda: console.snapshot()["state"] == expected, message=f"{console.name}'s state to equal the API")
    except AssertionError:
        state = console.snapshot()["state"]
        assert state.keys() == expected.keys(), f"{console.name}: extra {sorted(state.keys() - expected.keys())}, missing {sorted(expected.keys() - state.keys())}"
        differing = {
            i: {k: (state[i].get(k), expected[i].get(k)) for k in expected[i] if state[i].get(k) != expected[i].get(k)}
            for i in state
            if state[i] != expected[i]
        }
        raise AssertionError(f"{console.name}: incidents differ from the API, field: (console, API): {differing}") from None
    return expected


def assert_received_exactly(console, since_id, agency_id, *, resumed=False):
    """Every event the user may see since `since_id` arrived once, and nothing else. An agency's
    console that resumed may also have been replayed an assigned incident's earlier history."""
    events = events_after(since_id)
    expected = live_visible(events, agency_id)
    allowed = resume_visible(events, agency_id) if resumed else expected
    console.wait_for_ids(expected)
    snap = console.snapshot()
    received = {i for i in snap["received"] if i > since_id}
    assert expected <= received <= allowed, (
        f"{console.name}: not allowed {sorted(received - allowed)}, missing {sorted(expected - received)}"
    )
    assert snap["live_duplicates"] == [], f"{console.name} got ids pushed twice: {snap['live_duplicates']}"
    assert snap["errors"] == [] and snap["reloads"] == 0, snap
    return received
