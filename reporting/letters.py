"""The letter that claims a grant back (R19): an HTML template (templates/reporting/pdf/claim_letter.html)
rendered by ``portal.pdf`` in the county's written standard, with the same letterhead and stylesheet
as IMDi's decision letters. ``services.repayments.repayment_claim`` renders it once and stores it
with its SHA-256 (``CLAIM_LETTER``, portal.documents); it never changes."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.documents import Document
from portal.formats import OSLO
from portal.pdf import html_to_pdf, render_html
from reporting.models import RepaymentClaim

TITLE = _("Krav om tilbakebetaling av tilskudd")
TEMPLATE = "reporting/pdf/claim_letter.html"

# Where a claim keeps its letter. It is made in the request that sends the claim (nothing to sweep
# but the e-mail that says it is there).
CLAIM_LETTER = Document(
    file="letter",
    sha256="letter_sha256",
    status="letter_status",
    ready=RepaymentClaim.LetterStatus.ISSUED,
    failed=RepaymentClaim.LetterStatus.FAILED,
    to_make=(),
    notified="letter_notified_at",
)


def claim_letter_context(claim: RepaymentClaim, *, notice_amount=None) -> dict:
    """What the letter shows. Its date is the day the claim is made; ``notice_amount`` is the amount
    in the prior notice when the claim is for less."""
    case = claim.case
    call = case.call
    grant_letter = claim.decision.letter_or_none
    return {
        "claim": claim,
        "title": TITLE,
        "decision": claim.decision,
        "application": case.application,
        "county": case.application.organisation,
        "call": call,
        "scheme": call.scheme,
        "owner": call.scheme.owner,
        "grant_letter": grant_letter,
        "grant_letter_on": timezone.localdate(grant_letter.issued_at, OSLO)
        if grant_letter and grant_letter.issued_at
        else None,
        "issued_on": timezone.localdate(claim.claimed_at or timezone.now(), OSLO),
        "notice_on": timezone.localdate(claim.notice_sent_at, OSLO),
        "commented_on": timezone.localdate(claim.commented_at, OSLO) if claim.commented_at else None,
        "notice_amount": notice_amount if notice_amount is not None and notice_amount != claim.amount else None,
        "reference": claim.reference,
        "signers": [(claim.claimed_by.full_name if claim.claimed_by else "", _("saksbehandler"))],
    }


def claim_letter_html(claim: RepaymentClaim, *, notice_amount=None) -> str:
    context = claim_letter_context(claim, notice_amount=notice_amount)
    return render_html(TEMPLATE, context, language=claim.language or "nb")


def claim_letter_pdf(claim: RepaymentClaim, *, notice_amount=None) -> bytes:
    language = claim.language or "nb"
    return html_to_pdf(claim_letter_html(claim, notice_amount=notice_amount), language=language)
