"""The OpenAPI schema is generated, served, valid, and describes what the API actually sends."""

import pytest
from django.core.management import call_command

from incidents.serializers import (
    AgencyRefSerializer,
    AssignmentSerializer,
    CategoryRefSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    KelurahanRefSerializer,
    PostRefSerializer,
)
from incidents.snapshots import assignment_snapshot, incident_snapshot
from tests.incidents.api.support import detail, dispatch, log_emergency

ACTIONS = [
    "/api/v1/incidents/",
    "/api/v1/incidents/{id}/",
    "/api/v1/incidents/{id}/dispatch/",
    "/api/v1/incidents/{id}/dispatch-options/",
    "/api/v1/incidents/{id}/resolve/",
    "/api/v1/incidents/{id}/close/",
    "/api/v1/incidents/{id}/cancel/",
    "/api/v1/incidents/{id}/reopen/",
    "/api/v1/incidents/{id}/notes/",
    "/api/v1/incidents/{id}/link-call/",
    "/api/v1/incidents/duplicates/",
    "/api/v1/calls/",
    "/api/v1/calls/history/",
    "/api/v1/assignments/{id}/acknowledge/",
    "/api/v1/assignments/{id}/advance/",
    "/api/v1/assignments/{id}/decline/",
    "/api/v1/overdue/",
    "/api/v1/agencies/",
    "/api/v1/categories/",
    "/api/v1/kelurahan/",
]


@pytest.fixture
def schema():
    """The schema as `manage.py spectacular --api-version v1` and /api/schema/ generate it."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)


def test_schema_lists_every_action(schema):
    assert schema["openapi"].startswith("3.")
    missing = [path for path in ACTIONS if path not in schema["paths"]]
    assert missing == []
    assert "post" in schema["paths"]["/api/v1/incidents/{id}/dispatch/"]
    assert "patch" in schema["paths"]["/api/v1/incidents/{id}/"]
    list_parameters = {p["name"] for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"status", "category", "priority", "kelurahan", "kecamatan", "agency", "created_after", "created_before", "q"} <= list_parameters


def test_schema_validates_without_warnings(tmp_path):
    from drf_spectacular.drainage import GENERATOR_STATS

    # drf-spectacular counts warnings in a process-wide registry: start from zero, so that only
    # this generation's warnings count. The command raises CommandError on a warning or an
    # invalid schema.
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--api-version", "v1", "--file", str(target))
    assert "/api/v1/incidents/{id}/dispatch/" in target.read_text()


def test_snapshot_keys_equal_the_declared_serializer_fields(world, operator):
    from incidents.models import Assignment, Incident

    incident_id = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident_id, world.agencies["damkar"])
    incident = Incident.objects.with_related().get(pk=incident_id)
    snapshot = incident_snapshot(incident)
    assert list(snapshot) == IncidentSerializer.Meta.fields
    assert list(snapshot["category"]) == CategoryRefSerializer.Meta.fields
    assert list(snapshot["kelurahan"]) == KelurahanRefSerializer.Meta.fields
    assignment = assignment_snapshot(Assignment.objects.select_related("agency", "post").get(incident=incident))
    assert list(assignment) == AssignmentSerializer.Meta.fields
    assert list(assignment["agency"]) == AgencyRefSerializer.Meta.fields
    assert list(assignment["post"]) == PostRefSerializer.Meta.fields
    assert IncidentDetailSerializer.Meta.fields == IncidentSerializer.Meta.fields + ["timeline", "calls"]


def test_schema_components_describe_the_bodies_sent(schema, world, operator):
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident_id, world.agencies["damkar"])
    components = schema["components"]["schemas"]
    sent = detail(operator, incident_id)
    listed = operator.get("/api/v1/incidents/").json()["results"][0]
    assert set(components["IncidentDetail"]["properties"]) == set(sent)
    assert set(components["Incident"]["properties"]) == set(listed)
    assert set(components["CategoryRef"]["properties"]) == set(listed["category"])
    assert set(components["KelurahanRef"]["properties"]) == set(listed["kelurahan"])
    assignment = operator.get("/api/v1/assignments/").json()["results"][0]
    assert set(components["Assignment"]["properties"]) == set(assignment)
    assert set(components["AgencyRef"]["properties"]) == set(assignment["agency"])
    assert set(components["PostRef"]["properties"]) == set(assignment["post"])
    call = sent["calls"][0]
    assert set(components["Call"]["properties"]) == set(call)
