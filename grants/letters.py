"""The letter of an approved decision (R14–R17, R19–R23): a PDF stored once with its SHA-256, and one
e-mail to the county saying it is ready in the portal.

``letter_issue`` is what the Celery task runs. It can run twice, or twice at the same time, and still
leaves one file and one e-mail: the letter is rendered and stored under a row lock after re-checking its
status, and the e-mail is claimed with a conditional update of ``notified_at`` before it is sent. A failed
rendering is written down (status, attempts, last error) where caseworkers see it, and
``unfinished_letters`` is what the periodic sweep picks up when the broker was down or rendering failed.

The letter is written in its own language (``Letter.language``, the county's written standard when the
decision was approved). Its template is bokmål; the nynorsk comes from the translations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML

from grants.models import Decision, Letter
from grants.receipts import StaticFilesOnly
from portal import access, audit
from portal.audit import Actor
from portal.mail import send_once

log = logging.getLogger(__name__)

Status = Letter.Status
Kind = Decision.Kind

OSLO = ZoneInfo("Europe/Oslo")
MAX_ATTEMPTS = 5  # the sweep gives up on a letter that failed this many times (it stays FAILED, visible)
SWEEP_GRACE = dt.timedelta(minutes=2)  # leave a fresh letter to the task sent after the approval's commit
ACCEPT_WITHIN = dt.timedelta(weeks=3)  # the date the grant letter asks the county to accept by
STORED_NAME = "vedtaksbrev.pdf"  # upload_to turns this into a generated name
# A tagged PDF: headings, paragraphs and tables a screen reader can follow (costs no measurable time).
PDF_OPTIONS = {"pdf_tags": True}
ERROR_LENGTH = 500

TITLES = {
    Kind.GRANT: _("Tilskuddsbrev"),
    Kind.REJECTION: _("Vedtak om avslag"),
    Kind.DISMISSAL: _("Vedtak om avvisning"),
}

__all__ = [
    "StaticFilesOnly",
    "letter_context",
    "letter_html",
    "letter_issue",
    "letter_pdf",
    "unfinished_letters",
]


# --- The PDF ----------------------------------------------------------------------------------


def _load(letter_id: int, *, lock: bool = False) -> Letter:
    letters = Letter.objects.select_related(
        "decision__case__application__organisation",
        "decision__case__call__scheme__owner",
        "decision__proposed_by",
        "decision__approved_by",
    )
    if lock:
        letters = letters.select_for_update(of=("self",))
    return letters.get(pk=letter_id)


def letter_title(decision: Decision) -> str:
    return str(TITLES[decision.kind])


def letter_context(letter: Letter) -> dict:
    """What the letter shows. The date is the day it is issued (today while it is being made)."""
    decision = letter.decision
    case = decision.case
    call = case.call
    issued_on = (letter.issued_at or timezone.now()).astimezone(OSLO).date()
    lines = [
        line
        for line in decision.lines.select_related("category").order_by("category__order")
        if line.requested or line.granted
    ]
    return {
        "letter": letter,
        "decision": decision,
        "application": case.application,
        "county": case.application.organisation,
        "call": call,
        "scheme": call.scheme,
        "owner": call.scheme.owner,
        "title": letter_title(decision),
        "is_grant": decision.kind == Kind.GRANT,
        "is_rejection": decision.kind == Kind.REJECTION,
        "is_dismissal": decision.kind == Kind.DISMISSAL,
        "lines": lines,
        "requested_total": sum((line.requested for line in lines), Decimal("0")),
        "granted_total": sum((line.granted for line in lines), Decimal("0")),
        "issued_on": issued_on,
        "accept_by": issued_on + ACCEPT_WITHIN,
        "reference": letter.reference,
        "signers": [
            (decision.approved_by.full_name if decision.approved_by else "", _("godkjent av")),
            (decision.proposed_by.full_name, _("saksbehandler")),
        ],
    }


def letter_html(letter: Letter) -> str:
    """The letter as HTML, in the letter's language, with dates in Oslo time."""
    with translation.override(letter.language or "nb"), timezone.override(OSLO):
        return render_to_string("grants/letter.html", letter_context(letter))


def letter_pdf(letter: Letter) -> bytes:
    fetcher = StaticFilesOnly()
    base_url = fetcher.roots[0].as_uri() + "/"  # the template links "grants/letter.css"
    html = letter_html(letter)
    with translation.override(letter.language or "nb"):
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(**PDF_OPTIONS)


# --- Issuing ----------------------------------------------------------------------------------


def _is_ready(letter: Letter) -> bool:
    return letter.status == Status.READY and bool(letter.file)


