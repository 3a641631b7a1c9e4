"""Repayment claims: IMDi's pages from the prior notice to the recorded repayment, and the county's
view of a claim, where it comments on the notice. Each view fetches through ``reporting.access``,
calls one service and renders or redirects; a refused action is shown on the page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.access import get_imdi_decision_for
from grants.permissions import can_view_cases, can_work_cases
from grants.services.budget import budget_holders
from portal import audit
from portal.audit import Actor
from portal.files import serve_file
from portal.formats import kr
from portal.models import IMDI_ROLES
from portal.rules import Refused
from reporting import permissions, services
from reporting.access import get_claim_for, get_imdi_claim_for
from reporting.forms.repayments import (
    RepaymentCancelForm,
    RepaymentClaimForm,
    RepaymentCommentForm,
    RepaymentInterestForm,
    RepaymentNoticeForm,
    RepaymentRecordForm,
    RepaymentSendBackForm,
    RepaymentSetOffForm,
)
from reporting.models import OPEN_CLAIM_STATES, AnnualReport, RepaymentClaim, earliest_comment_deadline

# --- IMDi: the prior notice -------------------------------------------------------------------


def _notice_initial(report: AnnualReport | None) -> tuple[dict, object]:
    """The form's first values, prefilled with the unused amount of the approved report (unless it
    was carried over), and that amount."""
    unused = report.unused() if report is not None and report.carry_over_or_none is None else None
    initial = {"comment_deadline": earliest_comment_deadline()}
    if unused:
        initial.update({"amount": unused, "reason": RepaymentClaim.Reason.UNUSED})
    return initial, unused


def _notice_sent(request, decision, form) -> RepaymentClaim:
    data = form.cleaned_data
    claim = services.repayment_notice(
        actor=Actor.from_request(request),
        decision_id=decision.pk,
        reason=data["reason"],
        amount=data["amount"],
        explanation=data["explanation"],
        comment_deadline=data["comment_deadline"],
    )
    messages.success(
        request,
        _("Forhåndsvarselet %(reference)s er sendt til %(org)s. Fristen for merknader er %(date)s.")
        % {
            "reference": claim.reference,
            "org": decision.case.application.organisation.name,
            "date": claim.comment_deadline.strftime("%d.%m.%Y"),
        },
    )
    return claim


@require_http_methods(["GET", "POST"])
def repayment_create(request, pk: int):
    """Prior notice of a claim on a decision, prefilled with the unused amount of its approved report."""
    membership = request.membership
    decision = get_imdi_decision_for(membership, pk, write=request.method == "POST")
    report = AnnualReport.objects.filter(decision=decision, state=AnnualReport.State.APPROVED).first()
    initial, unused = _notice_initial(report)
    open_claim = decision.repayment_claims.filter(state__in=OPEN_CLAIM_STATES).first()
    form = RepaymentNoticeForm(request.POST or None, initial=initial, paid=decision.paid)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            claim = _notice_sent(request, decision, form)
        except Refused as refused:
            error = str(refused)
        else:
            return redirect("repayment_detail", claim.pk)
    context = {
        "decision": decision,
        "case": decision.case,
        "report": report,
        "unused": unused,
        "open_claim": open_claim,
        "form": form,
        "error": error,
        "work": bool(can_work_cases(membership)),
        "allowed": permissions.can_give_notice(membership, request.user, decision),
        "repaid_before": services.repaid_before(decision),
    }
    return render(request, "reporting/repayments/create.html", context)


# --- IMDi: the claims -------------------------------------------------------------------------


@require_GET
def repayment_list(request):
    """Open claims: those claimed, by due date, then the notices, by their comment deadline."""
    can_view_cases(request.membership).or_403()
    claims = list(
        RepaymentClaim.objects.filter(state__in=OPEN_CLAIM_STATES)
        .select_related("case__application__organisation", "case__call")
        .annotate(
            claimed_first=Case(
                When(state=RepaymentClaim.State.CLAIMED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("claimed_first", "due_date", "comment_deadline", "pk")
    )
    today = timezone.localdate()
    for claim in claims:
        claim.ready = claim.ready_to_claim(today)
        claim.late = claim.state == RepaymentClaim.State.CLAIMED and claim.due_date < today
    total = sum((claim.amount for claim in claims if claim.state == RepaymentClaim.State.CLAIMED), 0)
    context = {"claims": claims, "today": today, "claimed_total": total}
    return render(request, "reporting/repayments/list.html", context)


def _claim_events(claim: RepaymentClaim):
    return audit.history_for(claim.case.application).filter(action__startswith="repayment.", changes__claim=claim.pk)


def _claim_initial(claim: RepaymentClaim) -> dict:
    """The amount of the notice, a due date 30 days ahead, and the account number of the last claim."""
    last = (
        RepaymentClaim.objects.exclude(account_number="")
        .order_by("-claimed_at")
        .values_list("account_number", flat=True)
    ).first()
    return {
        "amount": claim.amount,
        "due_date": timezone.localdate() + dt.timedelta(days=30),
        "account_number": last or "",
    }


def _holders(claim: RepaymentClaim) -> list:
    """Who may approve the proposed claim: budget holders of the scheme whose limit covers it, the
    proposer left out."""
    if claim.state != RepaymentClaim.State.CLAIM_PROPOSED:
        return []
    return [u for u in budget_holders(claim.case.call.scheme_id, claim.amount) if u.pk != claim.proposed_by_id]


def _forms(claim: RepaymentClaim, payments: list, forms: dict) -> dict:
    """The claim page's forms, each bound to what was posted if it was."""
    return {
        "claim_form": forms.get("claim_form")
        or RepaymentClaimForm(prefix="krav", claim=claim, initial=_claim_initial(claim)),
        "record_form": forms.get("record_form") or RepaymentRecordForm(prefix="betalt", claim=claim),
        "cancel_form": forms.get("cancel_form") or RepaymentCancelForm(prefix="frafall"),
        "send_back_form": forms.get("send_back_form") or RepaymentSendBackForm(prefix="tilbake"),
        "set_off_form": forms.get("set_off_form")
        or RepaymentSetOffForm(prefix="motregning", claim=claim, payments=payments),
        "interest_form": forms.get("interest_form") or RepaymentInterestForm(prefix="renter"),
    }


