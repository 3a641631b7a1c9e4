"""The county's annual report (R20) and accounts (R21), approved by two people in the county and
submitted by the report deadline (R22).

    (accepted grant) ─start─▶ draft ─submit (texts, results, accounts document, two approvals)─▶ submitted
                               ▲                                                                   │
                               └────────── returned ◀──── IMDi returns it (reporting.followup) ─────┘

Each service checks the actor's right and the report's state under a row lock, writes in one
transaction and records the audit event on the application, so it shows in the case history.
Changing the accounts (an amount, the carry-over request or the document) removes the approvals:
the two people approve the accounts as they stand.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.casework import current_submission
from grants.models import BudgetLine, Case, CostCategory
from grants.models import Decision as GrantDecision
from grants.services import Refused
from portal import access, audit
from portal.access import Decision, allow, deny, forbid_writes_for_readers, has_role
from portal.audit import Actor
from portal.background import send_after_commit
from portal.dashboard import register
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership, Role, User
from portal.templatetags.portal_tags import register_labels
from reporting.models import AccountLine, AccountsApproval, AnnualReport, CarryOver, ReportAttachment

log = logging.getLogger(__name__)

ZERO = Decimal("0")
State = AnnualReport.State
Capacity = AccountsApproval.Capacity

TEXT_FIELDS = ("cooperation_model", "cooperation_development", "activities", "use_of_grant")
RESULT_FIELDS = ("participants_started", "participants_completed", "participants_certified", "participants_employed")
SECTIONS = ("report", "results", "accounts")

register_labels(
    actions={
        "report.started": gettext_lazy("Arbeidet med årsrapporten ble startet"),
        "report.saved": gettext_lazy("En del av årsrapporten ble lagret"),
        "report.accounts_file": gettext_lazy("Regnskapet ble lastet opp"),
        "report.attachment_added": gettext_lazy("Vedlegg til årsrapporten lastet opp"),
        "report.attachment_removed": gettext_lazy("Vedlegg fjernet fra årsrapporten"),
        "report.accounts_approved": gettext_lazy("Regnskapet ble godkjent"),
        "report.submitted": gettext_lazy("Årsrapport og regnskap sendt inn"),
    },
    states=dict(State.choices),
)


# --- Reading ----------------------------------------------------------------------------------


def reports_for(membership: Membership | None) -> QuerySet[AnnualReport]:
    """IMDi's roles read every report; a county only its own."""
    return access.scope_to_membership(AnnualReport.objects.all(), membership, org_field="application__organisation")


def get_report_for(membership: Membership | None, pk: int, *, write: bool = False) -> AnnualReport:
    """A report the membership may see: another county's is a 404; a role without access a 403;
    with ``write`` only the county's own roles (an auditor or IMDi gets 403)."""
    has_role(membership, *COUNTY_ROLES, *IMDI_ROLES).or_403()
    report = get_object_or_404(
        reports_for(membership).select_related(
            "decision",
            "case",
            "application",
            "application__organisation",
            "application__call",
            "submitted_by",
        ),
        pk=pk,
    )
    if write:
        forbid_writes_for_readers(membership).or_403()
        has_role(membership, *COUNTY_ROLES).or_403()
    return report


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


# --- Rights -----------------------------------------------------------------------------------


def is_reporting_county(membership: Membership | None, report: AnnualReport) -> Decision:
    if not (result := forbid_writes_for_readers(membership)):
        return result
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if membership.organisation_id != report.application.organisation_id:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    return allow()


def can_write_report(membership: Membership | None, report: AnnualReport) -> Decision:
    if not (result := is_reporting_county(membership, report)):
        return result
    if not report.is_editable:
        return deny(_("Rapporten er sendt inn (%(state)s) og kan ikke endres.") % {"state": report.get_state_display()})
    return allow()


