"""Tests that expose bugs in the API (kept out of the commit; copy into tests/incidents/api/ to run)."""

from tests.incidents.api.support import assert_error, counts, log_emergency
from tests.incidents.api.test_filters import listed, spread  # noqa: F401


def test_created_before_a_date_includes_that_whole_day_in_wita(operator, spread):  # noqa: F811
    # BUG incidents/api.py _moment_param: parse_datetime("2026-11-26") returns midnight, so the
    # end_of_day branch is never reached and the day itself is excluded.
    assert listed(operator, created_before="2026-11-26") == {spread["fire"]}
    assert listed(operator, created_after="2026-11-26", created_before="2026-11-26") == {spread["fire"]}


def test_impossible_date_in_filter_is_400_not_500(operator, spread):  # noqa: F811
    # BUG incidents/api.py _moment_param: parse_date/parse_datetime raise ValueError for a
    # well-formed but impossible date; it escapes as a 500.
    assert_error(operator.get("/api/v1/incidents/", {"created_after": "2026-13-01"}), 400, field="created_after")
    assert_error(operator.get("/api/v1/incidents/", {"created_before": "2026-02-30T08:00"}), 400, field="created_before")
    assert_error(operator.get("/api/v1/calls/", {"received_after": "2026-13-01"}), 400, field="received_after")


# BUG dispatch112/urls.py: /api/schema/ and /api/docs/ are DRF views under the project-wide
# URLPathVersioning, but their URLs carry no <version>; with no DEFAULT_VERSION every request is
# 404 "Invalid version in URL path."


def test_schema_is_served(world, operator):
    response = operator.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/incidents/{id}/dispatch/" in response.json()["paths"]
    yaml = operator.get("/api/schema/")
    assert yaml.status_code == 200
    assert b"/api/v1/incidents/{id}/dispatch/:" in yaml.content


def test_docs_page_renders_for_a_logged_in_user(operator):
    response = operator.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Swagger UI's start-up script is a file of its own (the Content Security Policy allows no
    # inline script): it names the schema.
    assert b'<script src="/api/docs/?script="></script>' in response.content
    script = operator.get("/api/docs/?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert b"/api/schema/" in script.content


def test_same_agency_twice_in_one_dispatch_is_400_not_500(world, operator):
    # BUG incidents/services.py incident_dispatch: duplicates are checked against the assignments
    # already in the database, not within the request; the second create hits the unique
    # constraint assignment_one_per_agency → IntegrityError → 500.
    incident_id = log_emergency(operator, world.categories["kebakaran"])
    damkar = world.agencies["damkar"].pk
    before = counts()
    response = operator.post(f"/api/v1/incidents/{incident_id}/dispatch/", {"agencies": [damkar, damkar]}, format="json")
    assert_error(response, 400, field="agencies")
    assert counts() == before


def test_opd_staff_do_not_see_a_linked_callers_name(world, operator, client_for):
    # BUG incidents/services.py call_link: the incident.call_linked event (audience "incident",
    # so shown to and pushed to every assigned agency) carries call.caller_name.
    from tests.incidents.api.support import dispatch

    incident_id = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident_id, world.agencies["damkar"])
    call = operator.post("/api/v1/calls/", {"outcome": "info", "caller_number": "0813-5000-1111", "caller_name": "Bu Ani Lestari"}, format="json").json()
    assert operator.post(f"/api/v1/incidents/{incident_id}/link-call/", {"call": call["id"]}, format="json").status_code == 200
    raw = client_for("damkar").get(f"/api/v1/incidents/{incident_id}/").content.decode()
    assert "Bu Ani Lestari" not in raw


def test_filter_id_too_large_for_the_database_is_not_a_500(world, operator):
    # BUG incidents/api.py _int_param: any int() is accepted; a foreign-key filter with a value
    # beyond 64 bits crashes the query (SQLite OverflowError) → 500.
    for param in ("kelurahan", "kecamatan", "agency", "category"):
        response = operator.get("/api/v1/incidents/", {param: "99999999999999999999"})
        assert response.status_code in (200, 400), (param, response.status_code)


def test_duplicates_with_a_non_finite_latitude_names_the_field(world, operator):
    # incidents/api.py duplicates: float("nan") passes the check, the query then fails with a
    # field-less Django ValidationError → fields {"non_field_errors": ...}.
    category = world.categories["kebakaran"].pk
    response = operator.get("/api/v1/incidents/duplicates/", {"category": category, "latitude": "nan", "longitude": "117.15"})
    assert_error(response, 400, field="latitude")
