"""The letter of an approved decision (R14–R17, R19–R23): a PDF stored once with its SHA-256, and one
e-mail to the county saying it is ready in the portal.

``letter_issue`` is what the Celery task runs. It can run twice, or twice at the same time, and still
leaves one file and one e-mail: the letter is rendered and stored under a row lock after re-checking its
status (``LETTER``, portal.documents), and the e-mail is claimed with a conditional update of
``notified_at`` before it is sent (portal.mail.send_once). A failed rendering is written down (status,
attempts, last error) where caseworkers see it, and ``unfinished_letters`` is what the periodic sweep
picks up when the broker was down or rendering failed.

The letter is written in its own language (``Letter.language``, the county's written standard when the
decision was approved). Its template is bokmål; the nynorsk comes from the translations.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Decision, Letter
from portal import audit
from portal.audit import Actor
from portal.documents import Document
from portal.formats import OSLO, ZERO
from portal.mail import compose, recipients, send_once
from portal.pdf import html_to_pdf, render_html

log = logging.getLogger(__name__)

Status = Letter.Status
Kind = Decision.Kind

TEMPLATE = "grants/pdf/letter.html"
EMAIL = "grants/email/letter_issued"
ACCEPT_WITHIN = dt.timedelta(weeks=3)  # the date the grant letter asks the county to accept by
STORED_NAME = "vedtaksbrev.pdf"  # upload_to turns this into a generated name

TITLES = {
    Kind.GRANT: _("Tilskuddsbrev"),
    Kind.REJECTION: _("Vedtak om avslag"),
    Kind.DISMISSAL: _("Vedtak om avvisning"),
}

# Where a letter keeps its PDF, and which statuses the sweep picks up.
LETTER = Document(
    file="file",
    sha256="sha256",
    status="status",
    ready=Status.READY,
    failed=Status.FAILED,
    to_make=(Status.PENDING, Status.FAILED),
    notified="notified_at",
    attempts="attempts",
    error="last_error",
)


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


# --- The letter -------------------------------------------------------------------------------


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
        "requested_total": sum((line.requested for line in lines), ZERO),
        "granted_total": sum((line.granted for line in lines), ZERO),
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
    return render_html(TEMPLATE, letter_context(letter), language=letter.language or "nb")


def letter_pdf(letter: Letter) -> bytes:
    return html_to_pdf(letter_html(letter), language=letter.language or "nb")


# --- Issuing ----------------------------------------------------------------------------------


def letter_issue(letter_id: int) -> None:
    """Make and store the letter of an approved decision and tell the county, unless that is done.

    On a failure the letter is marked FAILED with the error (in a transaction of its own when this runs
    outside one, as the Celery task does) and the exception is raised again for the task to retry.
    """
    try:
        with transaction.atomic():
            letter = _load(letter_id, lock=True)  # a concurrent run waits here, then finds it ready
            if not LETTER.is_ready(letter):
                _render_and_store(letter)
    except Exception as error:
        log.exception("Could not make letter %s", letter_id)
        try:
            with transaction.atomic():
                LETTER.record_failure(Letter.objects.filter(pk=letter_id), error)
        except Exception:  # the database may be what failed: the task's retry and the sweep still come
            log.exception("Could not record the failure of letter %s", letter_id)
        raise
    transaction.on_commit(partial(_notify_once, letter_id))


def _render_and_store(letter: Letter) -> None:
    """Render, store and mark ready; the caller holds the row lock."""
    letter.issued_at = timezone.now()  # the letter's date
    digest = LETTER.store(letter, letter_pdf(letter), name=STORED_NAME, also=("issued_at",))
    application = letter.decision.case.application
    audit.record(
        actor=Actor.system(),
        action="letter.issued",
        obj=application,
        subject_organisation=application.organisation,
        changes={"letter": letter.reference, "sha256": digest},
    )


def unfinished_letters() -> list[int]:
    """Letters never made (pending), failed fewer than MAX_ATTEMPTS times, or made but the county never
    told, created long enough ago that the task sent after the approval should have run."""
    return LETTER.unfinished(Letter.objects.all(), since="created_at")


# --- E-mail -----------------------------------------------------------------------------------


def decision_url(letter: Letter) -> str:
    # No try/except: a missing URL name must fail loudly, not send an e-mail without a link.
    decision = letter.decision
    return settings.SITE_URL + reverse("decision_view", args=[decision.case.application_id, decision.pk])


def letter_recipients(letter: Letter) -> list[str]:
    """The county's official mailbox for letters, those who may confirm for the county (its directors
    and fullmakt holders) and the application's contact person, once each, sorted."""
    application = letter.decision.case.application
    return recipients(application.organisation, confirmers=True, mailbox=True, extra=[application.contact_email])


def letter_message(letter: Letter) -> EmailMessage:
    """The e-mail that the letter is ready, in the county's written standard. The PDF is not attached:
    the county reads it in the portal, after logging in."""
    decision = letter.decision
    application = decision.case.application
    context = {
        "letter": letter,
        "decision": decision,
        "application": application,
        "title": TITLES[decision.kind],
        "is_grant": decision.kind == Kind.GRANT,
        "is_dismissal": decision.kind == Kind.DISMISSAL,
        "url": decision_url(letter),
    }
    language = application.organisation.written_standard or "nb"
    return compose(EMAIL, to=letter_recipients(letter), context=context, language=language)


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
