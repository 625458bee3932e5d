"""The PBX's side of the demo history: every call the demo logs also comes through the telephone
system (offered to the voice menu, queued at the operators, answered by the operator who logged it,
ended), and between them callers hang up in the menu or while queued, as they do at a real 112
line. Recorded through the same service as the PBX's webhook (pbx_event_record), each event at its
own past moment, so the call-center figures of the reports have something true to show.
"""

from datetime import timedelta

from dispatch112 import clock
from dispatch112.models import User
from dispatch112.roles import Role
from intake.models import AbandonedStage, PbxEvent
from intake.services import pbx_call_link, pbx_event_record

# Hang-ups per logged call, and where: most in the voice menu (Samarinda's first week: 8,095 of
# 10,265 calls dropped there), the rest while queued.
ABANDONED_PER_CALL = 0.6
ABANDONED_IN_MENU = 0.7


class PbxSimulator:
    """Called with each logged call of the history (seed_history's on_call)."""

    def __init__(self, rng):
        self.rng = rng
        self.pbx = User.objects.filter(groups__name=Role.TELEPHONY).order_by("pk").first()
        self.abandoned_count = 0

    def __call__(self, call, now):
        if self.pbx is None:  # no telephone system account: the calls came in without one
            return
        while self.rng.random() < ABANDONED_PER_CALL / (1 + ABANDONED_PER_CALL):
            self.abandoned(call.received_at - timedelta(seconds=self.rng.randint(30, 1800)))
        self.answered(call, now)

    def _record(self, pbx_call_id, event, at, **fields):
        with clock.travel_to(at):
            pbx_event_record(by=self.pbx, pbx_call_id=pbx_call_id, event=event, at=at, **fields)

    def answered(self, call, now):
        """The PBX record of a logged call: it rang at the operators when the call was received,
        after the voice menu, and was answered by its operator within a few seconds (now and then
        much later); ended after the conversation, unless that is still to come."""
        pbx_call_id = f"demo-{call.pk}"
        queued = call.received_at
        offered = queued - timedelta(seconds=self.rng.randint(4, 14))
        wait = self.rng.randint(16, 45) if self.rng.random() < 0.12 else self.rng.randint(2, 14)
        answered = min(queued + timedelta(seconds=wait), call.answered_at or queued)
        number = call.caller_number
        self._record(pbx_call_id, PbxEvent.OFFERED, offered, caller_number=number, line="112")
        self._record(pbx_call_id, PbxEvent.QUEUED, queued)
        self._record(pbx_call_id, PbxEvent.ANSWERED, answered, operator=call.operator.username if call.operator_id else "")
        with clock.travel_to(answered):
            pbx_call_link(call=call, by=call.operator)
        ended = (call.ended_at or answered) + timedelta(seconds=self.rng.randint(5, 40))
        if ended <= now:
            self._record(pbx_call_id, PbxEvent.ENDED, ended)

    def abandoned(self, offered):
        """A caller who hung up in the voice menu or while queued."""
        self.abandoned_count += 1
        pbx_call_id = f"demo-abandoned-{self.abandoned_count}"
        number = "08" + "".join(str(self.rng.randint(0, 9)) for _ in range(10))
        self._record(pbx_call_id, PbxEvent.OFFERED, offered, caller_number=number, line="112")
        if self.rng.random() < ABANDONED_IN_MENU:
            self._record(pbx_call_id, PbxEvent.ABANDONED, offered + timedelta(seconds=self.rng.randint(2, 20)), stage=AbandonedStage.MENU)
            return
        queued = offered + timedelta(seconds=self.rng.randint(4, 14))
        self._record(pbx_call_id, PbxEvent.QUEUED, queued)
        self._record(pbx_call_id, PbxEvent.ABANDONED, queued + timedelta(seconds=self.rng.randint(3, 60)), stage=AbandonedStage.QUEUE)
