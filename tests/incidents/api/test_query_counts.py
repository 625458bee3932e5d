"""The queue and the detail cost a constant number of queries, however much there is to show."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.services import IncidentInput, call_link, call_log, incident_add_note, incident_dispatch
from tests.incidents.api.support import CITY_CENTRE, PALARAN, emergency

# A handful: session, user, roles, count, page, assignments. Far below one per incident.
SMALL = 10


def add_incidents(world, n):
    """n incidents across the city, each dispatched to two agencies (through the services)."""
    operator = world.users["operator"]
    agencies = [world.agencies["damkar"], world.agencies["psc119"]]
    for i in range(n):
        latitude, longitude = CITY_CENTRE if i % 2 else PALARAN
        call = call_log(
            by=operator,
            outcome="emergency",
            caller_number=f"0812{i:08d}",
            new_incident=IncidentInput(
                category=world.categories["kebakaran"], latitude=Decimal(str(latitude)), longitude=Decimal(str(longitude)), address=f"Jl. Uji {i}"
            ),
        )
        incident_dispatch(incident=call.incident, agencies=agencies, by=operator)


def queries(client, url, **params):
    client.get(url, params)  # warm: nothing one-off is counted
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response.json()


def test_active_queue_queries_do_not_grow_with_incidents(world, operator):
    add_incidents(world, 10)
    with_10, body = queries(operator, "/api/v1/incidents/", status="active")
    assert body["count"] == 10
    add_incidents(world, 40)
    with_50, body = queries(operator, "/api/v1/incidents/", status="active")
    assert body["count"] == 50 and len(body["results"]) == 50
    assert all(len(row["assignments"]) == 2 and row["kelurahan"]["kecamatan"] for row in body["results"])
    assert with_50 == with_10
    assert with_50 <= SMALL


def test_opd_queue_and_assignment_list_queries_do_not_grow(world, client_for):
    damkar = client_for("damkar")
    add_incidents(world, 10)
    incidents_10, _ = queries(damkar, "/api/v1/incidents/", status="active")
    assignments_10, _ = queries(damkar, "/api/v1/assignments/")
    add_incidents(world, 40)
    incidents_50, body = queries(damkar, "/api/v1/incidents/", status="active")
    assignments_50, assignments = queries(damkar, "/api/v1/assignments/")
    assert body["count"] == 50 and assignments["count"] == 50
    assert (incidents_50, assignments_50) == (incidents_10, assignments_10)
    assert incidents_50 <= SMALL and assignments_50 <= SMALL


def test_detail_queries_do_not_grow_with_calls_and_events(world, operator, client_for):
    add_incidents(world, 1)
    incident = world.users["operator"].calls.get().incident
    url = f"/api/v1/incidents/{incident.pk}/"
    small, body = queries(operator, url)
    small_opd, _ = queries(client_for("damkar"), url)
    assert len(body["calls"]) == 1

    for i in range(6):
        call = call_log(by=world.users["operator2"], outcome="info", caller_number=f"0813{i:08d}", caller_name=f"Saksi {i}")
        call_link(call=call, incident=incident, by=world.users["operator2"])
        incident_add_note(incident=incident, by=world.users["damkar"], text=f"Laporan lapangan {i}")
    incident_dispatch(incident=incident, agencies=[world.agencies["polresta"], world.agencies["bpbd"]], by=world.users["operator"])

    large, body = queries(operator, url)
    large_opd, _ = queries(client_for("damkar"), url)
    assert len(body["calls"]) == 7 and len(body["assignments"]) == 4 and len(body["timeline"]) >= 19
    assert {c["operator"] for c in body["calls"]} == {"Budi Operator", "Rina Operator"}
    assert (large, large_opd) == (small, small_opd)
    assert large <= SMALL + 2


def test_logging_a_call_with_a_new_incident_reads_no_assignments_back(world, operator):
    # A new incident has none yet: neither its event's snapshot nor the API's answer queries them
    # (a snapshot reads them with their agency; the report facts' own statement is not one of these).
    with CaptureQueriesContext(connection) as captured:
        response = operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"], CITY_CENTRE), format="json")
    assert response.status_code == 201
    assert response.json()["incident_detail"]["assignments"] == []
    snapshot_reads = [q["sql"] for q in captured if 'FROM "incidents_assignment"' in q["sql"] and 'JOIN "incidents_agency"' in q["sql"]]
    assert snapshot_reads == []


def test_logging_a_call_with_a_new_incident_is_a_dozen_statements_and_one_after_the_days_counter(world, operator):
    # Every intake locks the day's counter until it commits (incidents.services._number_incident):
    # after it only the events' one INSERT. The whole intake: user and roles, category, shift
    # types, kelurahan, incident, call, hour count, handling and call facts, counter with
    # reference, events (and the transaction's begin and commit): bench/load.py's intake p99
    # follows this number.
    operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"], CITY_CENTRE), format="json")  # warm
    with CaptureQueriesContext(connection) as captured:
        response = operator.post("/api/v1/calls/", emergency(world.categories["kebakaran"], CITY_CENTRE), format="json")
    assert response.status_code == 201
    statements = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    counter = next(i for i, sql in enumerate(statements) if "incidents_dailysequence" in sql)
    after = [sql.split(" (")[0].split(" SET")[0] for sql in statements[counter + 1 :]]
    if connection.vendor == "postgresql":
        assert after == ['INSERT INTO "dispatch112_event"']
        assert len(statements) == 11, statements
    else:  # no UPDATE in a WITH on SQLite: the reference is written apart
        assert after == ['UPDATE "incidents_incident"', 'INSERT INTO "dispatch112_event"']
