"""The letters about an appeal (R15): IMDi's dismissal of an appeal (an enkeltvedtak the county may in
turn appeal to the ministry) and the letter forwarding an appeal to the ministry, of which the county
gets a copy.

Like a decision's letter (grants.letters): the PDF is rendered and stored once under a row lock after
re-checking its status (``APPEAL_LETTER``, portal.documents), the county is e-mailed once
(portal.mail.send_once on ``notified_at``; for the forwarding letter, the e-mail that the appeal went
to the ministry is claimed on ``Appeal.forwarded_notified_at``, see grants.appeal_notices), and
``unfinished_appeal_letters`` is what the periodic sweep picks up when the broker was down or rendering
failed.

The dismissal is written in the county's written standard (``AppealLetter.language``, set when it is
created). The forwarding letter is addressed to the ministry and written in bokmål; the county reads
its copy in bokmål too.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grants.archive.registry import journal_issued
from grants.letters import LETTER
from grants.models import Appeal, AppealLetter, Decision
from portal import audit
from portal.audit import Actor
from portal.formats import OSLO, kr
from portal.letterhead import letterhead
from portal.mail import compose, recipients, send_message_once, send_once
from portal.models import Organisation
from portal.pdf import html_to_pdf, render_html

log = logging.getLogger(__name__)

Kind = AppealLetter.Kind
Status = AppealLetter.Status

TEMPLATES = {Kind.DISMISSAL: "grants/pdf/appeal_dismissal.html", Kind.FORWARDING: "grants/pdf/appeal_forwarding.html"}
TITLES = {Kind.DISMISSAL: _("Vedtak om avvisning av klage"), Kind.FORWARDING: _("Oversendelse av klage")}
EMAIL = "grants/email/appeal_letter"
STORED_NAME = "klagebrev.pdf"  # upload_to turns this into a generated name
# The forwarding letter goes to the ministry, so it is written in bokmål whatever the county's written
# standard; the county's copy is the same letter.
FORWARDING_LANGUAGE = "nb"

# An appeal letter keeps its PDF in the same fields as a decision letter (both are IssuedLetter).
APPEAL_LETTER = LETTER

RELATED = (
    "appeal__case__application__organisation",
    "appeal__case__call__scheme__owner",
    "appeal__decision",
    "appeal__filed_by",
    "written_by",
)


def _load(letter_id: int, *, lock: bool = False) -> AppealLetter:
    letters = AppealLetter.objects.select_related(*RELATED)
    if lock:
        letters = letters.select_for_update(of=("self",))
    return letters.get(pk=letter_id)


def the_ministry() -> Organisation | None:
    """The appeal body (Arbeids- og inkluderingsdepartementet): the organisation of kind ministry."""
    return Organisation.objects.filter(kind=Organisation.Kind.MINISTRY).order_by("pk").first()


# --- Creating (inside the service's transaction) ----------------------------------------------


def appeal_letter_create(appeal: Appeal, kind: str, *, written_by, reference: str = "") -> AppealLetter:
    """The letter's row, pending; the caller renders it after the commit (grants.tasks). Its reference
    is the application's with K and the number of the appeal letter in the case (decision letters are
    numbered on their own)."""
    application = appeal.case.application
    number = AppealLetter.objects.filter(appeal__case=appeal.case).count() + 1
    language = FORWARDING_LANGUAGE if kind == Kind.FORWARDING else application.organisation.written_standard or "nb"
    return AppealLetter.objects.create(
        appeal=appeal,
        kind=kind,
        reference=reference or f"{application.reference}-K{number}",  # the journal's number when given
        language=language,
        written_by=written_by,
    )


def dismissal_letter_in_force(decision: Decision) -> AppealLetter | None:
    """The letter that dismissed the decision's latest appeal, when that appeal was dismissed and no
    other came after it: its appeal deadline is the one that now runs."""
    latest = decision.appeals.order_by("-filed_at", "-id").first()
    if latest is None or latest.state != Appeal.State.DISMISSED:
        return None
    return latest.letters.filter(kind=Kind.DISMISSAL).first()


def appeal_deadline_for(decision: Decision) -> dt.date | None:
    """The deadline the county's next appeal is measured against: the dismissal of its last appeal's
    deadline when there is one, otherwise the decision letter's; None before the letter is out."""
    dismissal = dismissal_letter_in_force(decision)
    if dismissal is not None:
        return dismissal.appeal_deadline if dismissal.issued_at else None
    letter = decision.letter_or_none
    return letter.appeal_deadline if letter is not None and letter.issued_at else None


