"""The county's annual report (R20) and accounts (R21), approved by two people in the county and
submitted by the report deadline (R22).

    (accepted grant) ─start─▶ draft ─submit (texts, results, accounts document, two approvals)─▶ submitted
                               ▲                                                                   │
                               └────────── returned ◀──── IMDi returns it (services.review) ───────┘

Each service checks the actor's right and the report's state under a row lock, writes in one
transaction and records the audit event on the application, so it shows in the case history.
Changing the accounts (an amount, the carry-over request or the document) removes the approvals:
the two people approve the accounts as they stand.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import BudgetLine, Case, CostCategory, Decision
from grants.services import journal
from grants.snapshots import requested_per_category
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import ZERO
from portal.rules import Refused
from reporting import tasks
from reporting.models import (
    RESULT_FIELDS,
    SECTIONS,
    TEXT_FIELDS,
    AccountLine,
    AccountsApproval,
    AnnualReport,
    CarryOver,
    ReportAttachment,
)
from reporting.permissions import can_approve_accounts, can_start_report, can_submit_report, can_write_report
from reporting.services.common import lock_report, one_year_project, record_on
from reporting.workflows import REPORT


def record_report(actor: Actor, report: AnnualReport, action: str, **changes) -> None:
    record_on(actor, report.application, action, report=report.pk, **changes)


def budget_per_category(application, categories: list[CostCategory]) -> dict[int, Decimal]:
    """The budget the county applied with: the current submission's, matched by category as grants
    does (grants.snapshots); the budget lines when there is no submission left to read."""
    submission = application.current_submission()
    if submission is not None:
        return requested_per_category(submission.snapshot, categories)
    sums = dict(
        BudgetLine.objects.filter(application=application)
        .values_list("category_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("category_id", "total")
    )
    return {c.pk: sums.get(c.pk) or ZERO for c in categories}


def _lock_decision(decision_id: int) -> Decision:
    case_id = Decision.objects.values_list("case_id", flat=True).get(pk=decision_id)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "application__organisation", "call")
        .get(pk=case_id)
    )
    decision = Decision.objects.select_for_update().get(pk=decision_id)
    decision.case = case
    return decision


def report_start(*, actor: Actor, decision_id: int) -> AnnualReport:
    """Open the annual report for an accepted grant; starting it again returns the same report."""
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        can_start_report(actor.membership, decision).or_refuse()
        existing = AnnualReport.objects.filter(decision=decision).first()
        if existing is not None:
            return existing
        case = decision.case
        application = case.application
        # What IMDi let the county carry over into this year, whether or not it reached the application
        # (it may have been submitted before IMDi approved last year's report).
        carried_in = CarryOver.objects.filter(
            organisation_id=application.organisation_id, scheme_id=case.call.scheme_id, to_year=case.call.year
        ).aggregate(total=Sum("amount"))["total"]
        report = AnnualReport.objects.create(
            decision=decision,
            case=case,
            application=application,
            deadline=decision.report_deadline,
            carried_in=carried_in or ZERO,
            created_by=actor.user,
        )
        categories = list(CostCategory.objects.filter(call_id=case.call_id).order_by("order", "id"))
        budget = budget_per_category(application, categories)
        granted = dict(decision.lines.values_list("category_id", "granted"))
        AccountLine.objects.bulk_create(
            [
                AccountLine(report=report, category=c, budgeted=budget[c.pk], granted=granted.get(c.pk) or ZERO)
                for c in categories
            ]
        )
        record_report(
            actor,
            report,
            "report.started",
            deadline=report.deadline.isoformat(),
            carried_in=str(report.carried_in),
            grant=str(decision.amount),
        )
    return report


def clear_approvals(report: AnnualReport) -> list[str]:
    approvals = list(report.approvals.order_by("capacity").values_list("capacity", "user_id"))
    if approvals:
        report.approvals.all().delete()
    return [f"{capacity} (user {user_id})" for capacity, user_id in approvals]


class StaleReport(Refused):
    """The report was saved by someone else after this user opened the section."""


def report_version(report: AnnualReport) -> str:
    """The version a section page was opened at: the report's last change (optimistic lock)."""
    return report.updated_at.isoformat()


