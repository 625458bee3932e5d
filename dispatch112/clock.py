"""The current time for services: `timezone.now()`, unless a block travels to another moment.

Seeding history and replaying scenarios run the real services at past moments; tests freeze time
the same way. Services call `clock.now()` once per operation.
"""

import contextvars
from contextlib import contextmanager

from django.utils import timezone

_moment = contextvars.ContextVar("dispatch112_clock", default=None)


def now():
    moment = _moment.get()
    return moment if moment is not None else timezone.now()


@contextmanager
def travel_to(moment):
    if timezone.is_naive(moment):
        raise ValueError("travel_to needs an aware datetime")
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)
