"""The receipt of a submitted application (R12): a PDF of everything that was sent, stored once with its
SHA-256 and e-mailed once to the county.

``receipt_issue`` is what the Celery task runs. It can run twice, or twice at the same time, and still
leaves one file and one e-mail: the file is stored under a row lock after re-checking the status, and the
e-mail is claimed with a conditional update before it is sent. ``unfinished_receipts`` is what the periodic
sweep picks up when the broker was down or rendering failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from grants.answers import present
from grants.models import Application, Submission
from portal import audit
from portal.audit import Actor
from portal.mail import send_once
from portal.models import Role, User

log = logging.getLogger(__name__)

ReceiptStatus = Submission.ReceiptStatus

OSLO = ZoneInfo("Europe/Oslo")
MAX_ATTEMPTS = 5  # the sweep gives up on a receipt that failed this many times (it stays FAILED, visible)
SWEEP_GRACE = dt.timedelta(minutes=2)  # leave a fresh submission to the task sent after its commit
STORED_NAME = "kvittering.pdf"  # upload_to turns this into a generated name


# --- Fetching: only the project's own static files --------------------------------------------


def static_roots() -> list[Path]:
    """The folders the receipt may read from: settings.STATICFILES_DIRS (``static/``)."""
    roots = []
    for entry in settings.STATICFILES_DIRS:
        folder = entry[1] if isinstance(entry, list | tuple) else entry  # (prefix, path) entries too
        roots.append(Path(folder).resolve())
    return roots


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that reads files from the static folders and refuses everything else.

    No HTTP, no data: URLs, no file outside ``static/`` (``..`` and symbolic links are resolved first), so
    nothing a user typed can make the server fetch a URL or read a file. A refusal raises ``PermissionError``;
    WeasyPrint logs it and renders without the resource.
    """

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = [Path(root).resolve() for root in roots] if roots is not None else static_roots()

    def path_for(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise PermissionError(f"PDFs fetch no URLs, only static files: {url[:200]!r}")
        if parts.netloc not in ("", "localhost"):
            raise PermissionError(f"PDFs read no files from another host: {url[:200]!r}")
        path = Path(url2pathname(parts.path)).resolve()  # url2pathname decodes %XX
        if not any(path.is_relative_to(root) for root in self.roots):
            raise PermissionError(f"PDFs read only the project's static files, not {path}")
        if not path.is_file():
            raise FileNotFoundError(f"No such static file: {path}")
        return path

    def fetch(self, url, headers=None):
        path = self.path_for(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})


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
        "confirmed_by": submission.confirmed_by.full_name,
        "confirmed_at": submission.confirmed_at,
        "authority": submission.authority,
        "sections": present(snapshot),
    }


def receipt_html(submission: Submission) -> str:
    """The receipt as HTML, in the county's written standard, with times in Oslo time."""
    with translation.override(_language(submission)), timezone.override(OSLO):
        return render_to_string("grants/receipt.html", receipt_context(submission))


def receipt_pdf(submission: Submission) -> bytes:
    fetcher = StaticFilesOnly()
    base_url = fetcher.roots[0].as_uri() + "/"  # the template links "grants/receipt.css"
    html = receipt_html(submission)
    with translation.override(_language(submission)):
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


# --- Issuing ----------------------------------------------------------------------------------


def _load(submission_id: int) -> Submission:
    return Submission.objects.select_related(
        "application__organisation", "application__call", "confirmed_by", "sent_by"
    ).get(pk=submission_id)


def _is_ready(submission: Submission) -> bool:
    return submission.receipt_status == ReceiptStatus.READY and bool(submission.receipt)


def receipt_issue(submission_id: int) -> None:
    """Make, store and e-mail the receipt of a submission, unless that is done already."""
    submission = _load(submission_id)
    if not _is_ready(submission):
        try:
            _render_and_store(submission)
        except Exception:
            log.exception("Could not make the receipt of submission %s", submission_id)
            Submission.objects.filter(pk=submission_id).exclude(receipt_status=ReceiptStatus.READY).update(
                receipt_status=ReceiptStatus.FAILED, receipt_attempts=F("receipt_attempts") + 1
            )
            raise
        submission = _load(submission_id)
    _email_once(submission)


def _render_and_store(submission: Submission) -> None:
    # Rendered outside the lock (it takes a fraction of a second); only one run stores its file.
    pdf = receipt_pdf(submission)
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if _is_ready(locked):  # a concurrent run stored it first
            return
        locked.receipt.save(STORED_NAME, ContentFile(pdf), save=False)
        stored = locked.receipt.name
        try:
            locked.receipt_sha256 = digest
            locked.receipt_status = ReceiptStatus.READY
            locked.receipt_attempts += 1
            locked.save(update_fields=["receipt", "receipt_sha256", "receipt_status", "receipt_attempts"])
            application = submission.application
            audit.record(
                actor=Actor.system(),
                action="application.receipt_issued",
                obj=application,
                subject_organisation=application.organisation,
                changes={"version": submission.number, "sha256": digest},
            )
        except Exception:
            locked.receipt.storage.delete(stored)  # the row does not point at it: leave no orphan file
            raise


# --- E-mail -----------------------------------------------------------------------------------


def application_url(application: Application) -> str:
    # No try/except: a missing URL name must fail loudly, not send an e-mail without a link.
    return settings.SITE_URL + reverse("application_detail", args=[application.pk])


def receipt_recipients(submission: Submission) -> list[str]:
    """The county's staff and whoever confirmed, once each, sorted; only active users."""
    application = submission.application
    emails = set(
        User.objects.filter(
            is_active=True,
            memberships__organisation=application.organisation,
            memberships__role=Role.COUNTY_STAFF,
        ).values_list("email", flat=True)
    )
    if submission.confirmed_by.is_active:
        emails.add(submission.confirmed_by.email)
    return sorted(emails)


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
    with translation.override(_language(submission)), timezone.override(OSLO):
        subject = render_to_string("grants/email/receipt_subject.txt", context).strip()
        body = render_to_string("grants/email/receipt.txt", context)
    message = EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=receipt_recipients(submission),
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
    cutoff = timezone.now() - SWEEP_GRACE
    return list(
        Submission.objects.filter(confirmed_at__lt=cutoff)
        .filter(
            Q(receipt_status__in=[ReceiptStatus.PENDING, ReceiptStatus.FAILED], receipt_attempts__lt=MAX_ATTEMPTS)
            | Q(receipt_status=ReceiptStatus.READY, receipt_emailed_at__isnull=True)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