def letter_issue(letter_id: int) -> None:
    """Make and store the letter of an approved decision and tell the county, unless that is done.

    On a failure the letter is marked FAILED with the error (in a transaction of its own when this runs
    outside one, as the Celery task does) and the exception is raised again for the task to retry.
    """
    try:
        with transaction.atomic():
            letter = _load(letter_id, lock=True)  # a concurrent run waits here, then finds it ready
            if not _is_ready(letter):
                _render_and_store(letter)
    except Exception as error:
        log.exception("Could not make letter %s", letter_id)
        try:
            _record_failure(letter_id, error)
        except Exception:  # the database may be what failed: the task's retry and the sweep still come
            log.exception("Could not record the failure of letter %s", letter_id)
        raise
    transaction.on_commit(partial(_notify_once, letter_id))


def _render_and_store(letter: Letter) -> None:
    """Render, store and mark ready; the caller holds the row lock."""
    letter.issued_at = timezone.now()  # the letter's date
    pdf = letter_pdf(letter)
    letter.file.save(STORED_NAME, ContentFile(pdf), save=False)
    stored = letter.file.name
    try:
        with letter.file.storage.open(stored, "rb") as saved:
            digest = hashlib.sha256(saved.read()).hexdigest()
        letter.sha256 = digest
        letter.status = Status.READY
        letter.attempts += 1
        letter.last_error = ""
        letter.save(update_fields=["file", "sha256", "status", "attempts", "last_error", "issued_at"])
        application = letter.decision.case.application
        audit.record(
            actor=Actor.system(),
            action="letter.issued",
            obj=application,
            subject_organisation=application.organisation,
            changes={"letter": letter.reference, "sha256": digest},
        )
    except Exception:
        letter.file.storage.delete(stored)  # the row does not point at it: leave no orphan file
        raise


def _record_failure(letter_id: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}".strip()
    if len(message) > ERROR_LENGTH:
        message = message[: ERROR_LENGTH - 1] + "…"
    with transaction.atomic():
        Letter.objects.filter(pk=letter_id).exclude(status=Status.READY).update(
            status=Status.FAILED, attempts=F("attempts") + 1, last_error=message
        )


# --- E-mail -----------------------------------------------------------------------------------


def decision_url(letter: Letter) -> str:
    # No try/except: a missing URL name must fail loudly, not send an e-mail without a link.
    decision = letter.decision
    return settings.SITE_URL + reverse("decision_view", args=[decision.case.application_id, decision.pk])


def letter_recipients(letter: Letter) -> list[str]:
    """The county's official mailbox for letters, those who may confirm for the county (its directors
    and fullmakt holders) and the application's contact person, once each, sorted."""
    application = letter.decision.case.application
    addresses = [user.email for user in access.confirmers_for(application.organisation, timezone.now())]
    addresses += [application.contact_email, application.organisation.letter_email]
    once = {address.lower(): address for address in reversed(addresses) if address}  # the first spelling wins
    return sorted(once.values(), key=str.lower)


def letter_message(letter: Letter) -> EmailMessage:
    """The e-mail that the letter is ready, in the county's written standard. The PDF is not attached:
    the county reads it in the portal, after logging in."""
    decision = letter.decision
    application = decision.case.application
    context = {
        "letter": letter,
        "decision": decision,
        "application": application,
        "title": "",
        "is_grant": decision.kind == Kind.GRANT,
        "is_dismissal": decision.kind == Kind.DISMISSAL,
        "url": decision_url(letter),
    }
    with translation.override(application.organisation.written_standard or "nb"), timezone.override(OSLO):
        context["title"] = letter_title(decision)
        subject = render_to_string("grants/email/letter_issued_subject.txt", context).strip()
        body = render_to_string("grants/email/letter_issued.txt", context)
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=letter_recipients(letter),
    )


def _notify_once(letter_id: int) -> None:
    letter = _load(letter_id)
    if letter.status != Status.READY or letter.notified_at is not None:
        return
    # Everything that can fail before sending (the link, the templates, the recipients) is done before the claim.
    message = letter_message(letter)

    def send() -> None:
        if message.to:
            message.send()
        else:
            log.warning("Letter %s has nobody in the county to tell", letter.pk)

    send_once(Letter.objects.filter(pk=letter.pk, status=Status.READY), "notified_at", send)


# --- The sweep --------------------------------------------------------------------------------


def unfinished_letters() -> list[int]:
    """Letters never made (pending), failed fewer than MAX_ATTEMPTS times, or made but the county never
    told, created long enough ago that the task sent after the approval should have run."""
    cutoff = timezone.now() - SWEEP_GRACE
    return list(
        Letter.objects.filter(created_at__lt=cutoff)
        .filter(
            Q(status__in=[Status.PENDING, Status.FAILED], attempts__lt=MAX_ATTEMPTS)
            | Q(status=Status.READY, notified_at__isnull=True)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
