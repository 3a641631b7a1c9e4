"""The county's annual report and accounts (R20–R22): the overview with "check your answers" and
the submit button, one page per section, the accounts document and other attachments (uploaded
and downloaded only here, after the access check), the two approvals. IMDi's roles read the
same pages; only the county's own roles change anything."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.access import get_application_for, get_decision_for
from grants.services import Refused
from grants.views.decisions import serve_file
from portal.audit import Actor
from portal.models import COUNTY_ROLES
from portal.uploads import too_large_fields
from reporting import reports
from reporting.models import AnnualReport
from reporting.report_forms import (
    AccountsFileForm,
    AccountsForm,
    ApproveForm,
    AttachmentForm,
    ReportTextForm,
    ResultsForm,
)

SECTION_TITLES = {
    "report": gettext_lazy("Årsrapporten"),
    "results": gettext_lazy("Resultater"),
    "accounts": gettext_lazy("Regnskapet"),
}


def _report_of(decision) -> AnnualReport | None:
    return (
        AnnualReport.objects.filter(decision=decision)
        .select_related(
            "decision", "case", "application", "application__organisation", "application__call", "submitted_by"
        )
        .first()
    )


def _progress(done: int, total: int) -> str:
    if done == total:
        return _("Ferdig")
    return _("Påbegynt") if done else _("Ikke påbegynt")


def _sections(report: AnnualReport, summary: dict) -> list[dict]:
    texts = sum(1 for name in reports.TEXT_FIELDS if getattr(report, name).strip())
    results = sum(1 for name in reports.RESULT_FIELDS if getattr(report, name) is not None)
    accounts_filled = bool(summary["expenses_total"] or report.other_income)
    return [
        {"key": "report", "title": SECTION_TITLES["report"], "status": _progress(texts, len(reports.TEXT_FIELDS))},
        {
            "key": "results",
            "title": SECTION_TITLES["results"],
            "status": _progress(results, len(reports.RESULT_FIELDS)),
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
        context["start"] = reports.can_start_report(membership, decision)
        return render(request, "reporting/reports/overview.html", context, status=status)
    summary = reports.summary_context(report)
    approvals = summary["approvals"]
    write = reports.can_write_report(membership, report)
    approve = reports.can_approve_accounts(membership, request.user, report, approvals=approvals)
    taken = {a.capacity for a in approvals}
    open_capacities = [value for value in reports.Capacity.values if value not in taken]
    context.update(summary)
    context.update(
        {
            "sections": _sections(report, summary),
            "write": write,
            "approve": approve,
            "submit": reports.can_submit_report(membership, report, approvals=approvals),
            "missing": reports.missing_for_submit(report, approvals),
            "deadline_passed": context["now"] > report.deadline,
        }
    )
    if write:
        context.setdefault("accounts_form", AccountsFileForm())
        context.setdefault("attachment_form", AttachmentForm())
    if approve:
        context.setdefault("approve_form", ApproveForm(open_capacities=open_capacities))
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
    report = _report_of(decision)
    if request.method == "POST":
        try:
            report = reports.report_start(actor=Actor.from_request(request), decision_id=decision.pk)
        except Refused as refused:
            return _render_overview(request, application, decision, report, start_error=str(refused))
        messages.success(request, _("Årsrapporten er startet. Fyll ut delene under."))
        return redirect("report_overview", application.pk, decision.pk)
    return _render_overview(request, application, decision, report)


def _section_form(section: str, report: AnnualReport, lines, data=None):
    if section == "report":
        initial = {name: getattr(report, name) for name in reports.TEXT_FIELDS}
        return ReportTextForm(data, initial=initial)
    if section == "results":
        initial = {name: getattr(report, name) for name in reports.RESULT_FIELDS}
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
    if section not in reports.SECTIONS:
        raise Http404
    membership = request.membership
    report = reports.get_report_for(membership, pk, write=request.method == "POST")
    write = reports.can_write_report(membership, report)
    if not write:
        if request.method == "POST":
            return _overview_for_report(request, report, section_error=write.reason)
        messages.info(request, write.reason)
        return _to_overview(report)
    lines = list(report.lines.select_related("category")) if section == "accounts" else []
    form = _section_form(section, report, lines, request.POST if request.method == "POST" else None)
    error = ""
    version = reports.report_version(report)
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_save(
                actor=Actor.from_request(request),
                report_id=report.pk,
                section=section,
                data=form.cleaned_data,
                version=request.POST.get("version") or None,
            )
        except reports.StaleReport as stale:
            error = str(stale)  # the form keeps what was typed; the page now carries the newest version
            report.refresh_from_db()
            version = reports.report_version(report)
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
    spent = sum((line.spent for line in lines), reports.ZERO)
    expenses = getattr(form, "expenses", spent)
    unused = form.unused if form.unused is not None else report.unused(spent)
    return {
        "rows": form.rows(),
        "budget_total": sum((line.budgeted for line in lines), reports.ZERO),
        "granted_total": sum((line.granted for line in lines), reports.ZERO),
        "expenses_total": expenses,
        "unused": unused,
    }


@require_POST
def report_accounts_upload(request, pk: int):
    report = reports.get_report_for(request.membership, pk, write=True)
    data, files = request.POST, request.FILES  # reading them runs the upload handlers
    form = AccountsFileForm(data, files, too_large="accounts-file" in too_large_fields(request))
    if not form.is_valid():
        return _overview_for_report(request, report, accounts_form=form)
    try:
        reports.accounts_file_set(
            actor=Actor.from_request(request),
            report_id=report.pk,
            upload=form.cleaned_data["file"],
            checked=form.checked,
        )
    except Refused as refused:
        return _overview_for_report(request, report, upload_error=str(refused))
    messages.success(
        request,
        _("Regnskapet er lastet opp (%(file)s). Det må godkjennes av prosjekteier og ansvarlig leder.")
        % {"file": form.checked.original_name},
    )
    return _to_overview(report)


@require_GET
def report_accounts_file(request, pk: int):
    report = reports.get_report_for(request.membership, pk)
    if not report.accounts_file:
        raise Http404
    name = report.accounts_file_name or "regnskap"
    content_type = _content_type(name)
    return serve_file(report.accounts_file, filename=name, content_type=content_type)


def _content_type(name: str) -> str:
    from portal.uploads import ALLOWED

    ext = name.rpartition(".")[2].lower()
    return ALLOWED.get(ext, "application/octet-stream")


@require_POST
def report_attachment_add(request, pk: int):
    report = reports.get_report_for(request.membership, pk, write=True)
    data, files = request.POST, request.FILES  # reading them runs the upload handlers
    form = AttachmentForm(data, files, too_large="attachment-file" in too_large_fields(request))
    if not form.is_valid():
        return _overview_for_report(request, report, attachment_form=form)
    try:
        attachment = reports.attachment_add(
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
    report = reports.get_report_for(request.membership, pk)
    attachment = get_object_or_404(report.attachments, pk=attachment_pk)
    return serve_file(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


@require_POST
def report_attachment_remove(request, pk: int, attachment_pk: int):
    report = reports.get_report_for(request.membership, pk, write=True)
    attachment = get_object_or_404(report.attachments, pk=attachment_pk)
    try:
        reports.attachment_remove(actor=Actor.from_request(request), report_id=report.pk, attachment_id=attachment.pk)
    except Refused as refused:
        return _overview_for_report(request, report, upload_error=str(refused))
    messages.success(request, _("Vedlegget %(file)s er fjernet fra rapporten.") % {"file": attachment.original_name})
    return _to_overview(report)


@require_POST
def report_approve(request, pk: int):
    report = reports.get_report_for(request.membership, pk, write=True)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _overview_for_report(request, report, approve_form=form)
    try:
        approval = reports.accounts_approve(
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
    report = reports.get_report_for(request.membership, pk, write=True)
    try:
        report = reports.report_submit(actor=Actor.from_request(request), report_id=report.pk)
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


urlpatterns = [
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/rapport/", report_overview, name="report_overview"),
    path("rapporter/<int:pk>/del/<str:section>/", report_section, name="report_section"),
    path("rapporter/<int:pk>/regnskap/", report_accounts_upload, name="report_accounts_upload"),
    path("rapporter/<int:pk>/regnskap/fil/", report_accounts_file, name="report_accounts_file"),
    path("rapporter/<int:pk>/vedlegg/", report_attachment_add, name="report_attachment_add"),
    path("rapporter/<int:pk>/vedlegg/<int:attachment_pk>/", report_attachment, name="report_attachment"),
    path(
        "rapporter/<int:pk>/vedlegg/<int:attachment_pk>/fjern/",
        report_attachment_remove,
        name="report_attachment_remove",
    ),
    path("rapporter/<int:pk>/godkjenn/", report_approve, name="report_approve"),
    path("rapporter/<int:pk>/send-inn/", report_submit, name="report_submit"),
]