def _render_claim(request, claim, *, error="", status=200, **forms):
    membership, user = request.membership, request.user
    payments = list(services.set_off_candidates(claim)) if claim.state == RepaymentClaim.State.CLAIMED else []
    context = {
        "claim": claim,
        "case": claim.case,
        "application": claim.case.application,
        "decision": claim.decision,
        "work": bool(can_work_cases(membership)),
        "may_claim": permissions.can_claim(membership, user, claim),
        "may_approve": permissions.can_approve_claim(membership, user, claim),
        "may_send_back": permissions.can_send_back_claim(membership, user, claim),
        "may_record": permissions.can_record(membership, user, claim),
        "may_set_off": permissions.can_set_off(membership, user, claim),
        "may_record_interest": permissions.can_record_interest(membership, user, claim),
        "may_cancel": permissions.can_cancel(membership, user, claim),
        "holders": _holders(claim),
        "payments": payments,
        "set_offs": list(claim.set_offs.select_related("payment", "recorded_by")),
        "ready": claim.ready_to_claim(),
        **_forms(claim, payments, forms),
        "events": _claim_events(claim),
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "reporting/repayments/detail.html", context, status=status)


@require_GET
def repayment_detail(request, pk: int):
    return _render_claim(request, get_imdi_claim_for(request.membership, pk))


