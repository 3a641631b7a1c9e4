"""Which reports and claims exist for a membership: another county's is a 404, a role without access
a 403 (STYLE.md: every object a view touches is fetched here)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from grants.access import get_application_for
from grants.models import Decision
from grants.permissions import can_view_cases, can_work_cases
from portal import access
from portal.access import forbid_writes_for_readers, has_role
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership
from reporting.models import AnnualReport, RepaymentClaim

REPORT_RELATED = ("decision", "case", "application", "application__organisation", "application__call")


def reports_for(membership: Membership | None) -> QuerySet[AnnualReport]:
    """IMDi's roles read every report; a county only its own."""
    return access.scope_to_membership(AnnualReport.objects.all(), membership, org_field="application__organisation")


def get_report_for(membership: Membership | None, pk: int, *, write: bool = False) -> AnnualReport:
    """A report the membership may see: another county's is a 404; a role without access a 403;
    with ``write`` only the county's own roles (an auditor or IMDi gets 403)."""
    has_role(membership, *COUNTY_ROLES, *IMDI_ROLES).or_403()
    report = get_object_or_404(reports_for(membership).select_related(*REPORT_RELATED, "submitted_by"), pk=pk)
    if write:
        forbid_writes_for_readers(membership).or_403()
        has_role(membership, *COUNTY_ROLES).or_403()
    return report


def get_imdi_report_for(membership: Membership | None, pk: int, *, write: bool = False) -> AnnualReport:
    """A report on IMDi's pages (a county's own roles read it on theirs); ``write`` for a caseworker."""
    can_view_cases(membership).or_403()
    report = get_report_for(membership, pk)
    if write:
        can_work_cases(membership).or_403()
    return report


def report_of(decision: Decision) -> AnnualReport | None:
    """The annual report of ``decision`` (the caller has fetched the decision through an access helper)."""
    return AnnualReport.objects.filter(decision=decision).select_related(*REPORT_RELATED, "submitted_by").first()


def get_claim_for(membership: Membership | None, pk: int, claim_pk: int, *, write: bool = False) -> RepaymentClaim:
    """A claim on one of the membership's applications (``pk``); another county's is a 404 (IMDi's
    roles read it too, and only the county writes)."""
    application = get_application_for(membership, pk, write=write)
    return get_object_or_404(
        RepaymentClaim.objects.select_related(
            "case", "case__application", "case__application__organisation", "case__call", "decision", "commented_by"
        ),
        pk=claim_pk,
        case__application=application,
    )


def get_imdi_claim_for(membership: Membership | None, pk: int, *, write: bool = False) -> RepaymentClaim:
    """A claim on IMDi's pages: IMDi's roles read every claim, a caseworker writes."""
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
            "proposed_by",
            "approved_by",
            "repaid_recorded_by",
            "interest_recorded_by",
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return claim
