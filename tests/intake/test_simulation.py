"""The demo history's telephone side (intake/simulation.py): every logged call has its PBX record,
answered by the operator who logged it when the call was received, and callers hang up in the menu
and in the queue in between — recorded through the PBX service, so the call-center figures and the
report facts agree with the rows."""

import random

import pytest
from django.core.management import call_command

from incidents.models import Call
from incidents.simulation import seed_history
from intake.models import AbandonedStage, PbxCall
from intake.simulation import PbxSimulator
from reports import facts
from reports.filters import parse_filter
from reports.selectors import callcenter_by_hour

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    simulator = PbxSimulator(random.Random(5))
    logged = seed_history(days=2, calls_per_day=12, seed=3, on_call=simulator)
    return logged, simulator


def test_every_logged_call_came_through_the_pbx_and_was_answered_by_its_operator(history):
    logged, _simulator = history
    calls = list(Call.objects.select_related("operator"))
    assert len(calls) == logged > 20
    linked = {p.call_id: p for p in PbxCall.objects.filter(call__isnull=False)}
    for call in calls:
        if not call.caller_number:  # no number to match it by: the PBX call stays unlinked
            continue
        pbx = linked[call.pk]
        assert pbx.queued_at == call.received_at
        assert pbx.offered_at < pbx.queued_at <= pbx.answered_at <= call.answered_at
        assert pbx.answered_by_id == call.operator_id
        assert pbx.abandoned_at is None
    assert len(linked) == sum(1 for c in calls if c.caller_number)
    answered_unlinked = PbxCall.objects.filter(call__isnull=True, answered_at__isnull=False).count()
    assert answered_unlinked == sum(1 for c in calls if not c.caller_number)


def test_callers_hang_up_in_the_menu_and_in_the_queue_and_the_call_center_table_counts_them(history):
    logged, simulator = history
    abandoned = PbxCall.objects.filter(abandoned_at__isnull=False)
    assert abandoned.count() == simulator.abandoned_count > 0
    stages = set(abandoned.values_list("abandoned_stage", flat=True))
    assert stages == {AbandonedStage.MENU, AbandonedStage.QUEUE}
    assert not abandoned.filter(answered_at__isnull=False).exists()
    assert not abandoned.filter(abandoned_stage=AbandonedStage.MENU, queued_at__isnull=False).exists()
    assert not abandoned.filter(abandoned_stage=AbandonedStage.QUEUE, queued_at__isnull=True).exists()

    report, errors = parse_filter({"period": "7d"})
    assert errors is None
    total = callcenter_by_hour(report).rows[0]  # the "All" row
    assert total["offered"] == PbxCall.objects.count() == logged + simulator.abandoned_count
    assert total["answered"] == logged
    assert total["abandoned"] == simulator.abandoned_count


def test_the_report_facts_of_the_simulated_pbx_calls_agree_with_their_rows(history):
    assert facts.differences() == []
    call_command("report_facts", "--check")  # raises CommandError on a difference


def test_without_a_telephone_system_account_the_history_has_no_pbx_calls(world):
    from dispatch112.models import User
    from dispatch112.roles import Role

    User.objects.filter(groups__name=Role.TELEPHONY).delete()
    seed_history(days=1, calls_per_day=6, seed=3, on_call=PbxSimulator(random.Random(5)))
    assert Call.objects.exists()
    assert not PbxCall.objects.exists()