@require_POST
def repayment_claim_create(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    form = RepaymentClaimForm(request.POST, prefix="krav", claim=claim)
    if not form.is_valid():
        return _render_claim(request, claim, claim_form=form)
    data = form.cleaned_data
    try:
        claim = services.repayment_claim(
            actor=Actor.from_request(request),
            claim_id=claim.pk,
            due_date=data["due_date"],
            account_number=data["account_number"],
            amount=data["amount"],
        )
    except Refused as refused:
        return _render_claim(request, claim, claim_form=form, error=str(refused))
    messages.success(
        request,
        _("Kravet %(reference)s på %(amount)s er sendt til godkjenning hos en budsjettdisponent.")
        % {"reference": claim.reference, "amount": kr(claim.amount)},
    )
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_approve(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    try:
        claim = services.repayment_approve(actor=Actor.from_request(request), claim_id=claim.pk)
    except Refused as refused:
        return _render_claim(request, claim, error=str(refused))
    messages.success(
        request,
        _(
            "Kravet %(reference)s på %(amount)s er godkjent og sendt. Kravbrevet er lagret, og fylkeskommunen får "
            "beskjed."
        )
        % {"reference": claim.reference, "amount": kr(claim.amount)},
    )
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_send_back(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    form = RepaymentSendBackForm(request.POST, prefix="tilbake")
    if not form.is_valid():
        return _render_claim(request, claim, send_back_form=form)
    try:
        claim = services.repayment_send_back(
            actor=Actor.from_request(request), claim_id=claim.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_claim(request, claim, send_back_form=form, error=str(refused))
    messages.success(request, _("Kravet %(reference)s er sendt tilbake.") % {"reference": claim.reference})
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_set_off(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    payments = list(services.set_off_candidates(claim))
    form = RepaymentSetOffForm(request.POST, prefix="motregning", claim=claim, payments=payments)
    if not form.is_valid():
        return _render_claim(request, claim, set_off_form=form)
    data = form.cleaned_data
    try:
        set_off = services.repayment_set_off(
            actor=Actor.from_request(request), claim_id=claim.pk, payment_id=data["payment"], amount=data["amount"]
        )
    except Refused as refused:
        return _render_claim(request, claim, set_off_form=form, error=str(refused))
    messages.success(
        request,
        _("%(amount)s er motregnet i utbetalingen %(payment)s.")
        % {"amount": kr(set_off.amount), "payment": set_off.payment.reference},
    )
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_interest_paid(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    form = RepaymentInterestForm(request.POST, prefix="renter")
    if not form.is_valid():
        return _render_claim(request, claim, interest_form=form)
    try:
        claim = services.repayment_interest_paid(
            actor=Actor.from_request(request), claim_id=claim.pk, paid_on=form.cleaned_data["paid_on"]
        )
    except Refused as refused:
        return _render_claim(request, claim, interest_form=form, error=str(refused))
    messages.success(
        request, _("Forsinkelsesrentene på %(interest)s er registrert som betalt.") % {"interest": kr(claim.interest)}
    )
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_record(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    form = RepaymentRecordForm(request.POST, prefix="betalt", claim=claim)
    if not form.is_valid():
        return _render_claim(request, claim, record_form=form)
    try:
        claim = services.repayment_record(
            actor=Actor.from_request(request),
            claim_id=claim.pk,
            repaid_on=form.cleaned_data["repaid_on"],
            amount=form.cleaned_data["amount"],
        )
    except Refused as refused:
        return _render_claim(request, claim, record_form=form, error=str(refused))
    messages.success(request, _("Tilbakebetalingen på %(amount)s er registrert.") % {"amount": kr(claim.repaid_amount)})
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_cancel(request, pk: int):
    claim = get_imdi_claim_for(request.membership, pk, write=True)
    form = RepaymentCancelForm(request.POST, prefix="frafall")
    if not form.is_valid():
        return _render_claim(request, claim, cancel_form=form)
    try:
        claim = services.repayment_cancel(
            actor=Actor.from_request(request), claim_id=claim.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_claim(request, claim, cancel_form=form, error=str(refused))
    messages.success(request, _("Kravet %(reference)s er frafalt.") % {"reference": claim.reference})
    return redirect("repayment_detail", claim.pk)


def _letter_response(claim: RepaymentClaim):
    if claim.letter_status != RepaymentClaim.LetterStatus.ISSUED or not claim.letter:
        raise Http404
    return serve_file(claim.letter, filename=f"{claim.reference}.pdf", content_type="application/pdf", inline=True)


@require_GET
def repayment_letter_imdi(request, pk: int):
    return _letter_response(get_imdi_claim_for(request.membership, pk))


# --- The county -------------------------------------------------------------------------------


def _render_county(request, claim, *, form=None, error="", status=200):
    membership = request.membership
    context = {
        "claim": claim,
        "application": claim.case.application,
        "decision": claim.decision,
        "comment": permissions.can_comment(membership, claim),
        "comments_open": claim.comments_open(),
        "is_imdi": membership.role in IMDI_ROLES,
        "form": form or RepaymentCommentForm(),
        "error": error,
    }
    return render(request, "reporting/repayments/county.html", context, status=status)


@require_http_methods(["GET", "POST"])
def repayment_view(request, pk: int, claim_pk: int):
    """The county's view of a claim on its grant; POST sends its comments on the prior notice."""
    claim = get_claim_for(request.membership, pk, claim_pk, write=request.method == "POST")
    if request.method == "GET":
        return _render_county(request, claim)
    form = RepaymentCommentForm(request.POST)
    if not form.is_valid():
        return _render_county(request, claim, form=form)
    try:
        services.repayment_comment(
            actor=Actor.from_request(request), claim_id=claim.pk, comment=form.cleaned_data["comment"]
        )
    except Refused as refused:
        return _render_county(request, claim, form=form, error=str(refused))
    messages.success(request, _("Merknadene er sendt til IMDi."))
    return redirect("repayment_view", pk, claim.pk)


@require_GET
def repayment_letter(request, pk: int, claim_pk: int):
    return _letter_response(get_claim_for(request.membership, pk, claim_pk))
