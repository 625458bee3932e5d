"""Two admins filling the calendar at the same moment cannot double-book one person: the rules
are checked with the person's row locked, so the second waits for the first and then sees it."""

import threading
import time as pytime
from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import translation

from shifts import services
from shifts.models import Duty, RosterEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    # A transactional test run before this one flushed the groups the migration made.
    from dispatch112.roles import ensure_role_groups

    ensure_role_groups()


def test_two_admins_rostering_one_person_at_once_give_one_entry(shift_types, operator):
    day = date(2026, 11, 24)
    barrier = threading.Barrier(2)
    outcomes = []
    slow_problems = services.Schedules.problems

    def slowly(self, *args, **kwargs):
        # Widen the gap between reading the person's shifts and writing the new one: without the
        # lock both admins would read "free" here and both write.
        found = slow_problems(self, *args, **kwargs)
        pytime.sleep(0.3)
        return found

    def admin_adds(code):
        translation.activate("en")  # the active language is per thread
        try:
            barrier.wait(timeout=5)
            services.roster_add(shift_type=shift_types[code], date=day, user=operator, duty=Duty.OPERATOR, by=None)
            outcomes.append(("ok", code))
        except ValidationError as error:
            outcomes.append(("refused", error.message_dict["user"][0]))
        finally:
            connection.close()

    with mock.patch.object(services.Schedules, "problems", slowly):
        threads = [threading.Thread(target=admin_adds, args=(code,)) for code in ("pagi", "siang")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    close_old_connections()

    assert sorted(kind for kind, _detail in outcomes) == ["ok", "refused"]
    assert "would rest only 0 h" in next(detail for kind, detail in outcomes if kind == "refused")
    assert RosterEntry.objects.filter(user=operator).count() == 1
