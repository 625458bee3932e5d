"""CSV exports (the tables and the incident list behind them, with the page's filters), the shared
formula-safe writer, the JSON API and the printable report."""

import csv
import io

import pytest

from dispatch112.csvexport import csv_lines, safe_cell
from dispatch112.roles import Role
from incidents.models import Incident
from tests.factories import UserFactory
from tests.reports.conftest import DAY_PARAMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client, settings):
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+6281234", "'+6281234"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Jl. Pahlawan", "Jl. Pahlawan"),
        (-12.5, -12.5),  # numbers stay numbers
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_as_a_formula_are_written_as_text(value, written):
    assert safe_cell(value) == written


def test_the_writer_neutralises_header_and_cells():
    text = "".join(csv_lines(["=name"], [["@cmd"], [3]]))

    assert list(csv.reader(io.StringIO(text[1:]))) == [["'=name"], ["'@cmd"], ["3"]]


def test_a_table_export_holds_the_tables_rows_with_the_same_filter(supervisor, dataset):
    rows = read_csv(supervisor.get("/reports/export/response_by_agency.csv", DAY_PARAMS))

    header, everything = rows[0], rows[1]
    assert header[:2] == ["Agency", "rows"]
    by_header = dict(zip(header, everything, strict=True))
    assert by_header["Dispatch → acknowledged p50 (s)"] == "200.0"
    assert by_header["Dispatch → acknowledged missing"] == "0"
    assert by_header["Dispatch → en route missing"] == "1"
    assert [r[0] for r in rows[1:]] == ["All", "Damkar Uji", "PSC Uji"]


def test_a_table_export_follows_the_filters(supervisor, dataset):
    rows = read_csv(supervisor.get("/reports/export/response_by_agency.csv", {**DAY_PARAMS, "agency": dataset.agencies["psc"].pk}))

    assert len(rows) == 3  # header, All, PSC
    assert rows[2][0] == "PSC Uji"


def test_the_incident_list_has_the_filtered_incidents_with_their_steps(supervisor, dataset):
    rows = read_csv(supervisor.get("/reports/export/incidents.csv", {**DAY_PARAMS, "kecamatan": dataset.kecamatan["a"].pk}))

    references = [r[0] for r in rows[1:]]
    assert references == ["TEST-I3", "TEST-I1"]  # oldest first; I2 and I4 are in Beta
    i1 = dict(zip(rows[0], rows[2], strict=True))
    assert (i1["Dispatched → resolved (s)"], i1["Created → dispatched (s)"], i1["Agencies"]) == ("3600.0", "30.0", "Damkar Uji, PSC Uji")
    assert i1["Created (WITA)"] == "2026-03-10T10:00:00+08:00"


def test_the_incident_list_neutralises_an_address_written_as_a_formula(supervisor, dataset):
    Incident.objects.filter(reference="TEST-I1").update(address='=HYPERLINK("http://evil","klik")')

    rows = read_csv(supervisor.get("/reports/export/incidents.csv", DAY_PARAMS))

    address = next(r for r in rows if r[0] == "TEST-I1")[9]
    assert address == '\'=HYPERLINK("http://evil","klik")'


def test_an_unknown_table_is_404_and_a_bad_filter_names_the_field(supervisor, dataset):
    assert supervisor.get("/reports/export/nothing.csv").status_code == 404
    response = supervisor.get("/reports/export/incidents.csv", {"period": "custom", "from": "2026-03-10"})
    assert response.status_code == 400
    assert "to" in response.json()["fields"]


def test_the_api_returns_every_table_and_the_headline(supervisor, dataset):
    response = supervisor.get("/api/v1/reports/figures/", DAY_PARAMS)

    assert response.status_code == 200
    body = response.json()
    assert body["filter"]["start"].startswith("2026-03-10T00:00:00+08:00")
    assert body["headline"]["calls"] == 8
    table = body["tables"]["response_by_agency"]
    assert table["rows"][0]["ack_p90_s"] == 520.0
    assert {"key": "ack_p50_s"} .items() <= table["columns"][2].items()


def test_the_api_returns_chosen_sections_and_one_table(supervisor, dataset):
    sections = supervisor.get("/api/v1/reports/figures/", {**DAY_PARAMS, "sections": "map"}).json()
    one = supervisor.get("/api/v1/reports/tables/calls_per_day/", DAY_PARAMS).json()

    assert list(sections["tables"]) == ["incidents_by_kecamatan"]
    assert "headline" not in sections
    assert one["rows"] == [{"date": "2026-03-10", "calls": 8, "emergency": 4, "prank_silent": 3}]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "decade"}, "period"), ({"priority": "7"}, "priority"), ({"sections": "calls,gossip"}, "sections"), ({"kecamatan": "abc"}, "kecamatan")],
)
def test_the_api_refuses_bad_input_naming_the_field(supervisor, dataset, params, field):
    response = supervisor.get("/api/v1/reports/figures/", params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_api_is_in_the_openapi_schema(supervisor):
    paths = supervisor.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert "/api/v1/reports/figures/" in paths and "/api/v1/reports/tables/{key}/" in paths
    names = {p["name"] for p in paths["/api/v1/reports/figures/"]["get"]["parameters"]}
    assert {"period", "from", "to", "kecamatan", "category", "agency", "priority", "sections"} <= names


def test_the_print_page_has_every_section_and_no_navigation(supervisor, dataset):
    html = supervisor.get("/reports/print/", DAY_PARAMS).content.decode()

    assert '<nav class="nav"' not in html
    for section in ("calls", "handling", "response", "callcenter", "map", "volunteers"):
        assert f'id="section-{section}"' in html
    assert html.count("<svg") >= 12
    assert "2026-03-10" in html
