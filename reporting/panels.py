"""Reporting's dashboard panels (templates/reporting/panels/): for the county its reports, claims and
reminders; for IMDi the reports and repayments waiting, and the reminders sent."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from portal.columns import translated
from portal.dashboard import register
from portal.models import Role
from reporting.models import (
    OPEN_CLAIM_STATES,
    AnnualReport,
    Reminder,
    ReminderKind,
    RepaymentClaim,
    accepted_grants,
    overdue_reports,
)

# What the county's panels show of a call and a decision: not their long texts (issue 16: the rows
# were read whole, several kilobytes each).
CALL_TITLE = ("id", *translated("title"))
DECISION_COLUMNS = (
    "kind",
    "amount",
    "accepted_at",
    "case__application_id",
    *(f"case__application__call__{name}" for name in CALL_TITLE),
)


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="reporting/panels/county_reports.html", order=8)
def county_reports(request):
    """The county's accepted grants that still need a report, and the reports it has sent."""
    organisation_id = request.membership.organisation_id
    due = list(
        accepted_grants()
        .filter(case__application__organisation_id=organisation_id)
        .filter(report_done=False)
        .select_related("case__application__call", "annual_report")
        .only(*DECISION_COLUMNS, "report_deadline", "annual_report__state", "annual_report__decision_id")
        .order_by("report_deadline", "id")[:20]
    )
    sent = list(
        AnnualReport.objects.filter(application__organisation_id=organisation_id)
        .filter(Q(state=AnnualReport.State.SUBMITTED) | Q(state=AnnualReport.State.APPROVED))
        .select_related("application__call")
        .only(
            "state",
            "submitted_at",
            "is_late",
            "decision_id",
            "application_id",
            *(f"application__call__{name}" for name in CALL_TITLE),
        )
        .order_by("-submitted_at", "id")[:20]
    )
    return {"due": due, "sent": sent, "now": timezone.now()}


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="reporting/panels/county_claims.html", order=9)
def county_claims(request):
    """The county's open repayment claims: prior notices to comment on and claims to pay."""
    claims = list(
        RepaymentClaim.objects.filter(
            case__application__organisation_id=request.membership.organisation_id, state__in=OPEN_CLAIM_STATES
        )
        .select_related("case__application__call")
        .only(
            "state",
            "reference",
            "amount",
            "comment_deadline",
            "commented_at",
            "due_date",
            "notice_sent_at",
            "case__application_id",
            *(f"case__application__call__{name}" for name in CALL_TITLE),
        )
        .order_by("notice_sent_at", "id")[:20]
    )
    return {"claims": claims, "today": timezone.localdate()}


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="reporting/panels/imdi_followup.html", order=16)
def imdi_followup(request):
    """Reports waiting for IMDi's assessment, and repayments: notices whose comment deadline has
    passed (ready to claim) and claims not yet paid, the earliest due first."""
    today = timezone.localdate()
    waiting = AnnualReport.objects.filter(state=AnnualReport.State.SUBMITTED)
    reports = list(
        waiting.select_related("application__organisation", "application__call")
        .only(
            "submitted_at",
            *(f"application__call__{name}" for name in CALL_TITLE),
            *translated("application__organisation__name"),
        )
        .order_by("submitted_at", "id")[:10]
    )
    claims = RepaymentClaim.objects.select_related("case__application__organisation").only(
        "state",
        "reference",
        "amount",
        "due_date",
        "comment_deadline",
        *translated("case__application__organisation__name"),
    )
    due = list(claims.filter(state=RepaymentClaim.State.CLAIMED).order_by("due_date", "id")[:10])
    # Claims a caseworker proposed: a budget holder (not the proposer) approves them before the letter goes.
    to_approve = list(claims.filter(state=RepaymentClaim.State.CLAIM_PROPOSED).order_by("proposed_at", "id")[:10])
    ready = list(
        claims.filter(state=RepaymentClaim.State.NOTICE)
        .filter(Q(comment_deadline__lt=today) | Q(commented_at__isnull=False))
        .order_by("comment_deadline", "id")[:10]
    )
    return {
        "reports": reports,
        "waiting": waiting.count(),
        "due": due,
        "ready": ready,
        "to_approve": to_approve,
        "overdue": overdue_reports(timezone.now()).count(),
        "today": today,
    }


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="reporting/panels/county_reminders.html", order=60)
def county_reminders(request):
    """The county's ten latest reminders."""
    recent = (
        Reminder.objects.filter(organisation=request.membership.organisation_id, sent_at__isnull=False)
        .only("kind", "step", "due_at", "link", "sent_at")
        .order_by("-created_at", "-id")[:10]
    )
    return {"reminders": list(recent)}


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="reporting/panels/reminders_overview.html", order=60)
def reminders_overview(request):
    """Reminders sent in the last 30 days per kind, those that failed, and the repayments overdue now
    (the reports overdue are in the follow-up panel, ``imdi_followup``)."""
    now = timezone.now()
    since = now - dt.timedelta(days=30)
    counts = (
        Reminder.objects.filter(created_at__gte=since)
        .values("kind")
        .annotate(
            sent=Count("id", filter=Q(sent_at__gte=since)),
            failed=Count("id", filter=Q(sent_at__isnull=True) & ~Q(error="")),
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in counts}
    kinds = [(kind, label, by_kind.get(kind, {}).get("sent", 0)) for kind, label in ReminderKind.choices]
    return {
        "kinds": kinds,
        "failed": sum(row["failed"] for row in by_kind.values()),
        "overdue_repayments": RepaymentClaim.objects.filter(
            state=RepaymentClaim.State.CLAIMED, due_date__lt=timezone.localdate(now)
        ).count(),
    }
