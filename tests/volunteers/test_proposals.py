"""Which volunteers the console proposes for an incident, and in which order."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.volunteers.support import activate, kelurahan, make_incident, make_volunteer
from volunteers.selectors import volunteer_proposals
from volunteers.services import activation_respond


def names(proposals):
    return [p.volunteer.name for p in proposals.results]


def test_those_covering_the_kelurahan_come_first_then_neighbours_by_distance(world, clock):
    operator = world.users["operator"]
    # Bugis (Samarinda Kota); Pasar Pagi is ~0.6 km away, Sidodadi ~1.8 km, Palaran's kelurahan >6 km.
    make_volunteer("Far Neighbour", "Sidodadi", skills=["fire"])
    make_volunteer("Near Neighbour", "Pasar Pagi", skills=["fire"])
    make_volunteer("Lives There", "Bugis", skills=["fire"])
    make_volunteer("Covers It", "Jawa", covers=["Bugis"], skills=["fire"])
    make_volunteer("Too Far", "Rawa Makmur", skills=["fire"])
    incident = make_incident(operator, place="Bugis")

    proposals = volunteer_proposals(incident=incident)

    assert names(proposals) == ["Lives There", "Covers It", "Near Neighbour", "Far Neighbour"]
    coverage = {p.volunteer.name: p.coverage for p in proposals.results}
    assert coverage == {"Lives There": "home", "Covers It": "covers", "Near Neighbour": "neighbour", "Far Neighbour": "neighbour"}
    distances = {p.volunteer.name: p.distance_m for p in proposals.results}
    assert 500 < distances["Near Neighbour"] < 700 < 1500 < distances["Far Neighbour"] < 2000


def test_matching_skills_come_first_among_those_covering_and_among_neighbours(world, clock):
    operator = world.users["operator"]
    make_volunteer("Home Driver", "Bugis", skills=["driver"])
    make_volunteer("Home Firefighter", "Bugis", skills=["fire"])
    make_volunteer("Covering Fire And First Aid", "Jawa", covers=["Bugis"], skills=["fire", "first_aid"])
    make_volunteer("Near No Skill", "Pasar Pagi", skills=["radio"])
    make_volunteer("Farther Firefighter", "Sidodadi", skills=["fire"])
    incident = make_incident(operator, category="kebakaran", place="Bugis")

    proposals = volunteer_proposals(incident=incident)

    assert proposals.skills == ["fire", "first_aid", "evacuation"]
    assert names(proposals) == ["Covering Fire And First Aid", "Home Firefighter", "Home Driver", "Farther Firefighter", "Near No Skill"]
    assert proposals.results[0].matching_skills == ["fire", "first_aid"]
    # The operator may ask for other skills than the category's.
    asked = volunteer_proposals(incident=incident, skills=["driver"])
    assert names(asked)[0] == "Home Driver" and asked.skills_from == "request"


def test_availability_windows_crossing_midnight_decide_who_can_go_now(world, clock):
    operator = world.users["operator"]
    make_volunteer("Night Owl", "Bugis", availability="Jum 22:00-06:00", skills=["fire", "first_aid"])
    make_volunteer("Day Worker", "Bugis", availability="Sen-Jum 08:00-17:00")
    make_volunteer("Neighbour Always", "Pasar Pagi")
    incident = make_incident(operator, place="Bugis")

    # Friday 10:00 WITA: the night owl is asleep; they are listed last, marked, with the hour they come on.
    day = volunteer_proposals(incident=incident)
    assert names(day) == ["Day Worker", "Neighbour Always", "Night Owl"]
    owl = day.results[-1]
    assert not owl.availability.available and owl.availability.next_from.isoformat() == "2026-11-27T22:00:00+08:00"

    # Saturday 02:00 WITA: inside Friday's 22:00–06:00 window; the day worker is off.
    clock.advance(hours=16)
    night = volunteer_proposals(incident=incident)
    assert names(night) == ["Night Owl", "Neighbour Always", "Day Worker"]
    assert night.results[0].availability.until.isoformat() == "2026-11-28T06:00:00+08:00"


def test_volunteers_on_another_active_incident_are_marked_busy_and_listed_after(world, clock):
    operator = world.users["operator"]
    busy = make_volunteer("Already Out", "Bugis", skills=["fire", "first_aid", "evacuation"])
    make_volunteer("Free Neighbour", "Pasar Pagi")
    elsewhere = make_incident(operator, category="banjir", place="Pasar Pagi")
    (activation,) = activate(elsewhere, [busy], operator)
    activation_respond(activation=activation, action="accept")
    incident = make_incident(operator, place="Bugis")

    proposals = volunteer_proposals(incident=incident)

    assert names(proposals) == ["Free Neighbour", "Already Out"]
    marked = proposals.results[1]
    assert marked.busy_with.incident_id == elsewhere.pk and not marked.actionable

    # Once that incident is cancelled they are free again.
    from incidents.services import incident_cancel

    incident_cancel(incident=elsewhere, by=operator, reason="false alarm")
    assert names(volunteer_proposals(incident=incident)) == ["Already Out", "Free Neighbour"]


def test_inactive_volunteers_are_not_proposed_and_those_already_called_are_marked(world, clock):
    operator = world.users["operator"]
    make_volunteer("Retired", "Bugis", active=False)
    called = make_volunteer("Called Already", "Bugis")
    make_volunteer("Not Yet Called", "Bugis")
    incident = make_incident(operator, place="Bugis")
    activate(incident, [called], operator)

    proposals = volunteer_proposals(incident=incident)

    assert names(proposals) == ["Not Yet Called", "Called Already"]
    assert proposals.results[1].activation.status == "sent"


def test_a_relawan_on_an_operator_shift_is_not_proposed_as_free(world, clock):
    from shifts.models import ShiftType
    from shifts.services import roster_add

    operator, admin = world.users["operator"], world.users["admin"]
    on_shift = make_volunteer("On Shift", "Bugis", user=world.users["operator2"], skills=["fire"])
    make_volunteer("At Home", "Bugis")
    roster_add(shift_type=ShiftType.objects.get(code="pagi"), date=clock.now.date(), user=world.users["operator2"], duty="operator", by=admin, volunteer=True)
    incident = make_incident(operator, place="Bugis")

    proposals = volunteer_proposals(incident=incident)

    assert names(proposals) == ["At Home", "On Shift"]
    assert proposals.results[1].on_operator_duty and on_shift.user_id == world.users["operator2"].pk


def test_an_incident_with_only_a_kelurahan_still_gets_its_volunteers(world, clock):
    operator = world.users["operator"]
    make_volunteer("Lives There", "Bugis")
    make_volunteer("Neighbour", "Pasar Pagi")
    incident = make_incident(operator, place="Bugis", point=False)
    assert kelurahan("Bugis").has_point

    # No point: distances from the kelurahan's centre.
    assert names(volunteer_proposals(incident=incident)) == ["Lives There", "Neighbour"]


def test_an_incident_without_a_place_proposes_nobody_and_says_why(world, clock):
    make_volunteer("Lives There", "Bugis")
    incident = make_incident(world.users["operator"], place=None)
    proposals = volunteer_proposals(incident=incident)
    assert proposals.results == [] and proposals.note == "no_place"


def test_proposals_are_a_handful_of_queries_however_many_volunteers(world, clock):
    operator = world.users["operator"]
    for n in range(30):
        make_volunteer(f"Relawan {n:02d}", ["Bugis", "Pasar Pagi", "Jawa"][n % 3], skills=["fire"], covers=["Sidodadi"], availability="Sen-Jum 08:00-17:00")
    incident = make_incident(operator, place="Bugis")

    with CaptureQueriesContext(connection) as queries:
        proposals = volunteer_proposals(incident=incident, limit=50)
    assert proposals.total == 30
    assert len(queries) <= 10, [q["sql"] for q in queries]
