"""Sweeps running at the same time send each reminder once. PostgreSQL only: the claim relies on
its row locks under READ COMMITTED (a second UPDATE waits for the first and then finds the rows
claimed); SQLite serialises writers on its own."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.utils import timezone

from reporting.models import Reminder
from reporting.reminders import sweep_reminders
from tests import factories as f
from tests.reporting.test_reminders import DAY, awaiting_application, county_with_people

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]

SWEEPS = 6
COUNTIES = 30


def test_six_sweeps_at_once_send_each_reminder_exactly_once(cast):
    now = timezone.now()
    call = f.make_call(cast.scheme, application_deadline=now + 5 * DAY)
    waiting_call = f.make_call(cast.scheme, application_deadline=now + 60 * DAY)
    counties = [county_with_people(call) for index in range(COUNTIES)]
    for county in counties[:10]:
        awaiting_application(waiting_call, county, sent_at=now - 3 * DAY)
    mail.outbox = []
    barrier = threading.Barrier(SWEEPS)
    results: list[dict | str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(sweep_reminders(now))
        except DatabaseError as error:  # a deadlock or a unique violation fails the test, by name
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for index in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(result, dict) for result in results), results
    assert len(results) == SWEEPS
    expected = COUNTIES + 10  # the new counties and the waiting applications (cast.call is 20 days away)
    assert sum(result["sent"] for result in results) == expected
    assert Reminder.objects.filter(sent_at__isnull=False).count() == expected
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    # Every reminder's e-mail went out once: each county's mailbox got one per reminder of it.
    per_mailbox = Counter(message.to[0] for message in mail.outbox)
    reminders_per_county = Counter(Reminder.objects.values_list("organisation__letter_email", flat=True))
    assert per_mailbox == reminders_per_county
    assert len(mail.outbox) == expected
