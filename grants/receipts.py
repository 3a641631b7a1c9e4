"""The receipt of a submitted application (R12): a PDF of everything that was sent, stored once with its
SHA-256 and e-mailed once to the county.

``receipt_issue`` is what the Celery task runs. It can run twice, or twice at the same time, and still
leaves one file and one e-mail: the file is stored under a row lock after re-checking the status
(``portal.documents``), and the e-mail is claimed with a conditional update before it is sent
(``portal.mail.send_once``). ``unfinished_receipts`` is what the periodic sweep picks up when the broker
was down or rendering failed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from grants.archive.registry import journal_receipt
from grants.models import Application, Submission
from grants.snapshots import present
from portal import audit
from portal.audit import Actor
from portal.documents import Document
from portal.mail import compose, recipients, send_once
from portal.pdf import html_to_pdf, render_html

log = logging.getLogger(__name__)

ReceiptStatus = Submission.ReceiptStatus

RECEIPT = Document(
    file="receipt",
    sha256="receipt_sha256",
    status="receipt_status",
    ready=ReceiptStatus.READY,
    failed=ReceiptStatus.FAILED,
    to_make=(ReceiptStatus.PENDING, ReceiptStatus.FAILED),
    notified="receipt_emailed_at",
    attempts="receipt_attempts",
)
STORED_NAME = "kvittering.pdf"  # upload_to turns this into a generated name


# --- The PDF ----------------------------------------------------------------------------------


def _language(submission: Submission) -> str:
    return submission.application.organisation.written_standard or "nb"


def receipt_context(submission: Submission) -> dict:
    """What the receipt shows. Call, county and answers come from the snapshot: what was sent."""
    snapshot = submission.snapshot
    return {
        "submission": submission,
        "reference": snapshot["reference"],
        "number": submission.number,
        "call": snapshot["call"],
        "organisation": snapshot["organisation"],
        "sent_by": submission.sent_by.full_name if submission.sent_by else snapshot.get("sent_by", ""),
        "sent_at": submission.sent_at,
        # A paper application registered by IMDi was confirmed by nobody in the portal.
        "confirmed_by": submission.confirmed_by.full_name if submission.confirmed_by else "",
        "confirmed_at": submission.confirmed_at,
        "authority": submission.authority,
        "sections": present(snapshot),
    }


def receipt_html(submission: Submission) -> str:
    """The receipt as HTML, in the county's written standard (its labels too, made with the context),
    with times in Oslo time."""
    language = _language(submission)
    with translation.override(language):
        context = receipt_context(submission)
    return render_html("grants/pdf/receipt.html", context, language=language)


def receipt_pdf(submission: Submission) -> bytes:
    return html_to_pdf(receipt_html(submission), language=_language(submission))


# --- Issuing ----------------------------------------------------------------------------------


def _load(submission_id: int) -> Submission:
    return Submission.objects.select_related(
        "application__organisation", "application__call", "confirmed_by", "sent_by"
    ).get(pk=submission_id)


def receipt_issue(submission_id: int) -> None:
    """Make, store and e-mail the receipt of a submission, unless that is done already."""
    submission = _load(submission_id)
    if not RECEIPT.is_ready(submission):
        try:
            _render_and_store(submission)
        except Exception as error:
            log.exception("Could not make the receipt of submission %s", submission_id)
            RECEIPT.record_failure(Submission.objects.filter(pk=submission_id), error)
            raise
        submission = _load(submission_id)
    _email_once(submission)


def _render_and_store(submission: Submission) -> None:
    # Rendered outside the lock (it takes a fraction of a second); only one run stores its file.
    pdf = receipt_pdf(submission)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if RECEIPT.is_ready(locked):  # a concurrent run stored it first
            return
        digest = RECEIPT.store(locked, pdf, name=STORED_NAME)
        journal_receipt(submission=locked)
        application = submission.application
        audit.record(
            actor=Actor.system(),
            action="application.receipt_issued",
            obj=application,
            subject_organisation=application.organisation,
            changes={"version": submission.number, "sha256": digest},
        )


# --- E-mail -----------------------------------------------------------------------------------


def application_url(application: Application) -> str:
    # No try/except: a missing URL name must fail loudly, not send an e-mail without a link.
    return settings.SITE_URL + reverse("application_detail", args=[application.pk])


def receipt_recipients(submission: Submission) -> list[str]:
    """Who sent it, who confirmed it (active users) and the county's official mailbox, once each,
    sorted. A paper application was sent and confirmed by nobody in the portal: the mailbox gets it."""
    return recipients(
        submission.application.organisation, users=[submission.sent_by, submission.confirmed_by], mailbox=True
    )


def attachment_name(submission: Submission) -> str:
    return f"kvittering-{submission.snapshot['reference']}-{submission.number}.pdf"


def receipt_message(submission: Submission) -> EmailMessage:
    application = submission.application
    context = {
        "submission": submission,
        "application": application,
        "reference": submission.snapshot["reference"],
        "url": application_url(application),
    }
    message = compose(
        "grants/email/receipt", to=receipt_recipients(submission), context=context, language=_language(submission)
    )
    with submission.receipt.open("rb") as stored:
        message.attach(attachment_name(submission), stored.read(), "application/pdf")
    return message


def _email_once(submission: Submission) -> None:
    if submission.receipt_emailed_at is not None:
        return
    # Everything that can fail before sending (the link, the templates, the file) is done before the claim.
    message = receipt_message(submission)

    def send() -> None:
        if message.to:
            message.send()
        else:
            log.warning("The receipt of submission %s has nobody to go to", submission.pk)

    send_once(Submission.objects.filter(pk=submission.pk), "receipt_emailed_at", send)


# --- The sweep --------------------------------------------------------------------------------


def unfinished_receipts() -> list[int]:
    """Submissions whose receipt was never made (or failed, fewer than MAX_ATTEMPTS times) or never
    e-mailed, confirmed long enough ago that the task sent after the commit should have run."""
    return RECEIPT.unfinished(Submission.objects.all(), since="confirmed_at")
