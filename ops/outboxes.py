"""The outboxes whose backlog health and metrics report.

An outbox is a table of things to send that a worker drains (the relawan messages today; agency
webhooks or notifications may follow). An app with one registers a function here that answers
(backlog, oldest created_at) in one or two indexed queries.
"""

from dataclasses import dataclass

_readers = {}


@dataclass(frozen=True)
class OutboxState:
    backlog: int
    oldest_age_seconds: float | None


def register(name, reader):
    """`reader(now)` → (number of messages waiting, created_at of the oldest or None)."""
    _readers[name] = reader


def states(*, now):
    result = {}
    for name, reader in _readers.items():
        backlog, oldest = reader(now)
        result[name] = OutboxState(backlog=backlog, oldest_age_seconds=round((now - oldest).total_seconds(), 1) if oldest else None)
    return result


def volunteer_messages(now):
    from django.db.models import Count, Min

    from volunteers.models import Message, MessageStatus

    waiting = Message.objects.order_by().filter(status__in=(MessageStatus.QUEUED, MessageStatus.SENDING))
    row = waiting.aggregate(n=Count("id"), oldest=Min("created_at"))
    return row["n"], row["oldest"]
