"""The daily digest of IMDi's notices (issue 13, item 4): one e-mail each morning with yesterday's events
in the calls a person follows, for those who chose it; listed once, in bokmål, with what happened, the
county, the amount and a link; nothing on a day without any; once each under concurrent sweeps."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from grants import notice_digest, services, tasks
from grants.models import Case, Decision, ImpartialityDeclaration, NoticeDigest
from portal.celery import app
from portal.dates import start_of_day
from portal.models import Role, User
from reporting.services import repayments
from tests import factories as f
from tests.grants.helpers_cases import decided, issued
from tests.grants.test_notice_preferences import (
    DIGEST,
    IMMEDIATELY,
    NYNORSK_ONLY,
    PAGE,
    amount,
    flat,
    follow,
    prefix,
    submitted_by,
)
from tests.reporting.helpers import paid_grant
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db


# --- The daily digest -------------------------------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


def digests() -> list:
    return [message for message in mail.outbox if "i utlysningene du følger" in message.subject]


def test_the_digest_lists_yesterday_s_events_in_followed_calls_once(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    other_call = f.make_call(cast.scheme)
    follow(cast.caseworker2, cast.call, DIGEST)
    time_machine.move_to(at(yesterday, 0, 5), tick=False)
    early = submitted_by(cast.call)
    time_machine.move_to(at(yesterday, 23, 50), tick=False)
    late = submitted_by(cast.call)
    submitted_by(other_call)  # a call caseworker2 does not follow
    time_machine.move_to(at(yesterday - dt.timedelta(days=1), 23, 55), tick=False)
    submitted_by(cast.call)  # the day before yesterday
    time_machine.move_to(at(today, 0, 1), tick=False)
    submitted_by(cast.call)  # today: tomorrow's digest
    mail.outbox.clear()

    time_machine.move_to(at(today, 7), tick=False)
    assert notice_digest.digests_send() == 1
    assert tasks.send_notice_digests() == 0  # the beat again, and again an hour later: nothing more
    time_machine.move_to(at(today, 8), tick=False)
    assert tasks.send_notice_digests() == 0

    [message] = digests()
    assert message.to == [cast.caseworker2.email]
    assert message.subject == f"{prefix()}2 hendelser {yesterday:%d.%m.%Y} i utlysningene du følger"
    body = flat(message.body)
    for submission, time in ((early, "00:05"), (late, "23:50")):
        application = submission.application
        case_url = settings.SITE_URL + reverse("case_detail", args=[application.case.pk])
        assert (
            f"- {time} Ny søknad: {application.organisation.name}, referanse {application.reference}. "
            f"Søkt beløp: {amount(str(submission.total))}. {case_url}"
        ) in body
    assert body.index("00:05") < body.index("23:50")
    assert cast.call.title in body and other_call.title not in body
    assert not [word for word in NYNORSK_ONLY if word in body], body
    assert settings.SITE_URL + PAGE in body
    digest = NoticeDigest.objects.get()
    assert (digest.user, digest.day, digest.events) == (cast.caseworker2, yesterday, 2) and digest.sent_at


def test_the_digest_lists_reports_and_comments(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    decision = paid_grant(cast)  # county A's grant of kr 1 000 000, accepted today
    follow(cast.admin, cast.call, DIGEST)
    time_machine.move_to(at(yesterday, 9), tick=False)
    report = submitted_report(decision)  # 200 000 unused
    time_machine.move_to(at(yesterday, 10), tick=False)
    claim = repayments.repayment_notice(
        actor=f.actor_for(cast.caseworker),
        decision_id=decision.pk,
        reason="unused",
        amount=Decimal("200000"),
        explanation="Ubrukte midler.",
        comment_deadline=yesterday + dt.timedelta(days=14),
    )
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Vi er enige.")
    mail.outbox.clear()

    time_machine.move_to(at(today, 7), tick=False)
    notice_digest.digests_send()

    [message] = digests()
    body = flat(message.body)
    assert (
        f"- 09:00 Årsrapport og regnskap sendt inn: Fylke A, referanse {decision.case.application.reference}." in body
    )
    assert (
        f"Ubrukte midler: {amount('200000')}. " + settings.SITE_URL + reverse("report_assess", args=[report.pk]) in body
    )
    assert "- 10:00 Merknader til forhåndsvarsel om tilbakebetaling: Fylke A" in body
    assert (
        f"Varslet beløp: {amount('200000')}. " + settings.SITE_URL + reverse("repayment_detail", args=[claim.pk])
        in body
    )
    assert "akseptert" not in body  # the acceptance was today, not yesterday


def test_an_acceptance_and_an_appeal_are_in_the_digest(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    follow(cast.caseworker2, cast.call, DIGEST)
    granted = Case.objects.get(application=submitted_by(cast.call).application)
    grant = decided(cast, granted, amount="750000")
    issued(grant)
    dismissed = Case.objects.get(application=submitted_by(cast.call).application)
    dismissal = decided(cast, dismissed, kind=Decision.Kind.DISMISSAL)
    issued(dismissal)
    time_machine.move_to(at(yesterday, 11), tick=False)
    director = User.objects.get(
        memberships__organisation=granted.application.organisation, memberships__role="county_director"
    )
    services.decision_accept(actor=f.actor_for(director), decision_id=grant.pk)
    staff = User.objects.get(
        memberships__organisation=dismissed.application.organisation, memberships__role="county_staff"
    )
    appeal = services.appeal_file(actor=f.actor_for(staff), decision_id=dismissal.pk, reasons="Søknaden kom i tide.")
    mail.outbox.clear()

    time_machine.move_to(at(today, 7), tick=False)
    notice_digest.digests_send()

    [message] = digests()
    body = flat(message.body)
    assert (
        f"Tilskuddet ble akseptert: {granted.application.organisation.name}, referanse "
        f"{granted.application.reference}. Tildelt beløp: {amount('750000')}."
    ) in body
    assert (
        f"Ny klage: {dismissed.application.organisation.name}, referanse {dismissed.application.reference}. "
        f"Søkt beløp: {amount('1250000')}."
    ) in body
    assert settings.SITE_URL + reverse("appeal_detail", args=[appeal.pk]) in body


def test_no_digest_on_a_day_without_events_and_none_for_those_who_chose_at_once(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    follow(cast.caseworker2, cast.call, DIGEST)
    follow(cast.admin, cast.call, IMMEDIATELY)
    time_machine.move_to(at(today, 7), tick=False)
    assert notice_digest.digests_send() == 0
    assert digests() == [] and not NoticeDigest.objects.exists()

    time_machine.move_to(at(yesterday, 12), tick=False)
    submitted_by(cast.call)
    mail.outbox.clear()
    time_machine.move_to(at(today, 7), tick=False)
    notice_digest.digests_send()
    assert [m.to for m in digests()] == [[cast.caseworker2.email]]


def test_the_digest_leaves_out_cases_with_a_conflict(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    follow(cast.caseworker2, cast.call, DIGEST)
    time_machine.move_to(at(yesterday, 12), tick=False)
    submission = submitted_by(cast.call)
    ImpartialityDeclaration.objects.create(
        case=submission.application.case, user=cast.caseworker2, disqualified=True, reason="Nær familie."
    )
    mail.outbox.clear()
    time_machine.move_to(at(today, 7), tick=False)
    assert notice_digest.digests_send() == 0
    assert digests() == []


def test_the_digest_is_scheduled_each_morning():
    entry = app.conf.beat_schedule["send-notice-digests"]
    assert entry["task"] == "grants.tasks.send_notice_digests"
    assert 7 in entry["schedule"].hour and entry["schedule"].minute == {0}


# --- Two sweeps at once (PostgreSQL) ----------------------------------------------------------

READERS = 12
SWEEPS = 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_six_digest_sweeps_at_once_send_each_digest_once(cast, time_machine, today):
    yesterday = today - dt.timedelta(days=1)
    readers = [f.make_user(roles=[(cast.imdi, Role.CASEWORKER)]) for _index in range(READERS)]
    for reader in readers:
        follow(reader, cast.call, DIGEST)
    time_machine.move_to(at(yesterday, 12), tick=False)
    submitted_by(cast.call)
    submitted_by(cast.call)
    mail.outbox.clear()
    now = at(today, 7)
    barrier = threading.Barrier(SWEEPS)
    results: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(notice_digest.digests_send(now))
        except DatabaseError as error:  # a deadlock or a unique violation fails the test, by name
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _index in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == READERS
    sent = digests()
    assert sorted(address for message in sent for address in message.to) == sorted(r.email for r in readers)
    assert NoticeDigest.objects.filter(sent_at__isnull=False, events=2).count() == READERS