def can_approve_accounts(
    membership: Membership | None,
    user: User,
    report: AnnualReport,
    *,
    capacity: str | None = None,
    approvals: list[AccountsApproval] | None = None,
) -> Decision:
    """Two people in the county approve the accounts as they stand (R21): the project owner and
    the responsible leader, each once, never the same person in both capacities."""
    if not (result := can_write_report(membership, report)):
        return result
    if not report.accounts_file:
        return deny(_("Last opp regnskapet før det godkjennes."))
    if approvals is None:
        approvals = list(report.approvals.all())
    if capacity is not None and capacity not in Capacity.values:
        return deny(_("Velg om du godkjenner som prosjekteier eller ansvarlig leder."))
    mine = next((a for a in approvals if a.user_id == user.pk), None)
    if mine is not None:
        return deny(
            _(
                "Du har allerede godkjent regnskapet som %(capacity)s. Prosjekteier og ansvarlig leder må være "
                "to forskjellige personer."
            )
            % {"capacity": mine.get_capacity_display().lower()}
        )
    taken = {a.capacity for a in approvals}
    if capacity is not None and capacity in taken:
        return deny(
            _("Regnskapet er allerede godkjent av %(capacity)s.") % {"capacity": Capacity(capacity).label.lower()}
        )
    if len(taken) >= len(Capacity.values):
        return deny(_("Regnskapet er godkjent av både prosjekteier og ansvarlig leder."))
    return allow()


def missing_for_submit(report: AnnualReport, approvals: list[AccountsApproval] | None = None) -> list[str]:
    """What must be in place before the report can be sent, in words."""
    missing = []
    if not all(getattr(report, name).strip() for name in TEXT_FIELDS):
        missing.append(_("Fyll ut alle spørsmålene i årsrapporten."))
    if any(getattr(report, name) is None for name in RESULT_FIELDS):
        missing.append(_("Fyll ut resultatene (skriv 0 der det ikke er noen)."))
    if not report.accounts_file:
        missing.append(_("Last opp regnskapet."))
    if approvals is None:
        approvals = list(report.approvals.all())
    taken = {a.capacity for a in approvals}
    for capacity in Capacity:
        if capacity not in taken:
            missing.append(_("Regnskapet må godkjennes av %(capacity)s.") % {"capacity": capacity.label.lower()})
    return missing


def can_submit_report(
    membership: Membership | None, report: AnnualReport, *, approvals: list[AccountsApproval] | None = None
) -> Decision:
    if not (result := can_write_report(membership, report)):
        return result
    if missing := missing_for_submit(report, approvals):
        return deny(" ".join(missing))
    return allow()


def can_start_report(membership: Membership | None, decision: GrantDecision) -> Decision:
    if not (result := forbid_writes_for_readers(membership)):
        return result
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if membership.organisation_id != decision.case.application.organisation_id:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if (
        decision.kind != GrantDecision.Kind.GRANT
        or decision.state != GrantDecision.State.APPROVED
        or decision.reversed_at is not None
    ):
        return deny(_("Det skrives årsrapport bare for et fattet tilskuddsvedtak."))
    if decision.accepted_at is None:
        return deny(_("Tilskuddet må aksepteres før dere kan skrive årsrapporten."))
    return allow()


# --- Services ---------------------------------------------------------------------------------


def _check(decision: Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


def _record(actor: Actor, report: AnnualReport, action: str, *, from_state: str = "", **changes) -> None:
    application = report.application
    audit.record(
        actor=actor,
        action=action,
        obj=application,
        subject_organisation=application.organisation,
        from_state=from_state,
        to_state=report.state if from_state else "",
        changes={"report": report.pk, **changes},
    )


def _lock(report_id: int) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("decision", "case", "application", "application__organisation", "application__call")
        .get(pk=report_id)
    )


