"""Every endpoint checks the role; OPD staff see and act only on their agency's incidents."""

import re

import pytest

from tests.incidents.api.support import CALLER_E164, CALLER_MASKED, PALARAN, assert_error, counts, dispatch, ids, log_emergency

ENDPOINTS = [
    ("get", "/api/v1/incidents/"),
    ("get", "/api/v1/incidents/{incident}/"),
    ("patch", "/api/v1/incidents/{incident}/"),
    ("get", "/api/v1/incidents/{incident}/dispatch-options/"),
    ("get", "/api/v1/incidents/duplicates/?category=1&latitude=-0.5&longitude=117.15"),
    ("post", "/api/v1/incidents/{incident}/dispatch/"),
    ("post", "/api/v1/incidents/{incident}/resolve/"),
    ("post", "/api/v1/incidents/{incident}/close/"),
    ("post", "/api/v1/incidents/{incident}/cancel/"),
    ("post", "/api/v1/incidents/{incident}/reopen/"),
    ("post", "/api/v1/incidents/{incident}/notes/"),
    ("post", "/api/v1/incidents/{incident}/link-call/"),
    ("get", "/api/v1/calls/"),
    ("post", "/api/v1/calls/"),
    ("get", "/api/v1/calls/{call}/"),
    ("get", "/api/v1/calls/history/?number=081234567890"),
    ("get", "/api/v1/assignments/"),
    ("get", "/api/v1/assignments/{assignment}/"),
    ("post", "/api/v1/assignments/{assignment}/acknowledge/"),
    ("post", "/api/v1/assignments/{assignment}/advance/"),
    ("post", "/api/v1/assignments/{assignment}/decline/"),
    ("get", "/api/v1/overdue/"),
    ("get", "/api/v1/agencies/"),
    ("get", "/api/v1/agencies/{agency}/"),
    ("get", "/api/v1/categories/"),
    ("get", "/api/v1/categories/{category}/"),
    ("get", "/api/v1/kelurahan/"),
    ("get", "/api/v1/kelurahan/{kelurahan}/"),
]

# A well-formed body for each action, so that a refusal is about the role, not the input.
BODIES = {
    "patch": {"address": "Jl. Diubah"},
    "dispatch": {"agencies": ["@other_agency"]},
    "resolve": {"note": "Selesai"},
    "close": {"note": "Selesai"},
    "cancel": {"reason": "Batal"},
    "reopen": {"reason": "Buka lagi"},
    "notes": {"text": "Catatan"},
    "link-call": {"call": "@other_call"},
    "calls": {"outcome": "prank"},
    "advance": {"status": "en_route"},
    "decline": {"reason": "Tidak ada unit"},
}


@pytest.fixture
def ids_in_use(world, operator):
    from dispatch112.models import Kelurahan

    incident = log_emergency(operator, world.categories["kebakaran"])
    assignment = dispatch(operator, incident, world.agencies["damkar"])["damkar"]
    call = operator.get(f"/api/v1/incidents/{incident}/").json()["calls"][0]["id"]
    return {
        "incident": incident,
        "assignment": assignment,
        "call": call,
        "agency": world.agencies["damkar"].pk,
        "other_agency": world.agencies["psc119"].pk,
        "other_call": operator.post("/api/v1/calls/", {"outcome": "info"}, format="json").json()["id"],
        "category": world.categories["kebakaran"].pk,
        "kelurahan": Kelurahan.objects.first().pk,
    }


def _request(client, method, path, ids_in_use):
    url = path.format(**ids_in_use)
    if method == "get":
        return client.get(url)
    name = url.rstrip("/").split("/")[-1] if method != "patch" else "patch"

    def resolve(value):  # "@name" stands for an id made by the ids_in_use fixture
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return ids_in_use[value[1:]] if isinstance(value, str) and value.startswith("@") else value

    body = {key: resolve(value) for key, value in BODIES.get(name, {}).items()}
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_anonymous_is_refused_everywhere(anonymous, ids_in_use, method, path):
    before = counts()
    response = _request(anonymous, method, path, ids_in_use)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
    assert counts() == before


