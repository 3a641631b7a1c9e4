"""Grants' background work (every @shared_task of the app): e-mail to the people who must act on an
application, the receipt, and the decision letter.

Tasks take ids, load what they need and can run twice without doing the work twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from grants import account_notices, appeal_letters, appeal_notices, letters, notice_digest, notices, receipts
from grants.archive import jobs
from grants.models import Application
from portal.access import confirmers_for
from portal.mail import compose, send_once
from portal.models import User


def _send(template: str, application: Application, recipients: list[User], **context) -> None:
    """One e-mail per recipient (it greets them by name), in the county's written standard."""
    url = receipts.application_url(application)
    for user in recipients:
        compose(
            f"grants/email/{template}",
            to=[user.email],
            context={**context, "application": application, "user": user, "url": url},
            language=application.organisation.written_standard,
        ).send()


@shared_task
def notify_confirmers(application_id: int) -> None:
    """Tell the directors and fullmakt holders that an application waits for them, once: the row is
    claimed before sending and released again if sending fails (the sweep then tries again)."""
    waiting = Application.objects.filter(pk=application_id, state=Application.State.AWAITING_CONFIRMATION)

    def send() -> None:
        application = Application.objects.select_related("organisation", "call", "sent_by").get(pk=application_id)
        _send("awaiting_confirmation", application, confirmers_for(application.organisation, timezone.now()))

    send_once(waiting, "confirmers_notified_at", send)


@shared_task
def sweep_confirmation_requests() -> None:
    """Send the requests for confirmation that were never sent (the broker was down), the notices to
    IMDi of new submissions and acceptances (grants.notices), the e-mails about appeals
    (grants.appeal_notices) and about a changed bank account (grants.account_notices)."""
    stale = timezone.now() - dt.timedelta(minutes=2)
    waiting = Application.objects.filter(
        state=Application.State.AWAITING_CONFIRMATION, confirmers_notified_at__isnull=True, sent_at__lt=stale
    ).values_list("pk", flat=True)
    for application_id in waiting:
        notify_confirmers.delay(application_id)
    for submission_id in notices.unsent_submissions():
        notify_submission_received.delay(submission_id)
    for account_id in account_notices.unsent_changes():
        notify_account_changed.delay(account_id)
    for decision_id in notices.unsent_acceptances():
        notify_accepted.delay(decision_id)
    for kind, appeal_id in appeal_notices.unsent_appeal_notices():
        APPEAL_NOTICES[kind].delay(appeal_id)


@shared_task
def notify_submission_received(submission_id: int) -> None:
    """Tell IMDi's caseworkers that a county submitted an application, once (grants.notices)."""
    notices.submission_notify(submission_id)


@shared_task
def notify_accepted(decision_id: int) -> None:
    """Tell IMDi's caseworkers that a county accepted its grant, once (grants.notices)."""
    notices.acceptance_notify(decision_id)


@shared_task
def notify_account_changed(account_id: int) -> None:
    """Tell the county's official mailbox that its account for payments changed, once."""
    account_notices.account_change_notify(account_id)


@shared_task
def notify_withdrawn(application_id: int, submission_id: int) -> None:
    """Tell those who may confirm, and whoever confirmed the withdrawn version, that it must be
    sent and confirmed again."""
    application = Application.objects.select_related("organisation", "call").get(pk=application_id)
    submission = application.submissions.select_related("confirmed_by", "withdrawn_by").get(pk=submission_id)
    recipients = {user.pk: user for user in confirmers_for(application.organisation, timezone.now())}
    if submission.confirmed_by and submission.confirmed_by.is_active:  # none for a paper application
        recipients[submission.confirmed_by.pk] = submission.confirmed_by
    recipients.pop(submission.withdrawn_by_id, None)
    _send("withdrawn", application, sorted(recipients.values(), key=lambda u: u.full_name), submission=submission)


@shared_task
def notify_returned(application_id: int) -> None:
    application = Application.objects.select_related("organisation", "call", "sent_by").get(pk=application_id)
    if application.state != Application.State.DRAFT or application.sent_by is None:
        return
    _send("returned", application, [application.sent_by])


@shared_task(acks_late=True)
def render_receipt(submission_id: int) -> None:
    """Make the receipt PDF of a submission and e-mail it (idempotent: see grants.receipts)."""
    receipts.receipt_issue(submission_id)


@shared_task(acks_late=True)
def build_archive_extract(job_id: int) -> None:
    """Write the Noark 5 extract an admin ordered (idempotent: the job is claimed; grants.archive.jobs)."""
    jobs.extract_job_run(job_id)


@shared_task
def sweep_receipts() -> None:
    """Send again what was never sent (broker down) or failed: the pending row is the truth."""
    for submission_id in receipts.unfinished_receipts():
        render_receipt.delay(submission_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=2, retry_backoff=30, retry_jitter=True)
def render_letter(letter_id: int) -> None:
    """Render a decision letter, store it once and tell the county (idempotent: see grants.letters).
    A failure is retried twice here, then by the sweep until ``portal.documents.MAX_ATTEMPTS``; it stays
    visible to caseworkers, who can also ask for a new attempt."""
    letters.letter_issue(letter_id)


@shared_task
def sweep_letters() -> None:
    """Render again what was never rendered (broker down) or failed: the pending row is the truth.
    Decision letters and the letters about an appeal."""
    for letter_id in letters.unfinished_letters():
        render_letter.delay(letter_id)
    for letter_id in appeal_letters.unfinished_appeal_letters():
        render_appeal_letter.delay(letter_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=2, retry_backoff=30, retry_jitter=True)
def render_appeal_letter(letter_id: int) -> None:
    """Render a letter about an appeal (its dismissal, or its forwarding to the ministry), store it once
    and tell the county (idempotent: see grants.appeal_letters)."""
    appeal_letters.appeal_letter_issue(letter_id)


@shared_task
def notify_appeal_received(appeal_id: int) -> None:
    """Tell IMDi that an appeal came, once (grants.appeal_notices)."""
    appeal_notices.received_notify(appeal_id)


@shared_task
def notify_appeal_forwarded(appeal_id: int) -> None:
    """Tell the county that its appeal went to the ministry, once its copy of the letter is ready."""
    appeal_notices.forwarded_notify(appeal_id)


@shared_task
def notify_appeal_outcome(appeal_id: int) -> None:
    """Tell the county how its appeal was decided (IMDi's reversal, the ministry's decision), once."""
    appeal_notices.outcome_notify(appeal_id)


APPEAL_NOTICES = {
    "received": notify_appeal_received,
    "forwarded": notify_appeal_forwarded,
    "outcome": notify_appeal_outcome,
}


@shared_task(ignore_result=True)
def send_notice_digests() -> int:
    """Beat, each morning: everyone who chose the daily digest gets yesterday's events in the calls
    they follow, once per person and day (grants.notice_digest). Returns how many were sent."""
    return notice_digest.digests_send()
