"""Which rows exist for whom: the fetchers (404 for another organisation's row, 403 for a role that
may not see or change it) and the visible querysets. The rules themselves are in grants.permissions.

County members see their own county's applications; IMDi's roles see the applications that have
been submitted (a draft is the county's working paper until then)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from grants.models import Appeal, AppealLetter, Application, Case, Decision, Submission
from grants.models.money import BankAccount, Payment, PaymentBatch
from grants.permissions import can_view_applications, can_view_cases, can_work_cases
from portal.access import forbid_writes_for_readers, has_role
from portal.audit import county_visible_actions
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership


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


def submitted_agreement_ids(application: Application) -> set[int]:
    """The agreements listed in any version the county submitted."""
    return {
        agreement["id"]
        for snapshot in application.submissions.values_list("snapshot", flat=True)
        for agreement in snapshot.get("agreements", [])
    }


# --- IMDi's cases and what the county sees of them --------------------------------------------


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


def get_imdi_decision_for(membership: Membership | None, pk: int, *, write: bool = False) -> Decision:
    can_view_cases(membership).or_403()
    decision = get_object_or_404(
        Decision.objects.select_related(
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


def get_payment_for(membership: Membership | None, pk: int, *, write: bool = False) -> Payment:
    """A payment for IMDi's pages (other roles 403); a POST by anyone but a caseworker 403."""
    can_view_cases(membership).or_403()
    payment = get_object_or_404(
        Payment.objects.select_related(
            "decision__case__application__organisation",
            "decision__case__call",
            "bank_account",
            "recorded_by",
            "attested_by",
            "approved_by",
            "rejected_by",
            "batch",
        ),
        pk=pk,
    )
    if write:
        can_work_cases(membership).or_403()
    return payment


def get_batch_for(membership: Membership | None, pk: int, *, write: bool = False) -> PaymentBatch:
    can_view_cases(membership).or_403()
    batch = get_object_or_404(PaymentBatch.objects.select_related("created_by", "sent_by", "confirmed_by"), pk=pk)
    if write:
        can_work_cases(membership).or_403()
    return batch


def get_bank_account_for(membership: Membership | None, pk: int, *, write: bool = False) -> BankAccount:
    """One of the county's own account numbers (another county's is a 404); only its members act."""
    has_role(membership, *COUNTY_ROLES).or_403()
    if write:
        forbid_writes_for_readers(membership).or_403()
    return get_object_or_404(
        BankAccount.objects.select_related("organisation", "registered_by"),
        pk=pk,
        organisation=membership.organisation_id,
    )


def get_appeal_letter_for(membership: Membership | None, application: Application, pk: int) -> AppealLetter:
    """A ready letter about an appeal of an application the membership may see (``get_application_for``
    first: the applicant county and IMDi's roles); another county's, or one not made yet, is a 404."""
    return get_object_or_404(
        AppealLetter.objects.select_related("appeal").filter(
            appeal__case__application=application, status=AppealLetter.Status.READY
        ),
        pk=pk,
    )


def decisions_visible_to(membership: Membership | None, application: Application) -> QuerySet[Decision]:
    """The county sees decisions once approved (a proposal is IMDi's internal working paper);
    IMDi's roles see every proposal too."""
    decisions = Decision.objects.filter(case__application=application)
    if membership is not None and membership.role in IMDI_ROLES:
        return decisions
    return decisions.filter(state=Decision.State.APPROVED)


def get_decision_for(membership: Membership | None, application: Application, pk: int) -> Decision:
    """A decision of an application the membership may see (``get_application_for`` first): a
    county's own approved decisions; another county's, or a proposal, is a 404."""
    return get_object_or_404(
        decisions_visible_to(membership, application).select_related(
            "case", "case__application", "case__application__organisation", "case__call"
        ),
        pk=pk,
    )


def visible_history(membership: Membership | None, events: QuerySet) -> QuerySet:
    """Filter an application's events for the membership: IMDi sees all, the county its own steps
    and the ones that concern it (the actions registered with ``county=True``), not IMDi's internal
    work (assignment, impartiality, assessment, allocation, proposals)."""
    if membership is not None and membership.role in IMDI_ROLES:
        return events
    return events.filter(action__in=county_visible_actions())
