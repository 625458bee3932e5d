"""Callers' personal data kept no longer than CALLER_DATA_RETENTION_DAYS (UU 27/2022 on personal
data protection: kept only as long as the purpose needs it).

Once a call is closed — its incident closed, cancelled or resolved, or, for a call that made no
incident (prank, silent, information), once it was received — longer ago than the retention
period, its caller's number and name are blanked, and so is what identifies the caller in the
rows around it: the PBX's record of the call and its events, handset locations (AML: number,
IMSI, IMEI, the message as received), WhatsApp/SMS senders and their media links, and the same
keys in the timeline events. Rows are never deleted: every count, duration and response time the
reports compute stays as it was. One audit entry records each run (its figures, never the data).
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import capture
from audit.models import Action

# Keys of timeline event payloads (and nested snapshots) that identify a caller.
PERSONAL_KEYS = frozenset({"caller_number", "caller_name", "sender", "sender_name", "raw", "imsi", "imei", "media_url", "media_id"})
EVENT_SNAPSHOT_KEYS = ("call", "aml", "message", "pbx_call")
CHUNK = 500


@dataclass
class AnonymiseResult:
    cutoff: str
    retention_days: int
    dry_run: bool
    calls: int = 0
    pbx_calls: int = 0
    pbx_call_events: int = 0
    aml_locations: int = 0
    messages: int = 0
    events: int = 0

    def as_dict(self):
        return asdict(self)

    @property
    def total(self):
        return self.calls + self.pbx_calls + self.pbx_call_events + self.aml_locations + self.messages + self.events


def finished_before(cutoff, prefix=""):
    """An incident (through `prefix`, e.g. "incident__") finished longer ago than the cutoff."""
    from incidents.models import IncidentStatus

    p = prefix
    return (
        Q(**{f"{p}status": IncidentStatus.CLOSED, f"{p}closed_at__lt": cutoff})
        | Q(**{f"{p}status": IncidentStatus.CANCELLED, f"{p}cancelled_at__lt": cutoff})
        | Q(**{f"{p}status": IncidentStatus.RESOLVED, f"{p}resolved_at__lt": cutoff})
    )


def closed_calls(cutoff):
    from incidents.models import Call

    return Call.objects.filter(Q(incident__isnull=True, received_at__lt=cutoff) | finished_before(cutoff, "incident__"))


def _scrub(payload):
    """The payload without personal keys (top level and one snapshot deep); None if nothing to take."""
    changed = False
    clean = {}
    for key, value in payload.items():
        if key in PERSONAL_KEYS:
            changed = True
            continue
        if key in EVENT_SNAPSHOT_KEYS and isinstance(value, dict) and PERSONAL_KEYS & value.keys():
            value = {k: v for k, v in value.items() if k not in PERSONAL_KEYS}
            changed = True
        clean[key] = value
    return clean if changed else None


def _events(cutoff):
    from dispatch112.models import Event

    has_personal = Q()
    for key in ("caller_number", "caller_name", "sender"):
        has_personal |= Q(payload__has_key=key)
    for snapshot in EVENT_SNAPSHOT_KEYS:
        for key in ("caller_number", "caller_name", "sender"):
            has_personal |= Q(**{f"payload__{snapshot}__has_key": key})
    return Event.objects.filter(has_personal, created_at__lt=cutoff).filter(Q(incident__isnull=True) | finished_before(cutoff, "incident__"))


def caller_data_anonymise(*, now=None, days=None, dry_run=False, by=None):
    """Blank the personal data of calls closed longer than `days` (default the setting) ago.
    With dry_run, count what would be blanked and change nothing."""
    from intake.models import AmlLocation, InboundMessage, MessageStatus, PbxCall, PbxCallEvent

    now = now or timezone.now()
    days = settings.CALLER_DATA_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    result = AnonymiseResult(cutoff=cutoff.isoformat(), retention_days=days, dry_run=dry_run)

    calls = closed_calls(cutoff).exclude(caller_number="", caller_name="")
    # A PBX call that never reached an operator (abandoned, or not logged) is closed once it ended.
    pbx_calls = PbxCall.objects.filter(
        Q(call__in=closed_calls(cutoff)) | Q(call__isnull=True, offered_at__lt=cutoff) | Q(call__isnull=True, offered_at__isnull=True, ended_at__lt=cutoff)
    )
    pbx_events = PbxCallEvent.objects.filter(pbx_call__in=pbx_calls).filter(payload__has_key="caller_number")
    pbx_calls = pbx_calls.exclude(caller_number="")
    aml = AmlLocation.objects.filter(received_at__lt=cutoff).filter(Q(call__isnull=True) | Q(call__in=closed_calls(cutoff))).exclude(
        caller_number="", raw="", imsi="", imei=""
    )
    messages = (
        InboundMessage.objects.filter(received_at__lt=cutoff)
        .exclude(status=MessageStatus.NEW)
        .filter(Q(incident__isnull=True) | finished_before(cutoff, "incident__"))
        .exclude(sender="", sender_name="", media_id="", media_url="")
    )
    events = _events(cutoff)

    with transaction.atomic():
        result.calls = calls.count()
        result.pbx_calls = pbx_calls.count()
        result.pbx_call_events = pbx_events.count()
        result.aml_locations = aml.count()
        result.messages = messages.count()
        result.events = events.count()
        if dry_run:
            return result
        # Updates by primary key: PostgreSQL and SQLite both refuse an UPDATE through a join.
        calls.model.objects.filter(pk__in=list(calls.values_list("pk", flat=True))).update(caller_number="", caller_name="")
        PbxCall.objects.filter(pk__in=list(pbx_calls.values_list("pk", flat=True))).update(caller_number="")
        _rewrite_payloads(pbx_events)
        AmlLocation.objects.filter(pk__in=list(aml.values_list("pk", flat=True))).update(caller_number="", raw="", imsi="", imei="")
        InboundMessage.objects.filter(pk__in=list(messages.values_list("pk", flat=True))).update(
            sender="", sender_name="", media_id="", media_url=""
        )
        _rewrite_payloads(events)
        if result.total:
            with _acting(by):
                capture.write(
                    action=Action.ANONYMISE,
                    model_label="incidents.call",
                    object_repr=f"{result.calls} calls closed before {cutoff:%Y-%m-%d}",
                    after=result.as_dict(),
                    changed=["caller_number", "caller_name"],
                )
    return result


def _rewrite_payloads(queryset):
    rows = []
    for row in queryset.only("pk", "payload").iterator(chunk_size=CHUNK):
        clean = _scrub(row.payload)
        if clean is not None:
            row.payload = clean
            rows.append(row)
    queryset.model.objects.bulk_update(rows, ["payload"], batch_size=CHUNK)


def _acting(by):
    from audit.context import acting

    return acting(by)