def _budget_per_category(application, categories: list[CostCategory]) -> dict[int, Decimal]:
    """The budget the county applied with: the current submission's, matched by category name
    as grants does; the budget lines when there is no submission left to read."""
    submission = current_submission(application)
    if submission is not None:
        by_name = {row["name"]: Decimal(str(row["total"])) for row in submission.snapshot["budget"]["categories"]}
        return {c.pk: by_name.get(c.name, ZERO) for c in categories}
    sums = dict(
        BudgetLine.objects.filter(application=application)
        .values_list("category_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("category_id", "total")
    )
    return {c.pk: sums.get(c.pk) or ZERO for c in categories}


def report_start(*, actor: Actor, decision_id: int) -> AnnualReport:
    """Open the annual report for an accepted grant; starting it again returns the same report."""
    with transaction.atomic():
        case_id = GrantDecision.objects.values_list("case_id", flat=True).get(pk=decision_id)
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("application", "application__organisation", "call")
            .get(pk=case_id)
        )
        decision = GrantDecision.objects.select_for_update().get(pk=decision_id)
        decision.case = case
        _check(can_start_report(actor.membership, decision))
        existing = AnnualReport.objects.filter(decision=decision).first()
        if existing is not None:
            return existing
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
        budget = _budget_per_category(application, categories)
        granted = dict(decision.lines.values_list("category_id", "granted"))
        AccountLine.objects.bulk_create(
            [
                AccountLine(report=report, category=c, budgeted=budget[c.pk], granted=granted.get(c.pk) or ZERO)
                for c in categories
            ]
        )
        _record(
            actor,
            report,
            "report.started",
            deadline=report.deadline.isoformat(),
            carried_in=str(report.carried_in),
            grant=str(decision.amount),
        )
    return report


def _clear_approvals(report: AnnualReport) -> list[str]:
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
        report = _lock(report_id)
        _check(can_write_report(actor.membership, report))
        if version and version != report_version(report):
            raise StaleReport(
                _(
                    "Noen andre har lagret årsrapporten etter at du åpnet denne siden, så ingenting ble lagret. "
                    "Det du skrev, står under. Se over det, og lagre igjen for å bruke din versjon."
                )
            )
        changes: dict = {"section": section}
        if section == "report":
            changed = [name for name in TEXT_FIELDS if getattr(report, name) != data.get(name, "").strip()]
            for name in TEXT_FIELDS:
                setattr(report, name, data.get(name, "").strip())
            changes["changed"] = changed
            report.save(update_fields=[*TEXT_FIELDS, "updated_at"])
        elif section == "results":
            for name in RESULT_FIELDS:
                value = data.get(name)
                if value is not None and value < 0:
                    raise Refused(_("Antall deltakere kan ikke være negativt."))
                if getattr(report, name) != value:
                    changes[name] = value
                setattr(report, name, value)
            report.save(update_fields=[*RESULT_FIELDS, "updated_at"])
        else:
            changes.update(_save_accounts(report, data))
        _record(actor, report, "report.saved", **changes)
    return report


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
    if changes and (cleared := _clear_approvals(report)):
        changes["approvals_cleared"] = cleared
    changes["unused"] = str(unused)
    return changes


def accounts_file_set(*, actor: Actor, report_id: int, upload, checked) -> AnnualReport:
    """Attach (or replace) the accounts document; ``checked`` from portal.uploads.check_upload.
    A new document removes the approvals. The old file is kept in storage for the record."""
    with transaction.atomic():
        report = _lock(report_id)
        _check(can_write_report(actor.membership, report))
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
        if cleared := _clear_approvals(report):
            changes["approvals_cleared"] = cleared
        _record(actor, report, "report.accounts_file", **changes)
    return report


def attachment_add(*, actor: Actor, report_id: int, upload, checked, description: str = "") -> ReportAttachment:
    with transaction.atomic():
        report = _lock(report_id)
        _check(can_write_report(actor.membership, report))
        attachment = ReportAttachment(
            report=report,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            description=description.strip(),
            uploaded_by=actor.user,
        )
        attachment.file.save(checked.original_name, upload, save=False)
        attachment.save()
        _record(
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
        report = _lock(report_id)
        _check(can_write_report(actor.membership, report))
        attachment = report.attachments.filter(pk=attachment_id, removed_at__isnull=True).first()
        if attachment is None:
            raise Refused(_("Vedlegget er allerede fjernet."))
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])
        _record(
            actor,
            report,
            "report.attachment_removed",
            attachment=attachment.pk,
            file=attachment.original_name,
            sha256=attachment.sha256,
        )
    return attachment