def report_save(*, actor: Actor, report_id: int, section: str, data: dict, version: str | None = None) -> AnnualReport:
    """Save one section. ``data`` holds the section's cleaned values: for "report" the four texts,
    for "results" the four numbers, for "accounts" ``spent`` ({line id: amount}), ``other_income``,
    ``carry_over_requested`` and ``carry_over_reason``. ``version`` is ``report_version`` as the
    page was opened: if the report changed since, nothing is saved (two colleagues at once)."""
    if section not in SECTIONS:
        raise Refused(_("Ukjent del av rapporten."))
    with transaction.atomic():
        report = lock_report(report_id)
        can_write_report(actor.membership, report).or_refuse()
        if version and version != report_version(report):
            raise StaleReport(
                _(
                    "Noen andre har lagret årsrapporten etter at du åpnet denne siden, så ingenting ble lagret. "
                    "Det du skrev, står under. Se over det, og lagre igjen for å bruke din versjon."
                )
            )
        save = {"report": _save_texts, "results": _save_results, "accounts": _save_accounts}[section]
        changes = {"section": section, **save(report, data)}
        record_report(actor, report, "report.saved", **changes)
    return report


def _save_texts(report: AnnualReport, data: dict) -> dict:
    changed = [name for name in TEXT_FIELDS if getattr(report, name) != data.get(name, "").strip()]
    for name in TEXT_FIELDS:
        setattr(report, name, data.get(name, "").strip())
    report.save(update_fields=[*TEXT_FIELDS, "updated_at"])
    return {"changed": changed}


def _save_results(report: AnnualReport, data: dict) -> dict:
    changes = {}
    for name in RESULT_FIELDS:
        value = data.get(name)
        if value is not None and value < 0:
            raise Refused(_("Antall deltakere kan ikke være negativt."))
        if getattr(report, name) != value:
            changes[name] = value
        setattr(report, name, value)
    report.save(update_fields=[*RESULT_FIELDS, "updated_at"])
    return changes


def _save_accounts(report: AnnualReport, data: dict) -> dict:
    lines = {line.pk: line for line in report.lines.select_related("category")}
    spent = {int(key): value for key, value in (data.get("spent") or {}).items()}
    if set(spent) - set(lines):
        raise Refused(_("Regnskapslinjene stemmer ikke med rapporten. Last siden på nytt."))
    other_income = data.get("other_income") or ZERO
    if other_income < 0 or any(value is None or value < 0 for value in spent.values()):
        raise Refused(_("Beløpene kan ikke være negative."))
    requested = bool(data.get("carry_over_requested"))
    reason = (data.get("carry_over_reason") or "").strip() if requested else ""
    if requested and not report.application.runs_past_year:  # a multi-year project only (R18)
        raise Refused(one_year_project())
    changes: dict = {}
    changed_lines = []
    for pk, value in spent.items():
        line = lines[pk]
        if line.spent != value:
            changes[f"spent:{line.category.name}"] = f"{line.spent} → {value}"
            line.spent = value
            changed_lines.append(line)
    if changed_lines:
        AccountLine.objects.bulk_update(changed_lines, ["spent"])
    if report.other_income != other_income:
        changes["other_income"] = f"{report.other_income} → {other_income}"
    if report.carry_over_requested != requested:
        changes["carry_over_requested"] = requested
    if report.carry_over_reason != reason:
        changes["carry_over_reason"] = reason
    expenses = sum((line.spent for line in lines.values()), ZERO)
    report.other_income = other_income
    report.carry_over_requested = requested
    report.carry_over_reason = reason
    unused = report.unused(expenses)
    if requested and unused > 0 and not reason:
        raise Refused(_("Skriv hvorfor dere søker om å overføre de ubrukte midlene."))
    report.save(update_fields=["other_income", "carry_over_requested", "carry_over_reason", "updated_at"])
    # The approvals are of the accounts as they stood: any change to them removes both.
    if changes and (cleared := clear_approvals(report)):
        changes["approvals_cleared"] = cleared
    changes["unused"] = str(unused)
    return changes


