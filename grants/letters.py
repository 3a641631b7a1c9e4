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

A grant and a rejection are avgjørelser, not enkeltvedtak (no appeal, R14); a dismissal is an enkeltvedtak
with its appeal deadline written out (R15). ``proposal_texts`` gives the texts a proposal starts from: the
call's ``LetterTemplate`` of the kind, in the county's written standard, with the case's facts filled in.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from grants.archive.registry import journal_issued
from grants.models import Case, DeadlineExtension, Decision, Letter, LetterTemplate, Submission
from grants.models.decisions import APPEAL_WEEKS
from portal import audit
from portal.audit import Actor
from portal.calendar import deadline_after
from portal.documents import Document
from portal.formats import OSLO, ZERO, kr
from portal.letterhead import letterhead
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
    Kind.REJECTION: _("Avslag på søknad om tilskudd"),
    Kind.DISMISSAL: _("Vedtak om avvisning"),
}

# A call's longest project period in words, as the circular writes it ("fire år").
YEARS_IN_WORDS = {
    1: _("ett år"),
    2: _("to år"),
    3: _("tre år"),
    4: _("fire år"),
    5: _("fem år"),
    6: _("seks år"),
    7: _("sju år"),
    8: _("åtte år"),
    9: _("ni år"),
    10: _("ti år"),
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


def years_in_words(years: int):
    """``4`` as "fire år" (in the active language when shown)."""
    return YEARS_IN_WORDS.get(years) or format_lazy(_("{years} år"), years=years)


def _their_date(submission: Submission | None) -> dt.date | None:
    """The day the application the decision is about was received (the letter's "Deres dato")."""
    return timezone.localdate(submission.confirmed_at, OSLO) if submission and submission.confirmed_at else None


def letter_context(letter: Letter) -> dict:
    """What the letter shows. The date is the day it is issued (today while it is being made)."""
    decision = letter.decision
    case = decision.case
    call = case.call
    application = case.application
    issued_on = (letter.issued_at or timezone.now()).astimezone(OSLO).date()
    submission = application.current_submission() or application.submissions.order_by("-number").first()
    lines = [
        line
        for line in decision.lines.select_related("category").order_by("category__order")
        if line.requested or line.granted
    ]
    return {
        **letterhead(
            owner=call.scheme.owner,
            addressee=application.organisation,
            title=TITLES[decision.kind],  # lazy: in the letter's language when rendered
            subject=f"{call.scheme.name}: {call.title}",
            reference=letter.reference,
            issued_on=issued_on,
            their_reference=application.their_reference,
            their_date=_their_date(submission),
            caseworker=decision.proposed_by,
            signers=[decision.approved_by, decision.proposed_by],
            attachments=decision.attachments,
            copy_to=decision.copy_to,
        ),
        "letter": letter,
        "decision": decision,
        "application": application,
        "county": application.organisation,
        "call": call,
        "scheme": call.scheme,
        "is_grant": decision.kind == Kind.GRANT,
        "is_rejection": decision.kind == Kind.REJECTION,
        "is_dismissal": decision.kind == Kind.DISMISSAL,
        "lines": lines,
        "requested_total": sum((line.requested for line in lines), ZERO),
        "granted_total": sum((line.granted for line in lines), ZERO),
        "accept_by": issued_on + ACCEPT_WITHIN,
        # The scheme's purpose and this project's, as the caseworker wrote them; the call's if left empty.
        "purpose": decision.purpose or call.purpose,
        "max_years": years_in_words(call.max_project_years),
        # Three weeks from the letter's date, the day it reaches the county in the portal (fvl. §§ 29–30).
        "appeal_deadline": deadline_after(issued_on, weeks=APPEAL_WEEKS),
    }


def letter_html(letter: Letter) -> str:
    """The letter as HTML, in the letter's language (its subject, the scheme's and call's names, too:
    made with the context), with dates in Oslo time."""
    language = letter.language or "nb"
    with translation.override(language):
        context = letter_context(letter)
    return render_html(TEMPLATE, context, language=language)


def letter_pdf(letter: Letter) -> bytes:
    return html_to_pdf(letter_html(letter), language=letter.language or "nb")


# --- The texts a proposal starts from ---------------------------------------------------------

TEXT_FIELDS = ("rules", "facts", "considerations", "purpose", "conditions")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """``{county}``, ``{title}``… replaced with the case's values; an unknown placeholder, or any other
    brace, is left as written. (What ``str.format_map`` with a dict that keeps unknown keys does, without
    its failures on a lone brace or on ``{county.name}``, which an admin may well type.)"""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), text)


def case_values(case: Case, language: str) -> dict[str, str]:
    """What a letter template's placeholders stand for in this case, written in ``language``."""
    application = case.application
    submission = application.current_submission() or application.submissions.order_by("-number").first()
    deadline = submission.deadline if submission is not None else None
    if deadline is None:
        deadline = DeadlineExtension.deadline_for(case.call, application.organisation)
    received = _their_date(submission)
    title = (submission.snapshot.get("fields", {}).get("title") if submission else None) or application.title
    with translation.override(language):
        return {
            "county": application.organisation.name,
            "title": title,
            "requested": kr(submission.total) if submission is not None else "",
            "amount": kr(case.allocated),
            "received": date_format(received, "j. F Y") if received else "",
            "deadline": date_format(timezone.localdate(deadline, OSLO), "j. F Y"),
        }


def proposal_texts(case: Case, kind: str) -> dict[str, str]:
    """The call's letter template for ``kind`` in the county's written standard (its own column: a
    nynorsk county never gets the bokmål text), with the case's facts filled in. Nothing when the call
    has no template for the kind, or the template has no text in that standard: the caseworker writes it."""
    template = LetterTemplate.objects.filter(call_id=case.call_id, kind=kind).first()
    if template is None:
        return {}
    language = case.application.organisation.written_standard or "nb"
    texts = {field: (getattr(template, f"{field}_{language}", "") or "").strip() for field in TEXT_FIELDS}
    if not any(texts.values()):
        return {}
    values = case_values(case, language)
    return {field: fill_placeholders(text, values) for field, text in texts.items() if text}


# --- Issuing ----------------------------------------------------------------------------------


def letter_issue(letter_id: int) -> None:
    """Make and store the letter of an approved decision and tell the county, unless that is done.

    On a failure the letter is marked FAILED with the error (in a transaction of its own when this runs
    outside one, as the Celery task does) and the exception is raised again for the task to retry.
    """
    LETTER.issue(
        Letter.objects.all(), letter_id, load=partial(_load, lock=True), make=_render_and_store, notify=_notify_once
    )


def _render_and_store(letter: Letter) -> None:
    """Render, store and mark ready; the caller holds the row lock."""
    letter.issued_at = timezone.now()  # the letter's date
    digest = LETTER.store(letter, letter_pdf(letter), name=STORED_NAME, also=("issued_at",))
    journal_issued(
        source=f"decision-letter:{letter.decision_id}",
        file=letter.file,
        sha256=digest,
        title=str(letter_title(letter.decision)),
    )
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
