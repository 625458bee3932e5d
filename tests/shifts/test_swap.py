"""Swapping two shifts between two people: it happens only when both have agreed, and only if
neither ends up double-booked or short of rest."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch112 import clock
from dispatch112.errors import ConflictError
from shifts.models import Duty, RosterEntry, SwapStatus
from shifts.services import roster_add, roster_remove, swap_agree, swap_cancel, swap_decline, swap_request
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db

NOW = wita(2026, 11, 20, 10, 0)
BUDI_DAY = date(2026, 11, 27)
RINA_DAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def frozen():
    with clock.travel_to(NOW):
        yield


@pytest.fixture
def entries(pagi, siang, operator, operator2):
    budi = roster_add(shift_type=pagi, date=BUDI_DAY, user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    rina = roster_add(shift_type=siang, date=RINA_DAY, user=operator2, duty=Duty.OPERATOR, by=None).entries[0]
    return budi, rina


def holder(entry):
    return RosterEntry.objects.get(pk=entry.pk).user.username


def test_the_swap_happens_only_when_both_agree(entries, operator, operator2):
    budi, rina = entries

    swap = swap_request(first=budi, second=rina, by=operator, reason="acara keluarga")

    # Asking is Budi's agreement; Rina has not agreed yet: nothing moved.
    assert swap.status == SwapStatus.PENDING
    assert swap.first_agreed_at == NOW and swap.second_agreed_at is None
    assert (holder(budi), holder(rina)) == ("budi", "rina")

    swap = swap_agree(swap=swap, by=operator2)

    assert swap.status == SwapStatus.DONE
    assert (holder(budi), holder(rina)) == ("rina", "budi")


def test_an_admins_proposal_needs_both_people(entries, operator, operator2, admin):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=admin)

    assert (swap.first_agreed_at, swap.second_agreed_at) == (None, None)
    swap = swap_agree(swap=swap, by=operator)
    assert swap.status == SwapStatus.PENDING
    assert holder(budi) == "budi"

    swap = swap_agree(swap=swap, by=operator2)

    assert swap.status == SwapStatus.DONE
    assert holder(budi) == "rina"


def test_agreeing_twice_is_still_one_agreement(entries, operator, admin):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=admin)
    swap_agree(swap=swap, by=operator)

    swap = swap_agree(swap=swap, by=operator)

    assert swap.status == SwapStatus.PENDING


def test_a_third_person_cannot_agree_for_them(entries, operator, operator3, admin):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=operator)

    for outsider in (operator3, admin):
        with pytest.raises(PermissionDenied):
            swap_agree(swap=swap, by=outsider)

    assert holder(rina) == "rina"


def test_the_asked_person_can_decline(entries, operator, operator2):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=operator)

    swap = swap_decline(swap=swap, by=operator2)

    assert swap.status == SwapStatus.DECLINED
    with pytest.raises(ConflictError):
        swap_agree(swap=swap, by=operator2)
    assert holder(budi) == "budi"


def test_an_operator_can_only_offer_their_own_shift(entries, operator3):
    budi, rina = entries

    with pytest.raises(PermissionDenied):
        swap_request(first=budi, second=rina, by=operator3)


def test_asking_with_the_other_persons_shift_first_is_understood(entries, operator2):
    budi, rina = entries

    swap = swap_request(first=budi, second=rina, by=operator2)

    assert swap.first_user == operator2 and swap.first_agreed_at == NOW


def test_a_swap_that_would_break_the_rest_rule_is_refused_when_asked(pagi, malam, entries, operator, operator2):
    budi, rina = entries
    # Rina works the night before Budi's morning: taking his pagi would give her no rest.
    roster_add(shift_type=malam, date=date(2026, 11, 26), user=operator2, duty=Duty.OPERATOR, by=None)

    with pytest.raises(ValidationError) as excinfo:
        swap_request(first=budi, second=rina, by=operator)

    # The field is the shift she could not take.
    assert "Rina Operator would rest only 0 h after Malam" in excinfo.value.message_dict["first"][0]


def test_rules_are_checked_again_when_the_second_person_agrees(pagi, malam, entries, operator, operator2):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=operator)
    # Meanwhile Rina is given the night before Budi's morning.
    roster_add(shift_type=malam, date=date(2026, 11, 26), user=operator2, duty=Duty.OPERATOR, by=None)

    with pytest.raises(ValidationError):
        swap_agree(swap=swap, by=operator2)

    assert (holder(budi), holder(rina)) == ("budi", "rina")


def test_a_supervisor_shift_cannot_go_to_an_operator(pagi, siang, operator, supervisor):
    theirs = roster_add(shift_type=pagi, date=BUDI_DAY, user=supervisor, duty=Duty.SUPERVISOR, by=None).entries[0]
    mine = roster_add(shift_type=siang, date=RINA_DAY, user=operator, duty=Duty.OPERATOR, by=None).entries[0]

    with pytest.raises(ValidationError) as excinfo:
        swap_request(first=mine, second=theirs, by=operator)

    assert "not a supervisor" in excinfo.value.message_dict["second"][0]


def test_a_started_shift_cannot_be_swapped(entries, operator):
    budi, rina = entries

    with clock.travel_to(wita(2026, 11, 27, 8, 0)), pytest.raises(ValidationError) as excinfo:
        swap_request(first=budi, second=rina, by=operator)

    assert "has already started" in excinfo.value.message_dict["first"][0]


def test_own_shifts_and_the_same_shift_are_not_swaps(pagi, entries, operator, operator2):
    budi, rina = entries
    budi_later = roster_add(shift_type=pagi, date=RINA_DAY, user=operator, duty=Duty.OPERATOR, by=None).entries[0]
    rina_same = roster_add(shift_type=pagi, date=BUDI_DAY, user=operator2, duty=Duty.OPERATOR, by=None).entries[0]

    with pytest.raises(ValidationError) as own:
        swap_request(first=budi, second=budi_later, by=operator)
    with pytest.raises(ValidationError) as same:
        swap_request(first=budi, second=rina_same, by=operator)

    assert "Both shifts belong to Budi Operator" in own.value.message_dict["second"][0]
    assert "same shift" in same.value.message_dict["second"][0]


def test_one_pending_swap_per_shift(entries, operator, operator2):
    budi, rina = entries
    swap_request(first=budi, second=rina, by=operator)

    with pytest.raises(ValidationError) as excinfo:
        swap_request(first=rina, second=budi, by=operator2)

    assert "already has a swap waiting" in excinfo.value.message_dict["first"][0]


def test_removing_a_shift_cancels_its_pending_swap(entries, operator, operator2):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=operator)

    roster_remove(entry=rina, by=None)

    swap.refresh_from_db()
    assert swap.status == SwapStatus.CANCELLED
    with pytest.raises(ConflictError):
        swap_agree(swap=swap, by=operator2)


def test_the_asker_can_cancel(entries, operator, operator3):
    budi, rina = entries
    swap = swap_request(first=budi, second=rina, by=operator)

    with pytest.raises(PermissionDenied):
        swap_cancel(swap=swap, by=operator3)
    swap = swap_cancel(swap=swap, by=operator)

    assert swap.status == SwapStatus.CANCELLED