def accounts_approve(*, actor: Actor, report_id: int, capacity: str) -> AccountsApproval:
    with transaction.atomic():
        report = _lock(report_id)
        _check(can_approve_accounts(actor.membership, actor.user, report, capacity=capacity))
        if capacity not in Capacity.values:
            raise Refused(_("Velg om du godkjenner som prosjekteier eller ansvarlig leder."))
        approval = AccountsApproval.objects.create(
            report=report, capacity=capacity, user=actor.user, approved_at=timezone.now()
        )
        _record(
            actor,
            report,
            "report.accounts_approved",
            capacity=capacity,
            accounts_sha256=report.accounts_sha256,
        )
    return approval


def report_submit(*, actor: Actor, report_id: int) -> AnnualReport:
    """Send the report and the accounts to IMDi. After the deadline it is still received, and
    marked late (R22)."""
    with transaction.atomic():
        report = _lock(report_id)
        _check(can_submit_report(actor.membership, report))
        from_state = report.state
        now = timezone.now()
        report.state = State.SUBMITTED
        report.submitted_at = now
        report.submitted_by = actor.user
        # Late is decided by the first submission: a report sent in time and returned for a correction
        # is not made late by being sent again after the deadline.
        if from_state == State.DRAFT:
            report.is_late = now > report.deadline
        report.save(update_fields=["state", "submitted_at", "submitted_by", "is_late", "updated_at"])
        _record(
            actor,
            report,
            "report.submitted",
            from_state=from_state,
            is_late=report.is_late,
            accounts_sha256=report.accounts_sha256,
            unused=str(report.unused()),
            carry_over_requested=report.carry_over_requested,
        )
        # IMDi's caseworker is told by e-mail (a Celery task after the commit); the report is on IMDi's
        # report list and dashboard whether or not the e-mail arrives.
        send_after_commit(notify_submitted, report.pk)
    return report


@shared_task(ignore_result=True)
def notify_submitted(report_id: int) -> None:
    """Tell IMDi's caseworker on the case (or the call's contact address) that the report came."""
    report = AnnualReport.objects.select_related(
        "case__assigned_to", "application__organisation", "application__call"
    ).get(pk=report_id)
    assigned = report.case.assigned_to
    recipient = assigned.email if assigned is not None and assigned.is_active else report.application.call.contact_email
    context = {
        "report": report,
        "url": settings.SITE_URL.rstrip("/")
        + reverse("report_overview", args=[report.application_id, report.decision_id]),
    }
    subject = " ".join(render_to_string("reporting/reports/email/submitted_subject.txt", context).split())
    body = render_to_string("reporting/reports/email/submitted.txt", context)
    send_mail(subject, body, None, [recipient])


# --- The county's dashboard -------------------------------------------------------------------


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="reporting/reports/panel.html", order=8)
def county_reports(request):
    """The county's accepted grants that still need a report, and the reports it has sent."""
    organisation_id = request.membership.organisation_id
    done = AnnualReport.objects.filter(decision=OuterRef("pk"), state__in=[State.SUBMITTED, State.APPROVED])
    due = list(
        GrantDecision.objects.filter(
            case__application__organisation_id=organisation_id,
            kind=GrantDecision.Kind.GRANT,
            state=GrantDecision.State.APPROVED,
            reversed_at__isnull=True,
            accepted_at__isnull=False,
        )
        .filter(~Exists(done))
        .select_related("case__application__call", "annual_report")
        .order_by("report_deadline", "id")[:20]
    )
    sent = list(
        AnnualReport.objects.filter(application__organisation_id=organisation_id)
        .filter(Q(state=State.SUBMITTED) | Q(state=State.APPROVED))
        .select_related("application__call")
        .order_by("-submitted_at", "id")[:20]
    )
    return {"due": due, "sent": sent, "now": timezone.now()}