# --- The letter -------------------------------------------------------------------------------


def appeal_letter_title(letter: AppealLetter) -> str:
    return str(TITLES[letter.kind])


def _attachments(appeal: Appeal, decision_letter) -> list[str]:
    filed = timezone.localdate(appeal.filed_at, OSLO)
    county = appeal.case.application.organisation.name
    items = [str(_("Klage fra %(org)s, mottatt %(date)s") % {"org": county, "date": f"{filed:%d.%m.%Y}"})]
    items += [str(_("Vedlegg til klagen: %(name)s") % {"name": a.original_name}) for a in appeal.attachments.all()]
    if decision_letter is not None and decision_letter.issued_at:
        issued = timezone.localdate(decision_letter.issued_at, OSLO)
        items.append(
            str(
                _("IMDis vedtak om avvisning, vår referanse %(ref)s, datert %(date)s")
                % {"ref": decision_letter.reference, "date": f"{issued:%d.%m.%Y}"}
            )
        )
    return items


def appeal_letter_context(letter: AppealLetter) -> dict:
    """What the letter shows. The date is the day it is issued (today while it is being made)."""
    appeal = letter.appeal
    case = appeal.case
    call = case.call
    application = case.application
    county = application.organisation
    decision_letter = appeal.decision.letter_or_none
    issued_on = (letter.issued_at or timezone.now()).astimezone(OSLO).date()
    forwarding = letter.kind == Kind.FORWARDING
    ministry = the_ministry() if forwarding else None
    if forwarding and ministry is None:
        raise LookupError("No organisation of kind 'ministry' to address the forwarding letter to")
    return {
        **letterhead(
            owner=call.scheme.owner,
            addressee=ministry if forwarding else county,
            title=appeal_letter_title(letter),
            subject=f"{call.scheme.name}: {call.title}",
            reference=letter.reference,
            issued_on=issued_on,
            their_reference="" if forwarding else application.their_reference,
            their_date=None if forwarding else timezone.localdate(appeal.filed_at, OSLO),
            caseworker=letter.written_by,
            signers=[letter.written_by],
            attachments=_attachments(appeal, decision_letter) if forwarding else (),
            copy_to=[county.name] if forwarding else (),
        ),
        "letter": letter,
        "appeal": appeal,
        "decision": appeal.decision,
        "decision_letter": decision_letter,
        "application": application,
        "county": county,
        "ministry": ministry,
        "call": call,
        "filed_on": timezone.localdate(appeal.filed_at, OSLO),
        "decided_on": timezone.localdate(appeal.decision.approved_at, OSLO) if appeal.decision.approved_at else None,
        "deadline": letter.appeal_deadline if letter.kind == Kind.DISMISSAL else None,
    }


def appeal_letter_html(letter: AppealLetter) -> str:
    """The letter as HTML, in the letter's language (its title and lists too), with dates in Oslo time."""
    language = letter.language or "nb"
    with translation.override(language):
        context = appeal_letter_context(letter)
    return render_html(TEMPLATES[letter.kind], context, language=language)


def appeal_letter_pdf(letter: AppealLetter) -> bytes:
    return html_to_pdf(appeal_letter_html(letter), language=letter.language or "nb")


# --- Issuing ----------------------------------------------------------------------------------


