"""Callers' personal data is blanked once a call has been closed longer than the retention period;
every report figure stays the same, and each run is in the audit trail."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.utils import translation

from audit.models import AuditEntry
from audit.retention import caller_data_anonymise
from dispatch112.models import Event
from incidents.models import FINISHED_STATUSES, Call
from intake.models import AmlLocation, InboundMessage, PbxCall, PbxCallEvent
from tests.reports.conftest import DAY_PARAMS, at

pytestmark = pytest.mark.django_db

NUMBER = "+6281234567890"


@pytest.fixture
def callers(pbx_calls):
    """The reports' fixed day (10 March 2026) with a caller on every call and the rows around them."""
    ds = pbx_calls
    for n, call in enumerate(Call.objects.order_by("pk")):
        call.caller_number, call.caller_name = f"+62812345678{n:02d}", f"Penelepon {n}"
        call.save()
    PbxCall.objects.update(caller_number=NUMBER)
    PbxCallEvent.objects.create(pbx_call=PbxCall.objects.first(), event="offered", at=at(10, 0), received_at=at(10, 0), payload={"caller_number": NUMBER})
    i1_call = ds.incidents["I1"].calls.get()
    AmlLocation.objects.create(transport="sms", caller_number=NUMBER, raw=f"A\"ML={NUMBER}", imsi="510101234567890", imei="35000000000000",
                               received_at=at(10, 0), latitude="-0.5", longitude="117.15", call=i1_call)  # fmt: skip
    InboundMessage.objects.create(channel="whatsapp", provider_id="wa-1", sender=NUMBER, sender_name="Ibu Ani", received_at=at(10, 0),
                                  kind="text", text="Ada kebakaran", status="incident", incident=ds.incidents["I1"])  # fmt: skip
    Event.objects.create(kind="call.logged", audience="console", incident=ds.incidents["I1"], created_at=at(10, 0),
                         payload={"call": {"id": i1_call.pk, "caller_number": NUMBER, "caller_name": "Ibu Ani", "outcome": "emergency"}})  # fmt: skip
    Event.objects.create(kind="call.ringing", audience="console", created_at=at(10, 0), payload={"caller_number": NUMBER, "line": "112"})
    # I2 is still on scene: its caller's data stays whatever its age.
    ds.open_call = ds.incidents["I2"].calls.get()
    return ds


def closed_calls():
    """No incident (prank, silent, info), or an incident resolved, closed or cancelled (I1, I4)."""
    return Call.objects.filter(Q(incident__isnull=True) | Q(incident__status__in=FINISHED_STATUSES))


def report_figures():
    from reports.filters import parse_filter
    from reports.selectors import TABLES

    with translation.override("en"):
        report, errors = parse_filter(DAY_PARAMS)
        assert errors is None
        return {name: TABLES[name](report).rows for name in TABLES}


def test_calls_closed_longer_than_the_retention_lose_their_callers_data(callers):
    result = caller_data_anonymise(now=at(12, 0) + timedelta(days=400), days=365)

    closed = closed_calls()
    assert result.calls == closed.count() > 0
    assert set(closed.values_list("caller_number", "caller_name")) == {("", "")}
    callers.open_call.refresh_from_db()
    assert callers.open_call.caller_number and callers.open_call.caller_name
    # I3 is new (never dispatched), "before" and "after" dispatched: open, so kept.
    assert all(Call.objects.get(incident=callers.incidents[name]).caller_number for name in ("I3", "before", "after"))

    aml = AmlLocation.objects.get()
    assert (aml.caller_number, aml.raw, aml.imsi, aml.imei) == ("", "", "", "")
    assert aml.latitude is not None  # where the emergency was is not the caller's identity
    message = InboundMessage.objects.get()
    assert (message.sender, message.sender_name, message.text) == ("", "", "Ada kebakaran")
    assert PbxCallEvent.objects.get().payload == {}
    logged = Event.objects.get(kind="call.logged")
    assert logged.payload == {"call": {"id": logged.payload["call"]["id"], "outcome": "emergency"}}
    assert Event.objects.get(kind="call.ringing").payload == {"line": "112"}
    assert NUMBER not in str(list(PbxCall.objects.values_list("caller_number", flat=True)))


def test_the_report_figures_stay_the_same(callers):
    before = report_figures()
    calls, incidents = Call.objects.count(), callers.incidents["I1"].__class__.objects.count()

    caller_data_anonymise(now=at(12, 0) + timedelta(days=400), days=365)

    assert report_figures() == before
    assert Call.objects.count() == calls and callers.incidents["I1"].__class__.objects.count() == incidents


def test_nothing_within_the_retention_period_is_touched(callers):
    result = caller_data_anonymise(now=at(12, 0) + timedelta(days=30), days=365)
    assert result.total == 0
    assert not Call.objects.filter(caller_number="").exists()
    assert not AuditEntry.objects.filter(action="anonymise").exists()


def test_each_run_is_audited_with_its_figures_and_no_personal_data(callers):
    result = caller_data_anonymise(now=at(12, 0) + timedelta(days=400), days=365)
    entry = AuditEntry.objects.get(action="anonymise")
    assert entry.model_label == "incidents.call"
    assert entry.after["calls"] == result.calls and entry.after["retention_days"] == 365
    assert NUMBER[3:] not in str(entry.after) + entry.object_repr
    # A second run finds nothing left and writes no entry.
    assert caller_data_anonymise(now=at(12, 0) + timedelta(days=400), days=365).total == 0
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_the_command_dry_run_counts_and_changes_nothing(callers):
    out = StringIO()
    with override_settings(CALLER_DATA_RETENTION_DAYS=30):
        call_command("anonymise_caller_data", "--dry-run", stdout=out)
    text = out.getvalue()
    closed = closed_calls().count()
    assert f"calls: {closed} would be anonymised" in text
    assert "CALLER_DATA_RETENTION_DAYS=30" in text
    assert not Call.objects.filter(caller_number="").exists()
    assert not AuditEntry.objects.filter(action="anonymise").exists()


def test_the_command_uses_the_setting_and_anonymises(callers):
    out = StringIO()
    with override_settings(CALLER_DATA_RETENTION_DAYS=30):
        call_command("anonymise_caller_data", stdout=out)
    assert "anonymised" in out.getvalue()
    assert Call.objects.filter(caller_number="").exists()
    assert AuditEntry.objects.filter(action="anonymise").exists()


def test_the_nightly_task_is_scheduled_and_runs(callers, settings):
    from audit.tasks import anonymise_caller_data

    assert settings.CELERY_BEAT_SCHEDULE["anonymise-caller-data"]["task"] == "audit.tasks.anonymise_caller_data"
    settings.CALLER_DATA_RETENTION_DAYS = 30
    result = anonymise_caller_data.apply().get()  # run here, as the worker would
    assert result["calls"] > 0 and result["dry_run"] is False


def test_the_retention_setting_defaults_to_a_year_and_refuses_nonsense():
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from dispatch112.env import Env

    assert settings.CALLER_DATA_RETENTION_DAYS == 365
    with pytest.raises(ImproperlyConfigured):
        Env({"CALLER_DATA_RETENTION_DAYS": "0"}).int("CALLER_DATA_RETENTION_DAYS", 365, minimum=1)
