"""Dispatch: each agency gets one assignment with its nearest active post; the incident is
dispatched once and each agency is told on its own channel."""

import pytest
from django.core.exceptions import ValidationError

from dispatch112.geo import distance_m
from dispatch112.models import Event
from incidents.models import AgencyPost, Assignment, AssignmentStatus, IncidentStatus
from incidents.services import assignment_acknowledge, incident_dispatch
from tests.incidents.helpers import NEAR_PALARAN_POST, field_errors

pytestmark = pytest.mark.django_db


def snapshot(incident):
    incident.refresh_from_db()
    return {
        "status": incident.status,
        "version": incident.version,
        "dispatched_at": incident.dispatched_at,
        "assignments": list(incident.assignments.values_list("agency__code", "status")),
        "events": Event.objects.count(),
    }


def test_default_agencies_each_get_one_assignment_with_their_nearest_post(world, new_incident, clock):
    incident = new_incident("kecelakaan-lalu-lintas", NEAR_PALARAN_POST)
    defaults = list(incident.category.default_agencies.all())

    assignments = incident_dispatch(incident=incident, agencies=defaults, by=world.operator)

    assert sorted(a.agency.code for a in assignments) == ["dishub", "polresta", "psc119"]
    assert incident.assignments.count() == 3
    for assignment in Assignment.objects.filter(incident=incident):
        assert assignment.status == AssignmentStatus.NOTIFIED
        assert (assignment.notified_at, assignment.notified_by) == (clock.now, world.operator)
        posts = AgencyPost.objects.filter(agency=assignment.agency, active=True)
        nearest = min(posts, key=lambda p: distance_m(*NEAR_PALARAN_POST, p.latitude, p.longitude))
        assert assignment.post == nearest, assignment.agency.code


def test_fire_near_palaran_goes_to_the_palaran_fire_post_not_the_headquarters(world, new_incident):
    incident = new_incident("kebakaran", NEAR_PALARAN_POST)

    [assignment] = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)

    assert assignment.post.name == "Pos Damkar Palaran"
    palaran = distance_m(*NEAR_PALARAN_POST, assignment.post.latitude, assignment.post.longitude)
    for other in AgencyPost.objects.filter(agency__code="damkar").exclude(pk=assignment.post_id):
        assert distance_m(*NEAR_PALARAN_POST, other.latitude, other.longitude) > palaran
    event = Event.objects.get(kind="assignment.created")
    assert event.payload["post_distance_m"] == round(palaran)


def test_an_inactive_post_is_never_recommended(world, new_incident):
    AgencyPost.objects.filter(name="Pos Damkar Palaran").update(active=False)
    incident = new_incident("kebakaran", NEAR_PALARAN_POST)

    [assignment] = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)

    assert assignment.post.name == "Pos Damkar Samarinda Seberang"


def test_the_operator_may_choose_another_post_of_the_same_agency(world, new_incident):
    incident = new_incident("kebakaran", NEAR_PALARAN_POST)
    damkar = world.agency("damkar")
    chosen = AgencyPost.objects.get(name="Pos Damkar Sempaja")

    [assignment] = incident_dispatch(incident=incident, agencies=[damkar], posts={damkar.pk: chosen}, by=world.operator)

    assert Assignment.objects.get(pk=assignment.pk).post == chosen


def test_incident_without_a_point_is_dispatched_without_a_post(world, new_incident):
    incident = new_incident("banjir", None, address="Jl. Pemuda")

    assignments = incident_dispatch(incident=incident, agencies=[world.agency("bpbd")], by=world.operator)

    assert [a.post for a in assignments] == [None]


def test_dispatch_makes_the_incident_dispatched_and_stamps_the_time_once(world, new_incident, clock):
    incident = new_incident("kebakaran", NEAR_PALARAN_POST)
    first_time = clock.now

    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DISPATCHED
    assert incident.dispatched_at == first_time

    clock.advance(minutes=4)
    incident_dispatch(incident=incident, agencies=[world.agency("psc119")], by=world.supervisor)

    incident.refresh_from_db()
    assert incident.dispatched_at == first_time
    assert incident.assignments.count() == 2
    status_events = Event.objects.filter(kind="incident.status_changed", incident=incident)
    assert [(e.payload["previous_status"], e.actor) for e in status_events] == [("new", world.operator)]


def test_adding_an_agency_after_acknowledgement_keeps_the_incident_acknowledged(world, new_incident):
    incident = new_incident("kebakaran")
    [damkar] = incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    assignment_acknowledge(assignment=damkar, by=world.damkar_staff)

    incident_dispatch(incident=incident, agencies=[world.agency("polresta")], by=world.operator)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED


def test_assignment_created_events_go_to_each_agency_own_audience(world, new_incident, clock):
    incident = new_incident("kebakaran")
    agencies = [world.agency("damkar"), world.agency("psc119")]

    incident_dispatch(incident=incident, agencies=agencies, by=world.operator)

    events = Event.objects.filter(kind="assignment.created").order_by("id")
    assert sorted(e.audience for e in events) == sorted(f"agency-{a.pk}" for a in agencies)
    for event in events:
        assert (event.incident, event.actor, event.created_at) == (incident, world.operator, clock.now)
        assert event.audience == f"agency-{event.payload['assignment']['agency']['id']}"


def test_dispatching_an_agency_already_assigned_is_refused_and_nothing_changes(world, new_incident):
    incident = new_incident("kebakaran")
    incident_dispatch(incident=incident, agencies=[world.agency("damkar")], by=world.operator)
    before = snapshot(incident)

    with pytest.raises(ValidationError) as excinfo:
        incident_dispatch(incident=incident, agencies=[world.agency("psc119"), world.agency("damkar")], by=world.operator)

    assert field_errors(excinfo) == {"agencies"}
    assert "Damkar" in excinfo.value.message_dict["agencies"][0]
    assert snapshot(incident) == before


def test_the_same_agency_twice_in_one_dispatch_is_refused_and_nothing_changes(world, new_incident):
    incident = new_incident("kebakaran")
    before = snapshot(incident)
    damkar = world.agency("damkar")

    with pytest.raises(ValidationError) as excinfo:
        incident_dispatch(incident=incident, agencies=[damkar, damkar], by=world.operator)

    assert field_errors(excinfo) == {"agencies"}
    assert snapshot(incident) == before


def test_inactive_agency_is_refused(world, new_incident):
    incident = new_incident("kebakaran")
    pmi = world.agency("pmi")
    pmi.active = False
    pmi.save()
    before = snapshot(incident)

    with pytest.raises(ValidationError) as excinfo:
        incident_dispatch(incident=incident, agencies=[world.agency("damkar"), pmi], by=world.operator)

    assert field_errors(excinfo) == {"agencies"}
    assert snapshot(incident) == before


def test_post_of_another_agency_is_refused(world, new_incident):
    incident = new_incident("kebakaran")
    damkar = world.agency("damkar")
    police_post = AgencyPost.objects.get(name="Polresta Samarinda")
    before = snapshot(incident)

    with pytest.raises(ValidationError) as excinfo:
        incident_dispatch(incident=incident, agencies=[damkar], posts={damkar.pk: police_post}, by=world.operator)

    assert field_errors(excinfo) == {"posts"}
    assert snapshot(incident) == before


def test_dispatch_to_no_agency_is_refused(world, new_incident):
    incident = new_incident("kebakaran")
    before = snapshot(incident)

    with pytest.raises(ValidationError) as excinfo:
        incident_dispatch(incident=incident, agencies=[], by=world.operator)

    assert field_errors(excinfo) == {"agencies"}
    assert snapshot(incident) == before
