"""The PBX tells each call's moments: offered (voice menu), queued (ringing at the operators),
answered, abandoned, ended. Answer times and abandoned calls are measured from them."""

from datetime import timedelta

import pytest

from dispatch112.models import Event
from intake.models import PbxCall, PbxCallEvent
from tests.incidents.helpers import START

pytestmark = pytest.mark.django_db


def send(client, event, call_id="1732668000.17", *, seconds=0, **fields):
    body = {"pbx_call_id": call_id, "event": event, "at": (START + timedelta(seconds=seconds)).isoformat(), **fields}
    return client.post("/api/v1/telephony/events/", body, content_type="application/json")


def test_answered_call_records_each_moment_and_rings_the_consoles(pbx_client, world):
    assert send(pbx_client, "offered", caller_number="0812-3456-7890", line="112-1").status_code == 201
    assert send(pbx_client, "queued", seconds=12).status_code == 201
    answered = send(pbx_client, "answered", seconds=19, operator="operator")
    assert answered.status_code == 201
    assert send(pbx_client, "ended", seconds=95).status_code == 201

    call = PbxCall.objects.get(pbx_call_id="1732668000.17")
    assert call.caller_number == "+6281234567890"
    assert call.line == "112-1"
    assert (call.queued_at - call.offered_at).seconds == 12
    assert (call.answered_at - call.queued_at).seconds == 7
    assert call.answered_by == world.operator
    assert call.abandoned_stage == ""
    ring = Event.objects.get(kind="call.ringing")
    assert ring.payload["caller_number"] == "+6281234567890"
    assert ring.payload["pbx_call_id"] == "1732668000.17"
    # The banner leaves every console when the PBX says the call was answered.
    assert Event.objects.get(kind="pbx.answered").payload["ring_id"] == ring.pk
    assert answered.json()["answered_by"] == "operator"


def test_form_encoded_event_with_unix_seconds_is_accepted(pbx_client):
    # What a dialplan CURL() sends: form fields, ${EPOCH}.
    response = pbx_client.post(
        "/api/v1/telephony/events/", {"pbx_call_id": "A-1", "event": "ringing", "at": str(int(START.timestamp())), "caller_number": "081234567890"}
    )
    assert response.status_code == 201, response.json()
    assert PbxCall.objects.get(pbx_call_id="A-1").queued_at == START


def test_repeated_event_is_recognised_and_changes_nothing(pbx_client):
    send(pbx_client, "offered", caller_number="081234567890")
    first = send(pbx_client, "queued", seconds=5)
    again = send(pbx_client, "queued", seconds=9)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert PbxCall.objects.get().queued_at == START + timedelta(seconds=5)
    assert Event.objects.filter(kind="call.ringing").count() == 1
    assert PbxCallEvent.objects.count() == 2


def test_ended_before_answered_is_recorded_in_either_order(pbx_client):
    send(pbx_client, "queued", seconds=10, caller_number="081234567890")
    assert send(pbx_client, "ended", seconds=80).status_code == 201
    assert send(pbx_client, "answered", seconds=14).status_code == 201
    assert send(pbx_client, "offered", seconds=0).status_code == 201
    call = PbxCall.objects.get()
    assert [call.offered_at, call.queued_at, call.answered_at, call.ended_at] == [
        START + timedelta(seconds=s) for s in (0, 10, 14, 80)
    ]


def test_the_report_facts_follow_the_events_in_any_order(pbx_client):
    from reports import facts
    from reports.models import AnswerFact

    def in_sync():
        assert facts.differences() == []

    send(pbx_client, "ended", "r1", seconds=80)
    send(pbx_client, "answered", "r1", seconds=14)
    in_sync()
    assert facts.stored_pbx_hours() == {} and not AnswerFact.objects.exists()  # no offered time yet
    assert send(pbx_client, "answered", "r1", seconds=20).status_code == 200  # a repeat
    send(pbx_client, "queued", "r1", seconds=10)
    send(pbx_client, "offered", "r1", seconds=0)
    in_sync()
    assert AnswerFact.objects.get().answer_s == 4.0
    send(pbx_client, "offered", "r2", seconds=5)
    send(pbx_client, "abandoned", "r2", seconds=9)
    assert send(pbx_client, "queued", "r2", seconds=7).status_code == 409
    in_sync()
    # (offered, answered, abandoned, in the menu, in the queue) in START's hour.
    assert facts.stored_pbx_hours() == {START: (2, 1, 1, 1, 0)}


