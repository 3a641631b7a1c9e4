"""IMDi's follow-up pages: reports to assess (approve, with the carry-over, or return), repayment
claims from prior notice to the recorded repayment, and the county's view of a claim. Each view
fetches through an access helper, calls one service and renders or redirects; a refused action is
shown on the page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.access import can_view_cases, can_work_cases, get_application_for, get_imdi_decision_for
from grants.models import Call
from grants.models import Decision as GrantDecision
from grants.services import Refused
from grants.views.decisions import serve_file
from portal import audit
from portal.audit import Actor
from portal.models import IMDI_ROLES
from portal.templatetags.portal_tags import kr
from reporting import followup, repayments
from reporting.followup_forms import (
    OVERDUE,
    RepaymentCancelForm,
    RepaymentClaimForm,
    RepaymentCommentForm,
    RepaymentNoticeForm,
    RepaymentRecordForm,
    ReportApproveForm,
    ReportFilterForm,
    ReportReturnForm,
)
from reporting.models import AnnualReport, CarryOver, RepaymentClaim
from reporting.reports import get_report_for, summary_context

State = AnnualReport.State
ClaimState = RepaymentClaim.State

# --- IMDi: the reports ------------------------------------------------------------------------


@require_GET
def report_list(request):
    """Reports by state, those waiting for IMDi first; and the accepted grants whose report is
    overdue (with or without a report started)."""
    membership = request.membership
    can_view_cases(membership).or_403()
    calls = Call.objects.order_by("-year", "title")
    form = ReportFilterForm(request.GET or None, calls=calls)
    call = state = None
    if form.is_valid():
        call, state = form.cleaned_data["call"], form.cleaned_data["state"]
    now = timezone.now()
    reports = []
    if state != OVERDUE:
        queryset = AnnualReport.objects.select_related(
            "decision", "application", "application__organisation", "application__call"
        ).annotate(
            spent=Sum("lines__spent"),
            priority=Case(
                When(state=State.SUBMITTED, then=Value(0)),
                When(state=State.RETURNED, then=Value(1)),
                When(state=State.DRAFT, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        if call is not None:
            queryset = queryset.filter(application__call=call)
        if state:
            queryset = queryset.filter(state=state)
        reports = list(queryset.order_by("priority", "submitted_at", "deadline", "pk"))
        for report in reports:
            report.unused_amount = report.unused(report.spent or 0)
            report.overdue = report.state in (State.DRAFT, State.RETURNED) and report.deadline < now
    overdue = []
    if not state or state == OVERDUE:
        decisions = (
            GrantDecision.objects.filter(
                kind=GrantDecision.Kind.GRANT,
                state=GrantDecision.State.APPROVED,
                reversed_at__isnull=True,
                accepted_at__isnull=False,
            )
            .filter(
                Q(annual_report__isnull=True, report_deadline__lt=now)
                | Q(annual_report__state__in=[State.DRAFT, State.RETURNED], annual_report__deadline__lt=now)
            )
            .select_related("case__application__organisation", "case__call", "annual_report")
        )
        if call is not None:
            decisions = decisions.filter(case__call=call)
        overdue = list(decisions.order_by("report_deadline", "pk"))
        for decision in overdue:
            try:
                decision.report = decision.annual_report  # selected above: no query
            except AnnualReport.DoesNotExist:
                decision.report = None
    return render(
        request,
        "reporting/followup/report_list.html",
        {
            "form": form,
            "reports": reports,
            "overdue": overdue,
            "show_reports": state != OVERDUE,
            "show_overdue": not state or state == OVERDUE,
        },
    )


def _imdi_report(request, pk: int, *, write: bool = False) -> AnnualReport:
    membership = request.membership
    can_view_cases(membership).or_403()  # IMDi's page: a county's own role reads its report elsewhere
    report = get_report_for(membership, pk)
    if write:
        can_work_cases(membership).or_403()
    return report


def _carry_over_of(report: AnnualReport) -> CarryOver | None:
    try:
        return report.carry_over
    except CarryOver.DoesNotExist:
        return None


def _render_assess(request, report, *, approve_form=None, return_form=None, error="", status=200):
    membership = request.membership
    summary = summary_context(report)
    unused = summary["unused"]
    to_year = report.application.call.year + 1
    offer = unused > 0 and report.carry_over_requested
    decision = followup.can_assess_report(membership, request.user, report)
    carry = _carry_over_of(report)
    claims = list(report.decision.repayment_claims.order_by("-notice_sent_at", "-pk"))
    open_claim = next((c for c in claims if c.state in repayments.OPEN_STATES), None)
    context = {
        **summary,
        "summary": summary,
        "application": report.application,
        "case_id": report.case_id,
        "assess": decision,
        "work": bool(can_work_cases(membership)),
        "approve_form": approve_form
        or ReportApproveForm(prefix="godkjenn", unused=unused, to_year=to_year, offer_carry_over=offer),
        "return_form": return_form or ReportReturnForm(prefix="retur"),
        "offer_carry_over": offer,
        "to_year": to_year,
        "carry": carry,
        "carry_note": followup.carry_over_note(carry),
        "claims": claims,
        "open_claim": open_claim,
        "suggest_claim": report.state == State.APPROVED and unused > 0 and carry is None and not open_claim,
        "error": error,
    }
    return render(request, "reporting/followup/report_assess.html", context, status=status)


@require_GET
def report_assess(request, pk: int):
    return _render_assess(request, _imdi_report(request, pk))


@require_POST
def report_approve_imdi(request, pk: int):
    report = _imdi_report(request, pk, write=True)
    unused = report.unused()
    offer = unused > 0 and report.carry_over_requested
    form = ReportApproveForm(
        request.POST,
        prefix="godkjenn",
        unused=unused,
        to_year=report.application.call.year + 1,
        offer_carry_over=offer,
    )
    if not form.is_valid():
        return _render_assess(request, report, approve_form=form)
    try:
        report = followup.report_approve(
            actor=Actor.from_request(request),
            report_id=report.pk,
            note=form.cleaned_data["note"],
            carry_over=offer and form.carry_over,
        )
    except Refused as refused:
        return _render_assess(request, report, approve_form=form, error=str(refused))
    carry = _carry_over_of(report)
    if carry is not None:
        messages.success(
            request,
            _("Rapporten er godkjent, og overføringen av %(amount)s til %(year)s er godkjent. %(note)s")
            % {"amount": kr(carry.amount), "year": carry.to_year, "note": followup.carry_over_note(carry)},
        )
    elif unused > 0:
        messages.success(
            request,
            _(
                "Rapporten er godkjent. De ubrukte midlene (%(amount)s) er ikke overført: send forhåndsvarsel om "
                "krav om tilbakebetaling."
            )
            % {"amount": kr(unused)},
        )
    else:
        messages.success(request, _("Rapporten er godkjent."))
    return redirect("report_assess", report.pk)


@require_POST
def report_return(request, pk: int):
    report = _imdi_report(request, pk, write=True)
    form = ReportReturnForm(request.POST, prefix="retur")
    if not form.is_valid():
        return _render_assess(request, report, return_form=form)
    try:
        followup.report_return(
            actor=Actor.from_request(request), report_id=report.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_assess(request, report, return_form=form, error=str(refused))
    messages.success(
        request,
        _("Rapporten er sendt tilbake til %(org)s med begrunnelsen.") % {"org": report.application.organisation.name},
    )
    return redirect("report_assess", report.pk)


# --- IMDi: repayment claims -------------------------------------------------------------------


def _approved_report(decision: GrantDecision) -> AnnualReport | None:
    return AnnualReport.objects.filter(decision=decision, state=State.APPROVED).first()


@require_http_methods(["GET", "POST"])
def repayment_create(request, pk: int):
    """Prior notice of a claim on a decision, prefilled with the unused amount of its approved report."""
    membership = request.membership
    decision = get_imdi_decision_for(membership, pk, write=request.method == "POST")
    report = _approved_report(decision)
    unused = report.unused() if report is not None and _carry_over_of(report) is None else None
    open_claim = decision.repayment_claims.filter(state__in=repayments.OPEN_STATES).first()
    initial = {"comment_deadline": repayments.earliest_comment_deadline()}
    if unused:
        initial.update({"amount": unused, "reason": RepaymentClaim.Reason.UNUSED})
    form = RepaymentNoticeForm(request.POST or None, initial=initial, paid=decision.paid)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = repayments.repayment_notice(
                actor=Actor.from_request(request),
                decision_id=decision.pk,
                reason=data["reason"],
                amount=data["amount"],
                explanation=data["explanation"],
                comment_deadline=data["comment_deadline"],
            )
        except Refused as refused:
            error = str(refused)
        else:
            messages.success(
                request,
                _("Forhåndsvarselet %(reference)s er sendt til %(org)s. Fristen for merknader er %(date)s.")
                % {
                    "reference": claim.reference,
                    "org": decision.case.application.organisation.name,
                    "date": claim.comment_deadline.strftime("%d.%m.%Y"),
                },
            )
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
        "allowed": repayments.can_give_notice(membership, request.user, decision),
        "repaid_before": repayments.repaid_before(decision),
    }
    return render(request, "reporting/followup/repayment_create.html", context)


@require_GET
def repayment_list(request):
    """Open claims: those claimed, by due date, then the notices, by their comment deadline."""
    can_view_cases(request.membership).or_403()
    claims = list(
        RepaymentClaim.objects.filter(state__in=repayments.OPEN_STATES)
        .select_related("case__application__organisation", "case__call")
        .annotate(
            claimed_first=Case(
                When(state=ClaimState.CLAIMED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("claimed_first", "due_date", "comment_deadline", "pk")
    )
    today = timezone.localdate()
    for claim in claims:
        claim.ready = repayments.ready_to_claim(claim, today)
        claim.late = claim.state == ClaimState.CLAIMED and claim.due_date < today
    total = sum((claim.amount for claim in claims if claim.state == ClaimState.CLAIMED), 0)
    return render(
        request, "reporting/followup/repayment_list.html", {"claims": claims, "today": today, "claimed_total": total}
    )


def _imdi_claim(request, pk: int, *, write: bool = False) -> RepaymentClaim:
    membership = request.membership
    can_view_cases(membership).or_403()
    claim = get_object_or_404(
        RepaymentClaim.objects.select_related(
            "case",
            "case__application",
            "case__application__organisation",
            "case__call",
            "decision",
            "report",
            "notice_sent_by",
            "commented_by",
            "claimed_by",
            "repaid_recorded_by",
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return claim


def _claim_events(claim: RepaymentClaim):
    return audit.history_for(claim.case.application).filter(action__startswith="repayment.", changes__claim=claim.pk)


def _render_claim(request, claim, *, claim_form=None, record_form=None, cancel_form=None, error="", status=200):
    membership, user = request.membership, request.user
    context = {
        "claim": claim,
        "case": claim.case,
        "application": claim.case.application,
        "decision": claim.decision,
        "work": bool(can_work_cases(membership)),
        "may_claim": repayments.can_claim(membership, user, claim),
        "may_record": repayments.can_record(membership, user, claim),
        "may_cancel": repayments.can_cancel(membership, user, claim),
        "ready": repayments.ready_to_claim(claim),
        "claim_form": claim_form or RepaymentClaimForm(prefix="krav", claim=claim, initial=_claim_initial(claim)),
        "record_form": record_form or RepaymentRecordForm(prefix="betalt", claim=claim),
        "cancel_form": cancel_form or RepaymentCancelForm(prefix="frafall"),
        "events": _claim_events(claim),
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "reporting/followup/repayment_detail.html", context, status=status)


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


@require_GET
def repayment_detail(request, pk: int):
    return _render_claim(request, _imdi_claim(request, pk))


@require_POST
def repayment_claim_create(request, pk: int):
    claim = _imdi_claim(request, pk, write=True)
    form = RepaymentClaimForm(request.POST, prefix="krav", claim=claim)
    if not form.is_valid():
        return _render_claim(request, claim, claim_form=form)
    data = form.cleaned_data
    try:
        claim = repayments.repayment_claim(
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
        _("Kravet %(reference)s på %(amount)s er sendt. Kravbrevet er lagret, og fylkeskommunen får beskjed.")
        % {"reference": claim.reference, "amount": kr(claim.amount)},
    )
    return redirect("repayment_detail", claim.pk)


@require_POST
def repayment_record(request, pk: int):
    claim = _imdi_claim(request, pk, write=True)
    form = RepaymentRecordForm(request.POST, prefix="betalt", claim=claim)
    if not form.is_valid():
        return _render_claim(request, claim, record_form=form)
    try:
        claim = repayments.repayment_record(
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
    claim = _imdi_claim(request, pk, write=True)
    form = RepaymentCancelForm(request.POST, prefix="frafall")
    if not form.is_valid():
        return _render_claim(request, claim, cancel_form=form)
    try:
        claim = repayments.repayment_cancel(
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
    return _letter_response(_imdi_claim(request, pk))


# --- The county -------------------------------------------------------------------------------


def _county_claim(request, pk: int, claim_pk: int, *, write: bool = False) -> RepaymentClaim:
    """A claim on one of the membership's applications; another county's is a 404 (IMDi's roles
    read it too, and only the county writes)."""
    application = get_application_for(request.membership, pk, write=write)
    claim = get_object_or_404(
        RepaymentClaim.objects.select_related(
            "case", "case__application", "case__application__organisation", "case__call", "decision", "commented_by"
        ),
        pk=claim_pk,
        case__application=application,
    )
    return claim


def _render_county(request, claim, *, form=None, error="", status=200):
    membership = request.membership
    decision = repayments.can_comment(membership, claim)
    context = {
        "claim": claim,
        "application": claim.case.application,
        "decision": claim.decision,
        "comment": decision,
        "comments_open": repayments.comments_open(claim),
        "is_imdi": membership.role in IMDI_ROLES,
        "form": form or RepaymentCommentForm(),
        "error": error,
    }
    return render(request, "reporting/followup/repayment_view.html", context, status=status)


@require_http_methods(["GET", "POST"])
def repayment_view(request, pk: int, claim_pk: int):
    claim = _county_claim(request, pk, claim_pk, write=request.method == "POST")
    if request.method == "GET":
        return _render_county(request, claim)
    form = RepaymentCommentForm(request.POST)
    if not form.is_valid():
        return _render_county(request, claim, form=form)
    try:
        repayments.repayment_comment(
            actor=Actor.from_request(request), claim_id=claim.pk, comment=form.cleaned_data["comment"]
        )
    except Refused as refused:
        return _render_county(request, claim, form=form, error=str(refused))
    messages.success(request, _("Merknadene er sendt til IMDi."))
    return redirect("repayment_view", pk, claim.pk)


@require_GET
def repayment_letter(request, pk: int, claim_pk: int):
    return _letter_response(_county_claim(request, pk, claim_pk))


urlpatterns = [
    path("imdi/rapporter/", report_list, name="report_list"),
    path("imdi/rapporter/<int:pk>/", report_assess, name="report_assess"),
    path("imdi/rapporter/<int:pk>/godkjenn/", report_approve_imdi, name="report_approve_imdi"),
    path("imdi/rapporter/<int:pk>/send-tilbake/", report_return, name="report_return"),
    path("imdi/vedtak/<int:pk>/tilbakebetaling/", repayment_create, name="repayment_create"),
    path("imdi/tilbakebetalinger/", repayment_list, name="repayment_list"),
    path("imdi/tilbakebetalinger/<int:pk>/", repayment_detail, name="repayment_detail"),
    path("imdi/tilbakebetalinger/<int:pk>/krav/", repayment_claim_create, name="repayment_claim_create"),
    path("imdi/tilbakebetalinger/<int:pk>/betalt/", repayment_record, name="repayment_record"),
    path("imdi/tilbakebetalinger/<int:pk>/frafall/", repayment_cancel, name="repayment_cancel"),
    path("imdi/tilbakebetalinger/<int:pk>/brev/", repayment_letter_imdi, name="repayment_letter_imdi"),
    path("soknader/<int:pk>/tilbakebetaling/<int:claim_pk>/", repayment_view, name="repayment_view"),
    path("soknader/<int:pk>/tilbakebetaling/<int:claim_pk>/brev/", repayment_letter, name="repayment_letter"),
]
