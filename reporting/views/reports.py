"""The county's annual report and accounts (R20–R22): the overview with "check your answers" and
the submit button, one page per section, the accounts document and other attachments (uploaded
and downloaded only here, after the access check), the two approvals. IMDi's roles read the
same pages; only the county's own roles change anything."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.access import get_application_for, get_decision_for
from portal.audit import Actor
from portal.files import serve_file
from portal.formats import ZERO
from portal.models import COUNTY_ROLES
from portal.rules import Refused
from portal.uploads import ALLOWED, too_large_fields
from reporting import permissions, services
from reporting.access import get_report_for, report_of
from reporting.forms.reports import (
    AccountsApproveForm,
    AccountsFileForm,
    AccountsForm,
    AttachmentForm,
    ReportTextForm,
    ResultsForm,
)
from reporting.models import RESULT_FIELDS, SECTIONS, TEXT_FIELDS, AccountsApproval, AnnualReport, ReportAttachment

SECTION_TITLES = {
    "report": gettext_lazy("Årsrapporten"),
    "results": gettext_lazy("Resultater"),
    "accounts": gettext_lazy("Regnskapet"),
}


def summary_context(report: AnnualReport) -> dict:
    """What templates/reporting/reports/_summary.html needs to show ``report`` read-only, in a
    constant number of queries (its lines, approvals and attachments: one query each). Fetch the
    report with ``decision`` and ``submitted_by`` selected (``get_report_for`` does)."""
    lines = list(report.lines.select_related("category").order_by("category__order", "category__id"))
    approvals = list(
        AccountsApproval.objects.filter(report=report).select_related("user").order_by("approved_at", "id")
    )
    attachments = list(
        ReportAttachment.objects.filter(report=report, removed_at__isnull=True).order_by("uploaded_at", "id")
    )
    expenses = sum((line.spent for line in lines), ZERO)
    return {
        "report": report,
        "lines": lines,
        "approvals": approvals,
        "attachments": attachments,
        "expenses_total": expenses,
        "budget_total": sum((line.budgeted for line in lines), ZERO),
        "granted_total": sum((line.granted for line in lines), ZERO),
        "unused": report.unused(expenses),
    }


def _progress(done: int, total: int) -> str:
    if done == total:
        return _("Ferdig")
    return _("Påbegynt") if done else _("Ikke påbegynt")


def _sections(report: AnnualReport, summary: dict) -> list[dict]:
    texts = sum(1 for name in TEXT_FIELDS if getattr(report, name).strip())
    results = sum(1 for name in RESULT_FIELDS if getattr(report, name) is not None)
    accounts_filled = bool(summary["expenses_total"] or report.other_income)
    return [
        {"key": "report", "title": SECTION_TITLES["report"], "status": _progress(texts, len(TEXT_FIELDS))},
        {
            "key": "results",
            "title": SECTION_TITLES["results"],
            "status": _progress(results, len(RESULT_FIELDS)),
        },
        {
            "key": "accounts",
            "title": SECTION_TITLES["accounts"],
            "status": _("Fylt ut") if accounts_filled else _("Ikke fylt ut"),
        },
    ]


def _render_overview(request, application, decision, report, *, status: int = 200, **extra):
    membership = request.membership
    context = {
        "application": application,
        "decision": decision,
        "report": report,
        "is_county": membership.role in COUNTY_ROLES,
        "now": timezone.now(),
        "deadline": report.deadline if report is not None else decision.report_deadline,
        **extra,
    }
    if report is None:
        context["start"] = permissions.can_start_report(membership, decision)
        return render(request, "reporting/reports/overview.html", context, status=status)
    summary = summary_context(report)
    approvals = summary["approvals"]
    write = permissions.can_write_report(membership, report)
    approve = permissions.can_approve_accounts(membership, request.user, report, approvals=approvals)
    taken = {a.capacity for a in approvals}
    held = permissions.accounts_capacities(request.user, report) if approve else []
    open_capacities = [value for value in AccountsApproval.Capacity.values if value not in taken and value in held]
    context.update(summary)
    context.update(
        {
            "sections": _sections(report, summary),
            "write": write,
            "approve": approve,
            "submit": permissions.can_submit_report(membership, report, approvals=approvals),
            "missing": permissions.missing_for_submit(report, approvals),
            "deadline_passed": context["now"] > report.deadline,
        }
    )
    if write:
        context.setdefault("accounts_form", AccountsFileForm())
        context.setdefault("attachment_form", AttachmentForm())
    if approve:
        context.setdefault("approve_form", AccountsApproveForm(open_capacities=open_capacities))
    return render(request, "reporting/reports/overview.html", context, status=status)


def _overview_for_report(request, report: AnnualReport, *, status: int = 200, **extra):
    return _render_overview(request, report.application, report.decision, report, status=status, **extra)


def _to_overview(report: AnnualReport):
    return redirect("report_overview", report.application_id, report.decision_id)


@require_http_methods(["GET", "POST"])
def report_overview(request, pk: int, decision_pk: int):
    """The report for one grant decision; POST starts it."""
    membership = request.membership
    application = get_application_for(membership, pk, write=request.method == "POST")
    decision = get_decision_for(membership, application, decision_pk)
    if decision.kind != decision.Kind.GRANT:
        raise Http404
    report = report_of(decision)
    if request.method == "POST":
        try:
            report = services.report_start(actor=Actor.from_request(request), decision_id=decision.pk)
        except Refused as refused:
            return _render_overview(request, application, decision, report, start_error=str(refused))
        messages.success(request, _("Årsrapporten er startet. Fyll ut delene under."))
        return redirect("report_overview", application.pk, decision.pk)
    return _render_overview(request, application, decision, report)


def _section_form(section: str, report: AnnualReport, lines, data=None):
    if section == "report":
        initial = {name: getattr(report, name) for name in TEXT_FIELDS}
        return ReportTextForm(data, initial=initial)
    if section == "results":
        initial = {name: getattr(report, name) for name in RESULT_FIELDS}
        return ResultsForm(data, initial=initial)
    initial = {
        "other_income": report.other_income,
        "carry_over_requested": report.carry_over_requested,
        "carry_over_reason": report.carry_over_reason,
    }
    initial.update({AccountsForm.field_name(line): line.spent for line in lines})
    return AccountsForm(data, initial=initial, report=report, lines=lines)


@require_http_methods(["GET", "POST"])
def report_section(request, pk: int, section: str):
    if section not in SECTIONS:
        raise Http404
    membership = request.membership
    report = get_report_for(membership, pk, write=request.method == "POST")
    write = permissions.can_write_report(membership, report)
    if not write:
        if request.method == "POST":
            return _overview_for_report(request, report, section_error=write.reason)
        messages.info(request, write.reason)
        return _to_overview(report)
    lines = list(report.lines.select_related("category")) if section == "accounts" else []
    form = _section_form(section, report, lines, request.POST if request.method == "POST" else None)
    error = ""
    version = services.report_version(report)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_save(
                actor=Actor.from_request(request),
                report_id=report.pk,
                section=section,
                data=form.cleaned_data,
                version=request.POST.get("version") or None,
            )
        except services.StaleReport as stale:
            error = str(stale)  # the form keeps what was typed; the page now carries the newest version
            report.refresh_from_db()
            version = services.report_version(report)
        except Refused as refused:
            error = str(refused)
        else:
            messages.success(request, _("%(section)s er lagret.") % {"section": SECTION_TITLES[section]})
            return _to_overview(report)
    context = {
        "report": report,
        "application": report.application,
        "section": section,
        "title": SECTION_TITLES[section],
        "form": form,
        "error": error,
        "version": version,
    }
    if section == "accounts":
        context.update(_accounts_figures(report, lines, form))
    return render(request, "reporting/reports/section.html", context)


def _accounts_figures(report: AnnualReport, lines, form: AccountsForm) -> dict:
    """The totals shown under the accounts table: what was typed when the form was valid, else saved."""
    spent = sum((line.spent for line in lines), ZERO)
    expenses = getattr(form, "expenses", spent)
    unused = form.unused if form.unused is not None else report.unused(spent)
    return {
        "rows": form.rows(),
        "budget_total": sum((line.budgeted for line in lines), ZERO),
        "granted_total": sum((line.granted for line in lines), ZERO),
        "expenses_total": expenses,
        "unused": unused,
    }


@require_POST
def report_accounts_upload(request, pk: int):
    report = get_report_for(request.membership, pk, write=True)
    data, files = request.POST, request.FILES  # reading them runs the upload handlers
    form = AccountsFileForm(data, files, too_large="accounts-file" in too_large_fields(request))
    if not form.is_valid():
        return _overview_for_report(request, report, accounts_form=form)
    try:
        services.accounts_file_set(
            actor=Actor.from_request(request),
            report_id=report.pk,
            upload=form.cleaned_data["file"],
            checked=form.checked,
        )
    except Refused as refused:
        return _overview_for_report(request, report, upload_error=str(refused))
    messages.success(
        request,
        _(
            "Regnskapet er lastet opp (%(file)s). Det må godkjennes av prosjektansvarlig i fylkeskommunen og "
            "ansvarlig leder."
        )
        % {"file": form.checked.original_name},
    )
    return _to_overview(report)


@require_GET
def report_accounts_file(request, pk: int):
    report = get_report_for(request.membership, pk)
    if not report.accounts_file:
        raise Http404
    name = report.accounts_file_name or "regnskap"
    content_type = _content_type(name)
    return serve_file(report.accounts_file, filename=name, content_type=content_type)


def _content_type(name: str) -> str:
    ext = name.rpartition(".")[2].lower()
    return ALLOWED.get(ext, "application/octet-stream")


@require_POST
def report_attachment_add(request, pk: int):
    report = get_report_for(request.membership, pk, write=True)
    data, files = request.POST, request.FILES  # reading them runs the upload handlers
    form = AttachmentForm(data, files, too_large="attachment-file" in too_large_fields(request))
    if not form.is_valid():
        return _overview_for_report(request, report, attachment_form=form)
    try:
        attachment = services.attachment_add(
            actor=Actor.from_request(request),
            report_id=report.pk,
            upload=form.cleaned_data["file"],
            checked=form.checked,
            description=form.cleaned_data["description"],
        )
    except Refused as refused:
        return _overview_for_report(request, report, upload_error=str(refused))
    messages.success(request, _("Vedlegget %(file)s er lastet opp.") % {"file": attachment.original_name})
    return _to_overview(report)


@require_GET
def report_attachment(request, pk: int, attachment_pk: int):
    report = get_report_for(request.membership, pk)
    attachment = get_object_or_404(report.attachments, pk=attachment_pk)
    return serve_file(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


@require_POST
def report_attachment_remove(request, pk: int, attachment_pk: int):
    report = get_report_for(request.membership, pk, write=True)
    attachment = get_object_or_404(report.attachments, pk=attachment_pk)
    try:
        services.attachment_remove(actor=Actor.from_request(request), report_id=report.pk, attachment_id=attachment.pk)
    except Refused as refused:
        return _overview_for_report(request, report, upload_error=str(refused))
    messages.success(request, _("Vedlegget %(file)s er fjernet fra rapporten.") % {"file": attachment.original_name})
    return _to_overview(report)


@require_POST
def accounts_approve(request, pk: int):
    """One of the county's two approvals of the accounts."""
    report = get_report_for(request.membership, pk, write=True)
    form = AccountsApproveForm(request.POST)
    if not form.is_valid():
        return _overview_for_report(request, report, approve_form=form)
    try:
        approval = services.accounts_approve(
            actor=Actor.from_request(request), report_id=report.pk, capacity=form.cleaned_data["capacity"]
        )
    except Refused as refused:
        return _overview_for_report(request, report, approve_error=str(refused))
    messages.success(
        request,
        _("Du har godkjent regnskapet som %(capacity)s.") % {"capacity": approval.get_capacity_display().lower()},
    )
    return _to_overview(report)


@require_POST
def report_submit(request, pk: int):
    report = get_report_for(request.membership, pk, write=True)
    try:
        report = services.report_submit(actor=Actor.from_request(request), report_id=report.pk)
    except Refused as refused:
        return _overview_for_report(request, report, submit_error=str(refused))
    if report.is_late:
        messages.warning(
            request,
            _("Årsrapporten og regnskapet er sendt inn til IMDi. De kom etter fristen og er merket som for sene."),
        )
    else:
        messages.success(request, _("Årsrapporten og regnskapet er sendt inn til IMDi."))
    return _to_overview(report)