def test_anonymous_is_refused_on_every_operation_in_the_schema(anonymous, ids_in_use):
    # Whatever endpoints are added later, none may answer a caller who is not logged in.
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    operations = [(method, path) for path, item in schema["paths"].items() for method in item if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) >= len(ENDPOINTS)
    before = counts()
    answers = {}
    for method, path in operations:
        url = re.sub(r"\{[^}]+\}", str(ids_in_use["incident"]), path)
        response = getattr(anonymous, method)(url, {}, format="json") if method != "get" else anonymous.get(url)
        answers[f"{method.upper()} {path}"] = (response.status_code, response.json().get("code"))
    assert {op: answer for op, answer in answers.items() if answer[0] not in (401, 403) or answer[1] != "not_authenticated"} == {}
    assert counts() == before


def test_invalid_token_is_refused(world, ids_in_use):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = client.get("/api/v1/incidents/")
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code, code="authentication_failed")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/calls/"),
        ("post", "/api/v1/calls/"),
        ("get", "/api/v1/calls/{call}/"),
        ("get", "/api/v1/calls/history/?number=081234567890"),
        ("patch", "/api/v1/incidents/{incident}/"),
        ("get", "/api/v1/incidents/{incident}/dispatch-options/"),
        ("post", "/api/v1/incidents/{incident}/dispatch/"),
        ("post", "/api/v1/incidents/{incident}/resolve/"),
        ("post", "/api/v1/incidents/{incident}/close/"),
        ("post", "/api/v1/incidents/{incident}/cancel/"),
        ("post", "/api/v1/incidents/{incident}/link-call/"),
        ("get", "/api/v1/overdue/"),
    ],
)
def test_opd_staff_cannot_use_the_operator_actions(client_for, ids_in_use, method, path):
    # Even on the incident assigned to their own agency.
    before = counts()
    response = _request(client_for("damkar"), method, path, ids_in_use)
    assert_error(response, 403, code="permission_denied")
    assert counts() == before


def test_opd_staff_of_another_agency_get_404_not_403(world, operator, client_for, ids_in_use):
    bpbd = client_for("bpbd")
    incident, assignment = ids_in_use["incident"], ids_in_use["assignment"]
    before = counts()
    for response in (
        bpbd.get(f"/api/v1/incidents/{incident}/"),
        bpbd.post(f"/api/v1/incidents/{incident}/notes/", {"text": "Kami bantu"}, format="json"),
        bpbd.get(f"/api/v1/assignments/{assignment}/"),
        bpbd.post(f"/api/v1/assignments/{assignment}/acknowledge/"),
        bpbd.post(f"/api/v1/assignments/{assignment}/advance/", {"status": "en_route"}, format="json"),
        bpbd.post(f"/api/v1/assignments/{assignment}/decline/", {"reason": "Bukan kami"}, format="json"),
    ):
        assert_error(response, 404, code="not_found")
    # The answer is the same as for an incident that does not exist: nothing leaks.
    assert bpbd.get(f"/api/v1/incidents/{incident}/").json() == bpbd.get("/api/v1/incidents/999999/").json()
    assert counts() == before
    assert ids(bpbd.get("/api/v1/incidents/")) == []
    assert ids(bpbd.get("/api/v1/assignments/")) == []
    # Damkar's own staff see it and can act on it.
    damkar = client_for("damkar")
    assert ids(damkar.get("/api/v1/incidents/")) == [incident]
    assert ids(damkar.get("/api/v1/assignments/")) == [assignment]
    assert damkar.post(f"/api/v1/assignments/{assignment}/acknowledge/").status_code == 200


def test_opd_staff_list_holds_only_their_agency_incidents(world, operator, client_for):
    fire = log_emergency(operator, world.categories["kebakaran"])
    flood = log_emergency(operator, world.categories["banjir"], PALARAN)
    log_emergency(operator, world.categories["kriminalitas"], PALARAN)  # not dispatched to anyone
    dispatch(operator, fire, world.agencies["damkar"])
    dispatch(operator, flood, world.agencies["bpbd"], world.agencies["basarnas"])
    assert ids(client_for("damkar").get("/api/v1/incidents/")) == [fire]
    assert ids(client_for("bpbd").get("/api/v1/incidents/", {"status": "active"})) == [flood]
    assert ids(client_for("polresta").get("/api/v1/incidents/")) == []
    assert len(ids(operator.get("/api/v1/incidents/"))) == 3


def test_opd_staff_see_the_caller_number_masked(world, operator, client_for):
    incident = log_emergency(operator, world.categories["kebakaran"], caller_name="Pak Rahmat")
    dispatch(operator, incident, world.agencies["damkar"])

    theirs = client_for("damkar").get(f"/api/v1/incidents/{incident}/").json()["calls"][0]
    assert theirs["caller_number"] == CALLER_MASKED
    assert theirs["caller_name"] == ""
    ours = operator.get(f"/api/v1/incidents/{incident}/").json()["calls"][0]
    assert ours["caller_number"] == CALLER_E164
    assert ours["caller_name"] == "Pak Rahmat"
    for username in ("supervisor", "admin"):
        assert client_for(username).get(f"/api/v1/incidents/{incident}/").json()["calls"][0]["caller_number"] == CALLER_E164