def accounts_file_set(*, actor: Actor, report_id: int, upload, checked) -> AnnualReport:
    """Attach (or replace) the accounts document; ``checked`` from portal.uploads.check_upload.
    A new document removes the approvals. The old file is kept in storage for the record."""
    with transaction.atomic():
        report = lock_report(report_id)
        can_write_report(actor.membership, report).or_refuse()
        previous, previous_file = report.accounts_sha256, report.accounts_file.name
        report.accounts_file.save(checked.original_name, upload, save=False)
        report.accounts_file_name = checked.original_name
        report.accounts_sha256 = checked.sha256
        report.save(update_fields=["accounts_file", "accounts_file_name", "accounts_sha256", "updated_at"])
        changes: dict = {"file": checked.original_name, "sha256": checked.sha256, "size": checked.size}
        if previous:
            # The replaced document stays in storage: the event says where, for the record (R23).
            changes["replaces_sha256"] = previous
            changes["replaces_file"] = previous_file
        if cleared := clear_approvals(report):
            changes["approvals_cleared"] = cleared
        record_report(actor, report, "report.accounts_file", **changes)
    return report


def attachment_add(*, actor: Actor, report_id: int, upload, checked, description: str = "") -> ReportAttachment:
    with transaction.atomic():
        report = lock_report(report_id)
        can_write_report(actor.membership, report).or_refuse()
        attachment = ReportAttachment(report=report, description=description.strip())
        attachment.attach(upload, checked, by=actor.user)
        attachment.save()
        record_report(
            actor,
            report,
            "report.attachment_added",
            attachment=attachment.pk,
            file=checked.original_name,
            sha256=checked.sha256,
        )
    return attachment


def attachment_remove(*, actor: Actor, report_id: int, attachment_id: int) -> ReportAttachment:
    """Take an attachment off the report. The file and its row are kept for the record."""
    with transaction.atomic():
        report = lock_report(report_id)
        can_write_report(actor.membership, report).or_refuse()
        attachment = report.attachments.filter(pk=attachment_id, removed_at__isnull=True).first()
        if attachment is None:
            raise Refused(_("Vedlegget er allerede fjernet."))
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])
        record_report(
            actor,
            report,
            "report.attachment_removed",
            attachment=attachment.pk,
            file=attachment.original_name,
            sha256=attachment.sha256,
        )
    return attachment


def accounts_approve(*, actor: Actor, report_id: int, capacity: str) -> AccountsApproval:
    """One of the county's two approvals of the accounts as they stand (R21), by the person the
    application names for ``capacity``; the approval keeps their name, title and the time."""
    with transaction.atomic():
        report = lock_report(report_id)
        can_approve_accounts(actor.membership, actor.user, report, capacity=capacity).or_refuse()
        if capacity not in AccountsApproval.Capacity.values:
            raise Refused(_("Velg om du godkjenner som prosjektansvarlig i fylkeskommunen eller ansvarlig leder."))
        user = actor.user
        approval = AccountsApproval.objects.create(
            report=report,
            capacity=capacity,
            user=user,
            name=user.full_name,
            title=user.title,
            approved_at=timezone.now(),
        )
        record_report(
            actor,
            report,
            "report.accounts_approved",
            capacity=capacity,
            name=approval.name,
            title=approval.title,
            accounts_sha256=report.accounts_sha256,
        )
    return approval


def report_submit(*, actor: Actor, report_id: int) -> AnnualReport:
    """Send the report and the accounts to IMDi. After the deadline it is still received, and
    marked late (R22)."""
    with transaction.atomic():
        report = lock_report(report_id)
        can_submit_report(actor.membership, report).or_refuse()
        now = timezone.now()
        # Late is decided by the first submission: a report sent in time and returned for a correction
        # is not made late by being sent again after the deadline.
        if report.state == AnnualReport.State.DRAFT:
            report.is_late = now > report.deadline
        REPORT.take(
            report,
            "submit",
            actor=actor,
            audit_obj=report.application,
            subject_organisation=report.application.organisation,
            changes={
                "report": report.pk,
                "is_late": report.is_late,
                "accounts_sha256": report.accounts_sha256,
                "unused": str(report.unused()),
                "carry_over_requested": report.carry_over_requested,
            },
        )
        report.submitted_at = now
        report.submitted_by = actor.user
        report.imdi_notified_at = None  # IMDi is told of each submission
        report.save(
            update_fields=["state", "submitted_at", "submitted_by", "is_late", "imdi_notified_at", "updated_at"]
        )
        journal.journal_report(report=report)
        # IMDi's caseworker is told by e-mail (a Celery task after the commit); the report is on IMDi's
        # report list and dashboard whether or not the e-mail arrives.
        send_after_commit(tasks.notify_submitted, report.pk)
    return report
