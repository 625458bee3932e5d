"""The supervisor's live map in a real browser against the running server (daphne, live push): a
firefighter sharing from the OPD console shows with the distance to the incident, and leaves the
map the moment the assignment is completed — pushed, no reload."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.live.conftest import console_page, server, server_env, test_db_name, world  # noqa: F401 — the live server's fixtures

pytestmark = pytest.mark.browser


def test_a_unit_shows_its_distance_and_leaves_the_map_when_its_assignment_completes(world, server, console_page):
    from playwright.sync_api import expect

    from incidents.models import Agency, AssignmentStatus, IncidentCategory
    from incidents.services import IncidentInput, assignment_transition, call_log, incident_dispatch
    from integrations.services import unit_share
    from integrations.trackers import from_browser

    operator, firefighter = world.users["operator"], world.users["damkar"]
    call = call_log(by=operator, outcome="emergency", new_incident=IncidentInput(
        category=IncidentCategory.objects.get(code="kebakaran"), latitude=Decimal("-0.502240"), longitude=Decimal("117.153610")))
    (assignment,) = incident_dispatch(incident=call.incident, agencies=[Agency.objects.get(code="damkar")], by=operator)
    for step in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.EN_ROUTE):
        assignment = assignment_transition(assignment=assignment, to=step, by=firefighter)
    # The server's clock is the real one: the position must be fresh for it.
    now = datetime.now(UTC)
    fix = from_browser({"latitude": "-0.4900", "longitude": "117.1500", "accuracy": 20, "recorded_at": now.isoformat()}, now=now)
    unit = unit_share(user=firefighter, assignment=assignment, fix=fix).unit

    supervisor = console_page("supervisor")
    supervisor.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    expect(supervisor.locator("#live-status")).to_have_class(re.compile(r"(^|\s)live(\s|$)"))
    marker = supervisor.locator(f'.unit-marker[data-unit="{unit.pk}"]')
    expect(marker).to_be_visible()
    # ~1.4 km from the fire, in the list beside the map (and on the marker's tooltip).
    expect(supervisor.locator(f'#unit-list li[data-unit="{unit.pk}"]')).to_contain_text(re.compile(r"1[.,]\d km"))

    damkar = console_page("damkar")
    csrf = next(c["value"] for c in damkar.context.cookies() if c["name"] == "csrftoken")
    for step in ("on_scene", "completed"):
        answer = damkar.request.post(f"{server.url}/api/v1/assignments/{assignment.pk}/advance/", data={"status": step},
                                     headers={"X-CSRFToken": csrf, "Referer": server.url + "/"})
        assert answer.ok, answer.text()

    expect(marker).to_have_count(0, timeout=5_000)
    expect(supervisor.locator("#unit-empty")).to_be_visible()
    assert supervisor.errors == []
