"""Drill: Redis (the broker) dies while counties submit and caseworkers approve. Nobody sees an
error; once Redis is back, the periodic sweeps and a real worker deliver every receipt, letter and
e-mail asked for during the outage, each exactly once, and a second round of sweeps sends nothing.

Runs on PostgreSQL where REDIS_URL is set (as in CI), against a Redis of its own that it kills and
starts again (never the shared one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grants.models import Application, Letter, Submission
from portal.celery import app as portal_app
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import login
from tests.drills.conftest import needs_postgresql, needs_redis, sent_mail
from tests.drills.services import wait_for
from tests.grants import helpers_cases as h

pytestmark = [needs_postgresql, *needs_redis]

PRIVATE = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
# The sweeps leave fresh work to the task sent after its commit (portal.documents.SWEEP_GRACE, 2 min):
# they run as if the outage had lasted a little longer than that.
AFTER_THE_GRACE = dt.timedelta(minutes=3)
BEAT_TASKS = sorted({entry["task"] for entry in portal_app.conf.beat_schedule.values()})


def stored_files() -> set[str]:
    return {str(path.relative_to(PRIVATE)) for path in PRIVATE.rglob("*") if path.is_file()}


@contextmanager
def timed(durations: list[float]):
    started = time.monotonic()
    yield
    durations.append(time.monotonic() - started)


def run_the_sweeps(app) -> None:
    """Every periodic task of the beat schedule (portal.celery), run as the worker runs it when the beat
    sends it (its body, here, with the clock past the sweeps' grace); what it sends goes through the broker."""
    with time_machine.travel(timezone.now() + AFTER_THE_GRACE, tick=True):
        for name in BEAT_TASKS:
            app.tasks[name]()


def settled(broker, workers, name: str) -> bool:
    """Nothing waits in the broker, and the worker has finished every task it received."""
    client = broker.server.client()
    try:
        waiting = client.llen("celery") + client.hlen("unacked")
    finally:
        client.close()
    received, finished = workers.tasks(name)
    return waiting == 0 and received == finished


def test_redis_outage_loses_no_receipt_letter_or_email(committed_cast, broker, workers):
    cast = committed_cast
    # County A has two complete applications (to this year's call and next year's); county B's
    # application is submitted and its grant proposed.
    this_year = f.make_application(cast.call, cast.staff_a)
    next_call = f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    next_year = f.make_application(next_call, cast.staff_a)
    decision = h.proposed(cast, h.submitted_case(cast, organisation=cast.county_b))
    files_before = stored_files()
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    staff, director, approver = (login(Client(), user) for user in (cast.staff_a, cast.director_a, cast.caseworker2))
    mail.outbox.clear()
    durations: list[float] = []

    with broker.in_use():
        # Redis is up: the request to confirm this year's application is queued; no worker runs yet.
        with timed(durations):
            sent = staff.post(reverse("application_review", args=[this_year.pk]), follow=True)
        # Redis dies (SIGKILL, nothing on disk): that queued request is lost with it.
        broker.server.stop()
        with timed(durations):
            confirmed = director.post(
                reverse("application_confirm", args=[this_year.pk]), {"confirm": "on"}, follow=True
            )
        with timed(durations):
            sent_later = staff.post(reverse("application_review", args=[next_year.pk]), follow=True)
        with timed(durations):
            approved = approver.post(reverse("decision_approve", args=[decision.pk]), follow=True)

        # Nobody saw an error, and nobody waited for the broker.
        for response in (sent, confirmed, sent_later, approved):
            assert response.redirect_chain and response.redirect_chain[0][1] == 302
            assert response.status_code == 200
        assert max(durations) < 5, durations
        submission = Submission.objects.get(application=this_year)
        letter = Letter.objects.get(decision=decision)
        assert submission.receipt_status == Submission.ReceiptStatus.PENDING and not submission.receipt
        assert letter.status == Letter.Status.PENDING and not letter.file
        assert stored_files() == files_before and mail.outbox == []

        # Redis is back, empty. A worker starts and the beat's sweeps run.
        broker.server.start()
        workers.start("after-outage")
        run_the_sweeps(broker.app)

        def everything_delivered() -> bool:
            submission.refresh_from_db()
            letter.refresh_from_db()
            next_year.refresh_from_db()
            return (
                submission.receipt_emailed_at is not None
                and submission.imdi_notified_at is not None
                and letter.notified_at is not None
                and next_year.confirmers_notified_at is not None
                and settled(broker, workers, "after-outage")
            )

        try:
            wait_for(everything_delivered, timeout=60, interval=0.2, what="the sweeps' work")
        except AssertionError as late:
            state = (submission.receipt_emailed_at, submission.imdi_notified_at, letter.notified_at)
            state += (next_year.confirmers_notified_at, workers.tasks("after-outage"))
            raise AssertionError(f"{late}: {state}\n{workers.log('after-outage')}") from None
        delivered = sent_mail(workers.mail_dir)
        files_after = stored_files()

        # A second round of sweeps finds nothing left to do: it sends the worker no task at all.
        tasks_run = workers.tasks("after-outage")
        run_the_sweeps(broker.app)
        time.sleep(1.0)
        assert settled(broker, workers, "after-outage") and workers.tasks("after-outage") == tasks_run

    # Exactly one receipt and one letter, stored as recorded.
    assert submission.receipt_status == Submission.ReceiptStatus.READY
    assert letter.status == Letter.Status.READY
    assert files_after - files_before == {submission.receipt.name, letter.file.name}
    for name, digest in ((submission.receipt.name, submission.receipt_sha256), (letter.file.name, letter.sha256)):
        assert hashlib.sha256((PRIVATE / name).read_bytes()).hexdigest() == digest
    issued = AuditEvent.objects.filter(pk__gt=last_event, action__in=["application.receipt_issued", "letter.issued"])
    assert Counter(issued.values_list("action", flat=True)) == {"application.receipt_issued": 1, "letter.issued": 1}

    # Every e-mail asked for went once, through the worker: the request to confirm next year's
    # application (to the director and the fullmakt holder, one each), the receipt, IMDi's notice of the
    # submission and the letter's notice. The request lost with Redis is not sent: the application it
    # was about has been confirmed since.
    county_a, county_b = cast.county_a, cast.county_b
    assert sorted(to for _subject, to in delivered) == sorted(
        [
            (cast.director_a.email,),  # confirm next year's application, please
            (cast.delegate_a.email,),
            tuple(sorted([cast.director_a.email, county_a.letter_email, cast.staff_a.email])),  # the receipt
            tuple(sorted([cast.caseworker.email, cast.caseworker2.email])),  # IMDi: a new application
            tuple(sorted([cast.director_b.email, county_b.letter_email, decision.case.application.contact_email])),
        ]
    ), delivered
    assert len(set(delivered)) == len(delivered)
    assert mail.outbox == []

    # ...and nothing a second time.
    assert sent_mail(workers.mail_dir) == delivered
    assert stored_files() == files_after
    assert Application.objects.get(pk=next_year.pk).confirmers_notified_at == next_year.confirmers_notified_at
