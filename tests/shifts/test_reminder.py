"""Before a shift ends the consoles get one `shift.ending` event: once per shift, however often
the periodic task runs."""

from datetime import date
from unittest import mock

import pytest
from django.conf import settings

from dispatch112 import clock
from dispatch112.models import Event
from shifts.models import Duty
from shifts.services import roster_add, shift_ending_remind
from shifts.tasks import remind_shift_ending
from tests.shifts.conftest import wita

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(django_capture_on_commit_callbacks):
    """Run the periodic task at a moment, committing as beat would; collect what was pushed."""
    sent = []

    def run(at):
        with mock.patch("dispatch112.publisher.submit", side_effect=lambda groups, message: sent.append((groups, message))):
            with clock.travel_to(at), django_capture_on_commit_callbacks(execute=True):
                remind_shift_ending.apply()
        return sent

    return run


def test_the_reminder_is_pushed_once_before_the_shift_ends(shift_types, pushed):
    assert pushed(wita(2026, 11, 27, 14, 29)) == []  # 31 minutes left: not yet

    sent = pushed(wita(2026, 11, 27, 14, 30))
    pushed(wita(2026, 11, 27, 14, 31))
    pushed(wita(2026, 11, 27, 14, 59, 59))

    assert len(sent) == 1
    groups, message = sent[0]
    assert groups == ["console"]
    assert message["kind"] == "shift.ending"
    assert message["data"]["shift"]["code"] == "pagi"
    assert message["data"]["shift"]["ends_at"] == "2026-11-27T15:00:00+08:00"
    assert message["data"]["minutes_left"] == 30
    assert Event.objects.filter(kind="shift.ending", audience="console").count() == 1


def test_every_shift_gets_its_own_reminder(shift_types, pushed):
    pushed(wita(2026, 11, 27, 14, 45))
    pushed(wita(2026, 11, 27, 22, 45))
    sent = pushed(wita(2026, 11, 28, 6, 45))

    assert [(m["data"]["shift"]["code"], m["data"]["shift"]["date"]) for _g, m in sent] == [
        ("pagi", "2026-11-27"),
        ("siang", "2026-11-27"),
        ("malam", "2026-11-27"),
    ]


def test_after_the_shift_has_ended_no_late_reminder_is_sent(shift_types, pushed):
    # The scheduler was down through the end of pagi; at 15:05 it is siang, far from its end.
    assert pushed(wita(2026, 11, 27, 15, 5)) == []


def test_the_reminder_says_who_comes_next_and_asks_for_the_handover(shift_types, operator, supervisor):
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 27), user=supervisor, duty=Duty.SUPERVISOR, by=None)
    roster_add(shift_type=shift_types["malam"], date=date(2026, 11, 27), user=operator, duty=Duty.OPERATOR, by=None)

    event = shift_ending_remind(now=wita(2026, 11, 27, 22, 35))

    assert event.payload["next_shift"]["code"] == "malam"
    assert [(p["name"], p["duty"]) for p in event.payload["next_shift"]["people"]] == [
        ("Budi Operator", "operator"),
        ("Sari Supervisor", "supervisor"),
    ]
    assert event.payload["handover"] is None
    assert "23:00" in event.payload["message"]


def test_the_lead_time_is_configurable(shift_types, pushed, settings):
    settings.SHIFT_REMINDER_MINUTES = 10

    assert pushed(wita(2026, 11, 27, 14, 45)) == []
    assert len(pushed(wita(2026, 11, 27, 14, 50))) == 1


def test_beat_runs_the_reminder_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["shift-ending-reminder"]

    assert entry["task"] == "shifts.tasks.remind_shift_ending"
    assert entry["schedule"] == 60


def test_the_reminder_task_is_registered_when_django_starts():
    # The in-process scheduler of `manage.py serve` only runs tasks registered at start-up; this
    # test process has imported shifts.tasks already, so ask a fresh one.
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    check = (
        "import django; django.setup(); from dispatch112.celery import app; "
        "print('shifts.tasks.remind_shift_ending' in app.tasks)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "dispatch112.settings"},
    )

    assert result.stdout.strip() == "True", result.stderr
