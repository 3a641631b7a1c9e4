"""The letter that claims a grant back (R19): an HTML template rendered by WeasyPrint in the
county's written standard, with the same letterhead and stylesheet as IMDi's decision letters and a
URL fetcher that reads only the project's static files. ``reporting.repayments.repayment_claim``
renders it once, stores it with its SHA-256 and never changes it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML

from grants.letters import PDF_OPTIONS, StaticFilesOnly
from grants.models import Letter
from reporting.models import RepaymentClaim

OSLO = ZoneInfo("Europe/Oslo")
TITLE = _("Krav om tilbakebetaling av tilskudd")


def _grant_letter(claim: RepaymentClaim) -> Letter | None:
    try:
        return claim.decision.letter
    except Letter.DoesNotExist:
        return None


def claim_letter_context(claim: RepaymentClaim, *, notice_amount=None) -> dict:
    """What the letter shows. Its date is the day the claim is made; ``notice_amount`` is the amount
    in the prior notice when the claim is for less."""
    case = claim.case
    application = case.application
    call = case.call
    grant_letter = _grant_letter(claim)
    return {
        "claim": claim,
        "title": TITLE,
        "decision": claim.decision,
        "application": application,
        "county": application.organisation,
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
    with translation.override(claim.language or "nb"), timezone.override(OSLO):
        return render_to_string("reporting/claim_letter.html", claim_letter_context(claim, notice_amount=notice_amount))


def claim_letter_pdf(claim: RepaymentClaim, *, notice_amount=None) -> bytes:
    fetcher = StaticFilesOnly()
    base_url = fetcher.roots[0].as_uri() + "/"  # the template links "grants/letter.css"
    html = claim_letter_html(claim, notice_amount=notice_amount)
    with translation.override(claim.language or "nb"):
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(**PDF_OPTIONS)
