"""Who may see which application. County members see their own county's; IMDi's roles see the
applications that have been submitted (a draft is the county's working paper until then)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from grants.models import Appeal, Application, Case, Submission
from grants.models import Decision as GrantDecision
from portal.access import Decision, allow, deny, forbid_writes_for_readers, has_role
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership, Role


def can_view_applications(membership: Membership | None) -> Decision:
    return has_role(membership, *COUNTY_ROLES, *IMDI_ROLES)


def applications_for(membership: Membership | None) -> QuerySet[Application]:
    if membership is None:
        return Application.objects.none()
    if membership.role in IMDI_ROLES:
        return Application.objects.filter(Exists(Submission.objects.filter(application=OuterRef("pk"))))
    if membership.role in COUNTY_ROLES:
        return Application.objects.filter(organisation_id=membership.organisation_id)
    return Application.objects.none()


def get_application_for(membership: Membership | None, pk: int, *, write: bool = False) -> Application:
    """The application, or 404 when it does not exist for this membership; 403 for a role that
    may not see applications at all, or an auditor who tries to change one."""
    can_view_applications(membership).or_403()
    application = get_object_or_404(
        applications_for(membership).select_related("call", "call__scheme", "organisation", "sent_by"), pk=pk
    )
    if write:
        forbid_writes_for_readers(membership).or_403()
        has_role(membership, *COUNTY_ROLES).or_403()  # only the applicant county changes an application
    return application


def can_read_current(membership: Membership | None, application: Application) -> Decision:
    """The county reads its application as it is now; IMDi only as it was submitted. After a
    withdrawal for correction, IMDi sees the submitted versions, not the draft being corrected."""
    if membership is not None and membership.role in COUNTY_ROLES:
        return allow()
    if application.state == Application.State.SUBMITTED:
        return allow()
    return deny(
        _(
            "Søknaden er trukket tilbake for retting og ikke sendt inn på nytt. IMDi ser den slik den ble "
            "sendt inn (se innsendte versjoner)."
        )
    )


def submitted_agreement_ids(application: Application) -> set[int]:
    """The agreements listed in any version the county submitted."""
    return {
        agreement["id"]
        for snapshot in application.submissions.values_list("snapshot", flat=True)
        for agreement in snapshot.get("agreements", [])
    }


# --- IMDi's cases and what the county sees of them --------------------------------------------


def can_view_cases(membership: Membership | None) -> Decision:
    """IMDi's roles read every case; caseworkers act on them."""
    return has_role(membership, *IMDI_ROLES)


def can_work_cases(membership: Membership | None) -> Decision:
    if not (decision := forbid_writes_for_readers(membership)):
        return decision
    return has_role(membership, Role.CASEWORKER)


def get_case_for(membership: Membership | None, pk: int, *, write: bool = False) -> Case:
    """A case for IMDi's pages: other roles get 403 (the page is not theirs at all), an unknown
    case 404, a POST by anyone but a caseworker 403."""
    can_view_cases(membership).or_403()
    case = get_object_or_404(
        Case.objects.select_related(
            "application", "application__organisation", "application__call", "call", "assigned_to"
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return case


def get_imdi_decision_for(membership: Membership | None, pk: int, *, write: bool = False) -> GrantDecision:
    can_view_cases(membership).or_403()
    decision = get_object_or_404(
        GrantDecision.objects.select_related(
            "case",
            "case__application",
            "case__application__organisation",
            "case__call",
            "proposed_by",
            "approved_by",
            "returned_by",
            "accepted_by",
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return decision


def get_appeal_for(membership: Membership | None, pk: int, *, write: bool = False) -> Appeal:
    can_view_cases(membership).or_403()
    appeal = get_object_or_404(
        Appeal.objects.select_related(
            "case", "case__application", "case__application__organisation", "decision", "filed_by"
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return appeal


def decisions_visible_to(membership: Membership | None, application: Application) -> QuerySet[GrantDecision]:
    """The county sees decisions once approved (a proposal is IMDi's internal working paper);
    IMDi's roles see every proposal too."""
    decisions = GrantDecision.objects.filter(case__application=application)
    if membership is not None and membership.role in IMDI_ROLES:
        return decisions
    return decisions.filter(state=GrantDecision.State.APPROVED)


def get_decision_for(membership: Membership | None, application: Application, pk: int) -> GrantDecision:
    """A decision of an application the membership may see (``get_application_for`` first): a
    county's own approved decisions; another county's, or a proposal, is a 404."""
    return get_object_or_404(
        decisions_visible_to(membership, application).select_related(
            "case", "case__application", "case__application__organisation", "case__call"
        ),
        pk=pk,
    )


# The case history a county sees: its own steps and the ones that concern it, not IMDi's
# internal work (assignment, impartiality, assessment, allocation, proposals).
COUNTY_VISIBLE_CASE_ACTIONS = frozenset(
    {
        "decision.approved",
        "letter.issued",
        "letter.opened",
        "decision.accepted",
        "payment.registered",
        "appeal.filed",
        "appeal.reversed",
        "appeal.forwarded",
        "appeal.decided",
        # The follow-up (reporting): the county's own report steps and IMDi's answers to them.
        "report.started",
        "report.saved",
        "report.accounts_file",
        "report.attachment_added",
        "report.attachment_removed",
        "report.accounts_approved",
        "report.submitted",
        "report.returned",
        "report.approved",
        "carry_over.approved",
        "carry_over.applied",
        "repayment.notice_sent",
        "repayment.commented",
        "repayment.claimed",
        "repayment.recorded",
        "repayment.cancelled",
    }
)


def visible_history(membership: Membership | None, events: QuerySet) -> QuerySet:
    """Filter an application's events for the membership: IMDi sees all, the county its part."""
    if membership is not None and membership.role in IMDI_ROLES:
        return events
    return events.filter(Q(action__startswith="application.") | Q(action__in=COUNTY_VISIBLE_CASE_ACTIONS))
