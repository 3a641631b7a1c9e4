"""IMDi's review of the annual reports: the list (those waiting for IMDi first, and the grants whose
report is overdue), and one report to assess: approve it, with the carry-over, or return it."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, IntegerField, Sum, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grants.models import Call
from grants.permissions import can_view_cases, can_work_cases
from portal.audit import Actor
from portal.formats import kr
from portal.rules import Refused
from reporting import permissions, services
from reporting.access import get_imdi_report_for
from reporting.forms.review import OVERDUE, ReportApproveForm, ReportFilterForm, ReportReturnForm
from reporting.models import AnnualReport, overdue_reports
from reporting.views.reports import summary_context


def _reports(call: Call | None, state: str | None, now) -> list[AnnualReport]:
    """Reports by state, those waiting for IMDi first, with their unused amount."""
    queryset = AnnualReport.objects.select_related(
        "decision", "application", "application__organisation", "application__call"
    ).annotate(
        spent=Sum("lines__spent"),
        priority=Case(
            When(state=AnnualReport.State.SUBMITTED, then=Value(0)),
            When(state=AnnualReport.State.RETURNED, then=Value(1)),
            When(state=AnnualReport.State.DRAFT, then=Value(2)),
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
        report.overdue = (
            report.state in (AnnualReport.State.DRAFT, AnnualReport.State.RETURNED) and report.deadline < now
        )
    return reports


def _overdue(call: Call | None, now) -> list:
    """The accepted grants whose report is overdue, with or without a report started."""
    decisions = overdue_reports(now).select_related("case__application__organisation", "case__call", "annual_report")
    if call is not None:
        decisions = decisions.filter(case__call=call)
    overdue = list(decisions.order_by("report_deadline", "pk"))
    for decision in overdue:
        try:
            decision.report = decision.annual_report  # selected above: no query
        except AnnualReport.DoesNotExist:
            decision.report = None
    return overdue


@require_GET
def report_list(request):
    """Reports by state, those waiting for IMDi first; and the accepted grants whose report is
    overdue (with or without a report started)."""
    can_view_cases(request.membership).or_403()
    form = ReportFilterForm(request.GET or None, calls=Call.objects.order_by("-year", "title"))
    call = state = None
    if form.is_valid():
        call, state = form.cleaned_data["call"], form.cleaned_data["state"]
    now = timezone.now()
    context = {
        "form": form,
        "reports": _reports(call, state, now) if state != OVERDUE else [],
        "overdue": _overdue(call, now) if not state or state == OVERDUE else [],
        "show_reports": state != OVERDUE,
        "show_overdue": not state or state == OVERDUE,
    }
    return render(request, "reporting/review/list.html", context)


def _render_assess(request, report, *, approve_form=None, return_form=None, error="", status=200):
    membership = request.membership
    summary = summary_context(report)
    unused = summary["unused"]
    to_year = report.application.call.year + 1
    offer = unused > 0 and report.carry_over_requested and report.application.runs_past_year
    carry = report.carry_over_or_none
    claims = list(report.decision.repayment_claims.order_by("-notice_sent_at", "-pk"))
    open_claim = next((c for c in claims if c.is_open), None)
    context = {
        **summary,
        "summary": summary,
        "application": report.application,
        "case_id": report.case_id,
        "assess": permissions.can_assess_report(membership, request.user, report),
        "work": bool(can_work_cases(membership)),
        "approve_form": approve_form
        or ReportApproveForm(prefix="godkjenn", unused=unused, to_year=to_year, offer_carry_over=offer),
        "return_form": return_form or ReportReturnForm(prefix="retur"),
        "offer_carry_over": offer,
        "to_year": to_year,
        "carry": carry,
        "carry_note": services.carry_over_note(carry),
        "claims": claims,
        "open_claim": open_claim,
        "suggest_claim": report.state == AnnualReport.State.APPROVED
        and unused > 0
        and carry is None
        and not open_claim,
        "error": error,
    }
    return render(request, "reporting/review/assess.html", context, status=status)


@require_GET
def report_assess(request, pk: int):
    return _render_assess(request, get_imdi_report_for(request.membership, pk))


def _approved_message(report: AnnualReport, unused) -> str:
    carry = report.carry_over_or_none
    if carry is not None:
        return _("Rapporten er godkjent, og overføringen av %(amount)s til %(year)s er godkjent. %(note)s") % {
            "amount": kr(carry.amount),
            "year": carry.to_year,
            "note": services.carry_over_note(carry),
        }
    if unused > 0:
        return _(
            "Rapporten er godkjent. De ubrukte midlene (%(amount)s) er ikke overført: send forhåndsvarsel om "
            "krav om tilbakebetaling."
        ) % {"amount": kr(unused)}
    return _("Rapporten er godkjent.")


@require_POST
def report_approve(request, pk: int):
    """IMDi approves a submitted report (and the carry-over the county asked for, if chosen)."""
    report = get_imdi_report_for(request.membership, pk, write=True)
    unused = report.unused()
    offer = unused > 0 and report.carry_over_requested and report.application.runs_past_year
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
        report = services.report_approve(
            actor=Actor.from_request(request),
            report_id=report.pk,
            note=form.cleaned_data["note"],
            carry_over=offer and form.carry_over,
        )
    except Refused as refused:
        return _render_assess(request, report, approve_form=form, error=str(refused))
    messages.success(request, _approved_message(report, unused))
    return redirect("report_assess", report.pk)


@require_POST
def report_return(request, pk: int):
    report = get_imdi_report_for(request.membership, pk, write=True)
    form = ReportReturnForm(request.POST, prefix="retur")
    if not form.is_valid():
        return _render_assess(request, report, return_form=form)
    try:
        services.report_return(
            actor=Actor.from_request(request), report_id=report.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_assess(request, report, return_form=form, error=str(refused))
    messages.success(
        request,
        _("Rapporten er sendt tilbake til %(org)s med begrunnelsen.") % {"org": report.application.organisation.name},
    )
    return redirect("report_assess", report.pk)