def test_call_abandoned_in_the_voice_menu_never_rings(pbx_client):
    send(pbx_client, "offered", caller_number="081234567890")
    response = send(pbx_client, "abandoned", seconds=6)
    assert response.status_code == 201
    assert response.json()["abandoned_stage"] == "menu"
    assert not Event.objects.filter(kind="call.ringing").exists()
    # A "queued" that arrives late for a call that hung up in the menu cannot have happened.
    late = send(pbx_client, "queued", seconds=4)
    assert late.status_code == 409
    assert "voice menu" in late.json()["detail"]
    assert PbxCall.objects.get().queued_at is None


def test_call_abandoned_in_the_queue_takes_its_banner_down(pbx_client):
    send(pbx_client, "offered", caller_number="081234567890")
    send(pbx_client, "queued", seconds=8)
    response = send(pbx_client, "abandoned", seconds=40)
    assert response.json()["abandoned_stage"] == "queue"
    ring = Event.objects.get(kind="call.ringing")
    assert Event.objects.get(kind="pbx.abandoned").payload["ring_id"] == ring.pk


def test_abandoned_before_queued_arrives_keeps_the_stage_the_pbx_gave(pbx_client):
    send(pbx_client, "abandoned", seconds=40, stage="queue", caller_number="081234567890")
    assert send(pbx_client, "queued", seconds=8).status_code == 201
    call = PbxCall.objects.get()
    assert call.abandoned_stage == "queue"
    assert call.queued_at == START + timedelta(seconds=8)
    # The call was already over when its "queued" came in: no banner for a caller who is gone.
    assert not Event.objects.filter(kind="call.ringing").exists()


@pytest.mark.parametrize(
    ("first", "second", "fields", "code", "words"),
    [
        ("abandoned", "answered", {}, 409, "abandoned by the caller"),
        ("answered", "abandoned", {}, 409, "was answered"),
        ("queued", "abandoned", {"stage": "menu"}, 409, "reached the operators"),
    ],
)
def test_impossible_sequences_are_refused(pbx_client, first, second, fields, code, words):
    send(pbx_client, first, seconds=10, caller_number="081234567890")
    response = send(pbx_client, second, seconds=20, **fields)
    assert response.status_code == code
    assert words in response.json()["detail"]
    assert PbxCallEvent.objects.count() == 1


def test_times_that_contradict_each_other_are_refused_naming_the_field(pbx_client):
    send(pbx_client, "queued", seconds=30, caller_number="081234567890")
    response = send(pbx_client, "answered", seconds=10)
    assert response.status_code == 400
    assert "before the call was queued" in response.json()["fields"]["at"][0]
    assert PbxCall.objects.get().answered_at is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event": "picked-up"}, "event"),
        ({"pbx_call_id": ""}, "pbx_call_id"),
        ({"at": "yesterday"}, "at"),
        ({"at": (START + timedelta(hours=1)).isoformat()}, "at"),
        ({"event": "answered", "operator": "nobody"}, "operator"),
        ({"event": "answered", "operator": "damkar"}, "operator"),
        ({"event": "queued", "stage": "menu"}, "stage"),
        ({"event": "abandoned", "stage": "lobby"}, "stage"),
    ],
)
def test_bad_fields_are_named_and_change_nothing(pbx_client, fields, field):
    body = {"pbx_call_id": "B-1", "event": "offered", "at": START.isoformat(), **fields}
    response = pbx_client.post("/api/v1/telephony/events/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not PbxCallEvent.objects.exists()


def test_a_number_the_pbx_garbles_still_rings(pbx_client):
    send(pbx_client, "queued", caller_number="anonymous")
    assert Event.objects.get(kind="call.ringing").payload["caller_number"] == "anonymous"


def test_only_the_telephony_account_may_send_events(operator_client, opd_client, client, world):
    for other in (operator_client, opd_client, client):
        assert send(other, "offered").status_code in (401, 403)
    assert not PbxCall.objects.exists()