def appeal_letter_issue(letter_id: int) -> None:
    """Make and store the letter and tell the county, unless that is done. On a failure the letter is
    marked FAILED with the error and the exception is raised again for the task to retry."""
    APPEAL_LETTER.issue(
        AppealLetter.objects.all(),
        letter_id,
        load=partial(_load, lock=True),
        make=_render_and_store,
        notify=_notify_once,
    )


def _render_and_store(letter: AppealLetter) -> None:
    """Render, store and mark ready; the caller holds the row lock."""
    letter.issued_at = timezone.now()  # the letter's date
    digest = APPEAL_LETTER.store(letter, appeal_letter_pdf(letter), name=STORED_NAME, also=("issued_at",))
    journal_issued(
        source=f"appeal-letter:{letter.appeal_id}:{letter.kind}",
        file=letter.file,
        sha256=digest,
        title=appeal_letter_title(letter),
    )
    application = letter.appeal.case.application
    audit.record(
        actor=Actor.system(),
        action="appeal_letter.issued",
        obj=application,
        subject_organisation=application.organisation,
        changes={"letter": letter.reference, "kind": letter.kind, "appeal": letter.appeal_id, "sha256": digest},
    )


def unfinished_appeal_letters() -> list[int]:
    """Appeal letters never made, failed fewer than MAX_ATTEMPTS times, or made but the county never
    told, created long enough ago that the task sent after the commit should have run."""
    return APPEAL_LETTER.unfinished(AppealLetter.objects.all(), since="created_at")


# --- E-mail to the county ---------------------------------------------------------------------


def appeal_letter_url(letter: AppealLetter) -> str:
    """The county's page of the decision, where the letter is listed (after logging in)."""
    decision = letter.appeal.decision
    return settings.SITE_URL + reverse("decision_view", args=[decision.case.application_id, decision.pk])


def applied_amount(appeal: Appeal) -> str:
    """The amount the county applied for, as ``kr 1 500 000``; empty without a submission."""
    submission = appeal.case.application.current_submission()
    return kr(submission.total) if submission is not None else ""


def appeal_letter_message(letter: AppealLetter) -> EmailMessage:
    """The e-mail that the letter is ready, in the county's written standard; the PDF is not attached."""
    application = letter.appeal.case.application
    county = application.organisation
    context = {
        "letter": letter,
        "appeal": letter.appeal,
        "application": application,
        "title": TITLES[letter.kind],
        "is_dismissal": letter.kind == Kind.DISMISSAL,
        "deadline": letter.appeal_deadline if letter.kind == Kind.DISMISSAL else None,
        "amount": applied_amount(letter.appeal),
        "url": appeal_letter_url(letter),
    }
    to = recipients(county, confirmers=True, mailbox=True, extra=[application.contact_email])
    return compose(EMAIL, to=to, context=context, language=county.written_standard or "nb")


def _notify_once(letter_id: int) -> None:
    letter = _load(letter_id)
    if letter.status != Status.READY or letter.notified_at is not None:
        return
    if letter.kind == Kind.FORWARDING:
        forwarding_notify(letter)
        return
    message = appeal_letter_message(letter)  # what can fail before sending is done before the claim

    def send() -> None:
        if message.to:
            message.send()
        else:
            log.warning("Appeal letter %s has nobody in the county to tell", letter.pk)

    send_once(AppealLetter.objects.filter(pk=letter.pk, status=Status.READY), "notified_at", send)


def forwarding_notify(letter: AppealLetter) -> bool:
    """The county told that its appeal went to the ministry, with its copy of the forwarding letter:
    once per appeal, claimed on ``Appeal.forwarded_notified_at`` (grants.appeal_notices); the letter is
    then marked as told. True when this run sent."""
    message = appeal_letter_message(letter)
    rows = Appeal.objects.filter(pk=letter.appeal_id, forwarded_at__isnull=False)
    sent = send_message_once(rows, "forwarded_notified_at", message)
    AppealLetter.objects.filter(pk=letter.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    return sent
