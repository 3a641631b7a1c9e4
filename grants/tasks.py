"""Background work for applications: e-mail to the people who must act, and the receipt.

Tasks take ids, load what they need and can run twice without doing the work twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from grants.models import Application
from portal import access
from portal.mail import send_once
from portal.models import User


def _send(template: str, application: Application, recipients: list[User], **context) -> None:
    """One e-mail per recipient, in the county's written standard."""
    url = settings.SITE_URL + reverse("application_detail", args=[application.pk])
    with translation.override(application.organisation.written_standard or "nb"):
        for user in recipients:
            context.update({"application": application, "user": user, "url": url})
            subject = render_to_string(f"grants/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"grants/email/{template}.txt", context)
            send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [user.email])


@shared_task
def notify_confirmers(application_id: int) -> None:
    """Tell the directors and fullmakt holders that an application waits for them, once: the row is
    claimed before sending and released again if sending fails (the sweep then tries again)."""
    waiting = Application.objects.filter(pk=application_id, state=Application.State.AWAITING_CONFIRMATION)

    def send() -> None:
        application = Application.objects.select_related("organisation", "call", "sent_by").get(pk=application_id)
        _send("awaiting_confirmation", application, access.confirmers_for(application.organisation, timezone.now()))

    send_once(waiting, "confirmers_notified_at", send)


@shared_task
def sweep_confirmation_requests() -> None:
    """Send the requests for confirmation that were never sent (the broker was down)."""
    stale = timezone.now() - dt.timedelta(minutes=2)
    waiting = Application.objects.filter(
        state=Application.State.AWAITING_CONFIRMATION, confirmers_notified_at__isnull=True, sent_at__lt=stale
    ).values_list("pk", flat=True)
    for application_id in waiting:
        notify_confirmers.delay(application_id)


@shared_task
def notify_withdrawn(application_id: int, submission_id: int) -> None:
    """Tell those who may confirm, and whoever confirmed the withdrawn version, that it must be
    sent and confirmed again."""
    application = Application.objects.select_related("organisation", "call").get(pk=application_id)
    submission = application.submissions.select_related("confirmed_by", "withdrawn_by").get(pk=submission_id)
    recipients = {user.pk: user for user in access.confirmers_for(application.organisation, timezone.now())}
    if submission.confirmed_by.is_active:
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
    from grants import receipts

    receipts.receipt_issue(submission_id)


@shared_task
def sweep_receipts() -> None:
    """Send again what was never sent (broker down) or failed: the pending row is the truth."""
    from grants import receipts

    for submission_id in receipts.unfinished_receipts():
        render_receipt.delay(submission_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=2, retry_backoff=30, retry_jitter=True)
def render_letter(letter_id: int) -> None:
    """Render a decision letter, store it once and tell the county (idempotent: see grants.letters).
    A failure is retried twice here, then by the sweep until ``letters.MAX_ATTEMPTS``; it stays
    visible to caseworkers, who can also ask for a new attempt."""
    from grants import letters

    letters.letter_issue(letter_id)


@shared_task
def sweep_letters() -> None:
    """Render again what was never rendered (broker down) or failed: the pending row is the truth."""
    from grants import letters

    for letter_id in letters.unfinished_letters():
        render_letter.delay(letter_id)
