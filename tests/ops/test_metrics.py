"""/metrics: who may scrape it, that Prometheus can parse it, and that its numbers move with the
work of the Command Center."""

import ipaddress

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from dispatch112.asgi import application
from dispatch112.models import Kelurahan
from incidents.services import call_log, incident_dispatch
from ops.metrics import database_collector
from tests.ops.conftest import METRICS_TOKEN, client_of, log_emergency, seed_world
from volunteers.services import VolunteerInput, activation_create, volunteer_create


@pytest.fixture(autouse=True)
def fresh_database_counts(settings):
    settings.METRICS_DB_CACHE_SECONDS = 0
    database_collector.forget()  # counts cached by an earlier test's scrape


def scrape(**headers):
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def samples(text):
    """{(name, frozenset(labels)): value} of every sample, through Prometheus's own parser."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(parsed, name, **labels):
    return parsed.get((name, frozenset(labels.items())), 0)


def test_metrics_are_refused_to_strangers_and_given_to_the_token_and_the_allowed_network(db, metrics_token, settings):
    stranger = Client().get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert stranger.status_code == 403
    assert "dispatch112" not in stranger.content.decode()

    wrong_token = Client().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong_token.status_code == 403

    assert "dispatch112_calls_total" in scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert "dispatch112_calls_total" in scrape(REMOTE_ADDR="127.0.0.1")

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.8.0.0/16")]
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert "dispatch112_calls_total" in scrape(REMOTE_ADDR="10.8.3.4")


def test_the_whole_exposition_parses_and_names_every_family_it_promises(db):
    parsed = samples(scrape())
    names = {name for name, _ in parsed}

    for expected in (
        "dispatch112_http_requests_total",
        "dispatch112_http_request_duration_seconds_bucket",
        "dispatch112_consoles_connected",
        "dispatch112_console_connections_total",
        "dispatch112_console_events_sent_total",
        "dispatch112_outbox_backlog",
        "dispatch112_outbox_oldest_age_seconds",
        "dispatch112_assignments_overdue",
        "dispatch112_calls_total",
        "dispatch112_incidents_created_total",
        "dispatch112_incidents_active",
    ):
        assert expected in names, expected


def test_requests_are_counted_by_view_and_status_and_timed(world):
    before = samples(scrape())
    operator = client_of(world.operator)

    operator.get("/api/v1/categories/")
    operator.get("/api/v1/categories/")
    operator.get("/api/v1/incidents/999999/")
    Client().get("/no/such/page/")

    after = samples(scrape())
    ok = {"view": "api:category-list", "method": "GET", "status": "200"}
    assert value(after, "dispatch112_http_requests_total", **ok) - value(before, "dispatch112_http_requests_total", **ok) == 2
    missing = {"view": "api:incident-detail", "method": "GET", "status": "404"}
    assert value(after, "dispatch112_http_requests_total", **missing) - value(before, "dispatch112_http_requests_total", **missing) == 1
    unresolved = {"view": "unresolved", "method": "GET", "status": "404"}
    assert value(after, "dispatch112_http_requests_total", **unresolved) - value(before, "dispatch112_http_requests_total", **unresolved) == 1
    count = "dispatch112_http_request_duration_seconds_count"
    assert value(after, count, view="api:category-list") - value(before, count, view="api:category-list") == 2
    assert value(after, "dispatch112_http_request_duration_seconds_sum", view="api:category-list") > value(
        before, "dispatch112_http_request_duration_seconds_sum", view="api:category-list"
    )


def test_calls_incidents_overdue_assignments_and_the_outbox_move_when_things_happen(world, settings, clock_at):
    before = samples(scrape())

    clock_at(minutes_ago=30)  # P1 kebakaran: overdue after ACK_TARGET_SECONDS[1] (2 minutes)
    incident = log_emergency(world).incident
    call_log(by=world.operator, outcome="prank", caller_number="081234567891")
    incident_dispatch(incident=incident, agencies=list(world.category("kebakaran").default_agencies.all()), by=world.operator)
    home = Kelurahan.objects.filter(kecamatan__region__code=settings.REGION_CODE).first()
    volunteer = volunteer_create(data=VolunteerInput(name="Relawan Uji", phone="+6281377000002", kelurahan=home), by=world.admin)
    # Not committed: the send that follows the commit has not happened, the message waits.
    activation_create(incident=incident, volunteers=[volunteer], by=world.operator)
    clock_at(minutes_ago=0)

    after = samples(scrape())
    moved = {key: after.get(key, 0) - before.get(key, 0) for key in after}
    assert moved[("dispatch112_calls_total", frozenset({("outcome", "emergency")}))] == 1
    assert moved[("dispatch112_calls_total", frozenset({("outcome", "prank")}))] == 1
    assert moved[("dispatch112_incidents_created_total", frozenset())] == 1
    assert moved[("dispatch112_incidents_active", frozenset({("status", "dispatched")}))] == 1
    agencies = incident.assignments.count()
    assert agencies >= 1
    assert moved[("dispatch112_assignments_overdue", frozenset())] == agencies
    assert moved[("dispatch112_outbox_backlog", frozenset({("outbox", "volunteer_messages")}))] == 1
    assert value(after, "dispatch112_outbox_oldest_age_seconds", outbox="volunteer_messages") == pytest.approx(30 * 60, abs=5)


def test_database_counts_are_shared_for_a_few_seconds_between_scrapes(world, settings):
    settings.METRICS_DB_CACHE_SECONDS = 60
    first = value(samples(scrape()), "dispatch112_incidents_created_total")

    log_emergency(world)

    assert value(samples(scrape()), "dispatch112_incidents_created_total") == first
    settings.METRICS_DB_CACHE_SECONDS = 0
    assert value(samples(scrape()), "dispatch112_incidents_created_total") == first + 1


@pytest.mark.django_db(transaction=True)
def test_consoles_connected_and_events_sent_follow_the_websockets():
    world = seed_world()
    session_key = client_of(world.operator).cookies["sessionid"].value
    scrape_now = sync_to_async(lambda: samples(scrape()))

    def log_committed():
        with transaction.atomic():
            log_emergency(world)

    async def scenario():
        before = await scrape_now()
        communicator = WebsocketCommunicator(
            application, "/ws/events/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session_key}".encode())]
        )
        accepted, _ = await communicator.connect()
        assert accepted
        await communicator.receive_json_from()  # hello
        during = await scrape_now()
        await sync_to_async(log_committed)()
        received = []
        while not await communicator.receive_nothing(timeout=0.5):
            message = await communicator.receive_json_from()
            received.extend(message["events"] if message["type"] == "events" else [message])  # a batch frame counts its events
        await communicator.disconnect()
        return before, during, received, await scrape_now()

    before, during, received, after = async_to_sync(scenario)()

    assert value(during, "dispatch112_consoles_connected") - value(before, "dispatch112_consoles_connected") == 1
    assert value(during, "dispatch112_console_connections_total") - value(before, "dispatch112_console_connections_total") == 1
    assert [m["type"] for m in received].count("event") >= 2, received  # call logged, incident created
    sent = value(after, "dispatch112_console_events_sent_total") - value(before, "dispatch112_console_events_sent_total")
    assert sent == len(received)
    assert value(after, "dispatch112_consoles_connected") == value(before, "dispatch112_consoles_connected")


@pytest.mark.django_db(transaction=True)
def test_a_refused_socket_is_not_counted_as_a_console():
    before = samples(scrape())

    async def anonymous():
        communicator = WebsocketCommunicator(application, "/ws/events/", headers=[(b"origin", b"http://127.0.0.1")])
        accepted, _ = await communicator.connect()
        await communicator.disconnect()
        return accepted

    assert async_to_sync(anonymous)() is False
    after = samples(scrape())
    assert value(after, "dispatch112_console_connections_total") == value(before, "dispatch112_console_connections_total")
    assert value(after, "dispatch112_consoles_connected") == value(before, "dispatch112_consoles_connected")
