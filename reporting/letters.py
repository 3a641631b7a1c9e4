"""The letter that claims a grant back (R19): an HTML template (templates/reporting/pdf/claim_letter.html)
rendered by ``portal.pdf`` in the county's written standard, with the same letterhead and stylesheet
as IMDi's decision letters. ``services.repayments.repayment_claim`` renders it once and stores it
with its SHA-256 (``CLAIM_LETTER``, portal.documents); it never changes.

Its legal footing (see ``services.repayments``): a claim under the grant's conditions, not an
enkeltvedtak; the letter says it cannot be appealed under forvaltningsloven § 28 and how to ask IMDi
to look at it again, and states late-payment interest and set-off."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.documents import Document
from portal.formats import OSLO
from portal.letterhead import letterhead
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


def claim_letter_context(claim: RepaymentClaim, *, reference: str, notice_amount=None) -> dict:
    """What the letter shows. ``reference`` ("Vår referanse") is its document number in the case's
    journal; the claim's own reference is what the county marks the payment with. Its date is the day
    the claim is made; ``notice_amount`` is the amount in the prior notice when the claim is for less."""
    case = claim.case
    call = case.call
    grant_letter = claim.decision.letter_or_none
    issued_on = timezone.localdate(claim.claimed_at or timezone.now(), OSLO)
    application = case.application
    commented_on = timezone.localdate(claim.commented_at, OSLO) if claim.commented_at else None
    # "Deres referanse" is the county's own (the application's); "Deres dato" the county's comments
    # on the notice when the letter answers them. The caseworker who proposed the claim is named and
    # signs after the budget holder who approved it.
    return {
        **letterhead(
            owner=call.scheme.owner,
            addressee=application.organisation,
            title=str(TITLE),
            subject=f"{call.scheme.name}: {call.title}",
            reference=reference,
            issued_on=issued_on,
            their_reference=application.their_reference,
            their_date=commented_on,
            caseworker=claim.claimed_by,
            signers=[claim.approved_by, claim.claimed_by],
        ),
        "claim": claim,
        "decision": claim.decision,
        "application": application,
        "county": application.organisation,
        "call": call,
        "scheme": call.scheme,
        "grant_letter": grant_letter,
        "grant_letter_on": timezone.localdate(grant_letter.issued_at, OSLO)
        if grant_letter and grant_letter.issued_at
        else None,
        "notice_on": timezone.localdate(claim.notice_sent_at, OSLO),
        "commented_on": commented_on,
        "notice_amount": notice_amount if notice_amount is not None and notice_amount != claim.amount else None,
    }


def claim_letter_html(claim: RepaymentClaim, *, reference: str, notice_amount=None) -> str:
    language = claim.language or "nb"
    with translation.override(language):  # the title is made here, in the county's written standard
        context = claim_letter_context(claim, reference=reference, notice_amount=notice_amount)
    return render_html(TEMPLATE, context, language=language)


def claim_letter_pdf(claim: RepaymentClaim, *, reference: str, notice_amount=None) -> bytes:
    language = claim.language or "nb"
    html = claim_letter_html(claim, reference=reference, notice_amount=notice_amount)
    return html_to_pdf(html, language=language)