def test_opd_staff_cannot_find_an_incident_by_the_caller_number(world, operator, client_for):
    incident = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident, world.agencies["damkar"])
    assert ids(operator.get("/api/v1/incidents/", {"q": "081234567890"})) == [incident]
    assert ids(client_for("damkar").get("/api/v1/incidents/", {"q": "081234567890"})) == []
    assert ids(client_for("damkar").get("/api/v1/incidents/", {"q": "112-SMD"})) == [incident]


def test_opd_staff_do_not_see_other_agencies_events_or_the_caller_in_the_timeline(world, operator, client_for):
    incident = log_emergency(operator, world.categories["kebakaran"], caller_name="Pak Rahmat")
    assignments = dispatch(operator, incident, world.agencies["damkar"], world.agencies["psc119"])
    assert client_for("psc119").post(f"/api/v1/assignments/{assignments['psc119']}/acknowledge/").status_code == 200
    assert client_for("damkar").post(f"/api/v1/assignments/{assignments['damkar']}/acknowledge/").status_code == 200

    def agencies_in(timeline):
        return {e["payload"]["assignment"]["agency"]["code"] for e in timeline if "assignment" in e["payload"]}

    everything = operator.get(f"/api/v1/incidents/{incident}/").json()["timeline"]
    assert agencies_in(everything) == {"damkar", "psc119"}
    assert "call.logged" in [e["kind"] for e in everything]

    damkar_view = client_for("damkar").get(f"/api/v1/incidents/{incident}/").json()["timeline"]
    assert agencies_in(damkar_view) == {"damkar"}
    kinds = [e["kind"] for e in damkar_view]
    assert kinds.count("assignment.created") == 1 and kinds.count("assignment.acknowledged") == 1
    assert "incident.created" in kinds and "incident.status_changed" in kinds
    # The operators' call log (with the caller's number and name) is not theirs to see.
    assert "call.logged" not in kinds
    raw = client_for("damkar").get(f"/api/v1/incidents/{incident}/").content.decode()
    assert CALLER_E164 not in raw and "Pak Rahmat" not in raw

    psc_view = client_for("psc119").get(f"/api/v1/incidents/{incident}/").json()["timeline"]
    assert agencies_in(psc_view) == {"psc119"}


def test_opd_staff_can_add_a_note_to_their_incident(world, operator, client_for):
    incident = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident, world.agencies["damkar"])
    response = client_for("damkar").post(f"/api/v1/incidents/{incident}/notes/", {"text": "Unit 2 menyusul"}, format="json")
    assert response.status_code == 201, response.json()
    note = response.json()["timeline"][-1]
    assert (note["kind"], note["actor"], note["payload"]["text"]) == ("incident.note", "Petugas DAMKAR", "Unit 2 menyusul")


def test_user_without_a_role_is_refused(world, db):
    from dispatch112.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(User.objects.create_user("tamu", password="x"))
    assert_error(client.get("/api/v1/incidents/"), 403)
    assert_error(client.get("/api/v1/agencies/"), 403)
    assert_error(client.post("/api/v1/calls/", {"outcome": "prank"}, format="json"), 403)


def test_opd_staff_do_not_see_a_linked_callers_name_or_number(world, operator, client_for):
    incident = log_emergency(operator, world.categories["kebakaran"])
    dispatch(operator, incident, world.agencies["damkar"])
    call = operator.post("/api/v1/calls/", {"outcome": "info", "caller_number": "0813-5000-1111", "caller_name": "Bu Ani Lestari"}, format="json").json()
    linked = operator.post(f"/api/v1/incidents/{incident}/link-call/", {"call": call["id"]}, format="json")
    assert linked.status_code == 200
    assert "Bu Ani Lestari" in linked.content.decode()  # operators see who called

    response = client_for("damkar").get(f"/api/v1/incidents/{incident}/")
    assert "incident.call_linked" in [e["kind"] for e in response.json()["timeline"]]
    raw = response.content.decode()
    assert "Bu Ani Lestari" not in raw and "+6281350001111" not in raw
    assert "+62813•••••111" in raw
