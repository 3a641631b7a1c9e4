"""The reminder sweep: its query count does not grow with the number of reminders, the bench's measure
of it leaves nothing behind, and beat runs it every quarter of an hour."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.reminders import measure
from grants.models import Application
from portal.celery import app
from reporting.models import Reminder
from reporting.reminders import sweep_reminders
from reporting.tasks import send_reminders
from tests import factories as f
from tests.reporting.test_reminders import DAY, awaiting_application, counts, county_with_people, move_deadline


@pytest.fixture
def deadline(cast):
    return move_deadline(cast)


# --- Query count ------------------------------------------------------------------------------


def sweep_queries(cast, counties: int, now) -> tuple[int, int]:
    """A new call with ``counties`` new eligible counties, the first of which also has an
    application waiting for confirmation: the sweep's queries and the e-mails it sent. (SQLite
    inserts at most 999 values a statement, 83 reminders; PostgreSQL has no such limit.)"""
    waiting_call = f.make_call(cast.scheme, application_deadline=now + 60 * DAY)
    call = f.make_call(cast.scheme, application_deadline=now + 5 * DAY)
    new = [county_with_people(call) for index in range(counties)]
    awaiting_application(waiting_call, new[0], sent_at=now - 3 * DAY)
    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        result = sweep_reminders(now)
    assert result["failed"] == 0
    return len(queries), len(mail.outbox)


def test_a_sweep_needs_as_many_queries_for_fifty_counties_as_for_one(cast):
    now = timezone.now()
    sweep_reminders(now)  # what the cast needs reminding of, out of the way
    one = sweep_queries(cast, 1, now)
    fifty = sweep_queries(cast, 50, now)
    assert one == (fifty[0], 2)
    assert fifty[1] == 51


def test_the_bench_measure_sweeps_twice_and_leaves_nothing_behind(cast):
    application = f.make_application(cast.call, cast.staff_a)
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    rows, notes = measure()
    first, second = rows
    assert first["sent"] == first["candidates"] >= 2  # county B's deadline, county A's waiting application
    assert (second["sent"], second["claimed"]) == (0, 0)
    assert first["queries"] >= second["queries"]
    assert not Reminder.objects.exists()  # rolled back
    assert Application.objects.get(pk=application.pk).state == Application.State.SUBMITTED
    assert any(note.startswith("goal:") for note in notes)


def test_beat_runs_the_reminder_task_every_quarter_of_an_hour_and_it_sends(cast, deadline, time_machine):
    entry = app.conf.beat_schedule["send-reminders"]
    assert entry["task"] == send_reminders.name == "reporting.tasks.send_reminders"
    assert entry["schedule"].minute == {0, 15, 30, 45}
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    mail.outbox = []
    send_reminders.delay()
    assert counts(mail.outbox, cast) == [1, 1, 0]
