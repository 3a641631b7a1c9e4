"""Every dashboard panel of grants: what a county can apply for, its applications and decisions; the
calls IMDi runs, what has been submitted and what waits for IMDi's caseworkers."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from grants.access import applications_for
from grants.models import Application, BankAccount, Call, Case, DeadlineExtension, Decision, Letter
from grants.services.budget import waiting_for_budget_holder
from portal.access import can_confirm_for
from portal.columns import translated
from portal.dashboard import register
from portal.links import pk_url
from portal.models import Role


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="grants/panels/open_calls.html", order=10)
def open_calls(request):
    """Every call the county can still send an application to, as the call page says (R4): open, with
    a later deadline IMDi recorded for the county, or past the deadline but still receiving (a late
    application is received and flagged); and the calls about to open."""
    now = timezone.now()
    organisation = request.membership.organisation
    extended = DeadlineExtension.objects.filter(call=OuterRef("pk"), organisation=organisation).order_by(
        "-recorded_at", "-id"
    )
    # Plain rows, not Call objects: a county may see a hundred calls here (issue 16).
    calls = list(
        Call.objects.published()
        .filter(eligible_organisations=organisation)
        .annotate(extended_to=Subquery(extended.values("deadline")[:1]))
        .filter(
            Q(pk__in=Call.objects.receiving_at(now).values("pk"))
            | Q(application_deadline__gt=now)
            | Q(extended_to__gt=now)
        )
        .order_by("application_deadline", "pk")
        .values("id", "title", "opens_at", "application_deadline", "extended_to")
    )
    call_url = pk_url("call_detail")
    for call in calls:
        deadline = call["application_deadline"]
        call["county_deadline"] = max(call["extended_to"] or deadline, deadline)
        call["extended"] = call["county_deadline"] != deadline
        call["opens_later"] = call["opens_at"] is not None and call["opens_at"] > now
        call["late"] = not call["opens_later"] and now >= call["county_deadline"]
        call["url"] = call_url(call["id"])
    return {"calls": calls, "now": now}


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="grants/panels/calls_overview.html", order=10)
def calls_overview(request):
    now = timezone.now()
    calls = Call.objects.for_listing().order_by("-year", "title")
    if request.membership.role != Role.ADMIN:
        calls = calls.filter(is_published=True)
    # Current and coming calls first: those whose report deadline has not passed.
    return {"calls": calls.filter(Q(report_deadline__gt=now))[:20], "now": now}


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="grants/panels/applications.html", order=5)
def county_applications(request):
    """The county's applications; those waiting for the user's confirmation first."""
    membership = request.membership
    applications = list(
        Application.objects.filter(organisation=membership.organisation)
        .for_listing()
        .order_by("-call__year", "-updated_at")[:20]
    )
    awaiting = [a for a in applications if a.state == Application.State.AWAITING_CONFIRMATION]
    may_confirm = bool(awaiting) and bool(can_confirm_for(request.user, membership.organisation, timezone.now()))
    return {"applications": applications, "awaiting": awaiting if may_confirm else []}


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="grants/panels/submitted.html", order=20)
def submitted_applications(request):
    applications = (
        applications_for(request.membership)
        .filter(state=Application.State.SUBMITTED)
        .for_listing()
        .order_by("-submitted_at")[:20]
    )
    return {"applications": applications}


ORGANISATION_NAME = translated("application__organisation__name")


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="grants/panels/casework.html", order=15)
def casework_overview(request):
    """What waits for IMDi: the caseworker's own cases, proposals for another caseworker to approve,
    letters that failed, and payments due."""
    user = request.user
    open_states = [Case.State.ASSIGNED, Case.State.ASSESSING, Case.State.ASSESSED]
    # Only what the panel shows: not the applications' sections nor the decisions' texts.
    mine = (
        Case.objects.filter(assigned_to=user, state__in=open_states)
        .select_related("application__organisation")
        .only("state", "application__reference", *ORGANISATION_NAME)
        .order_by("application__submitted_at")[:20]
    )
    proposals = list(
        Decision.objects.filter(state=Decision.State.PROPOSED)
        .select_related("case__application__organisation", "case__call", "proposed_by")
        .only(
            "kind",
            "state",
            "amount",
            "proposed_by__full_name",
            "case__call__scheme_id",
            *(f"case__{name}" for name in ORGANISATION_NAME),
        )
        .order_by("proposed_at")[:20]
    )
    # A grant commits money: it waits for a budget holder of the scheme whose limit covers it.
    waiting_for_budget_holder(proposals, user=user)
    to_approve = [d for d in proposals if d.proposed_by_id != user.pk and getattr(d, "mine", True)]
    counts = dict(Case.objects.values_list("state").annotate(n=Count("id")).order_by().values_list("state", "n"))
    return {
        "mine": list(mine) if request.membership.role == Role.CASEWORKER else [],
        "to_approve": to_approve if request.membership.role == Role.CASEWORKER else [],
        "budget_waiting": [d for d in proposals if hasattr(d, "holders")],
        "failed_letters": list(
            Letter.objects.filter(status=Letter.Status.FAILED).select_related("decision__case__application")[:20]
        ),
        "payments_due": Decision.objects.payments_due().count(),
        "states": [(state, label, counts.get(state, 0)) for state, label in Case.State.choices],
    }


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="grants/panels/decisions.html", order=7)
def county_decisions(request):
    """The county's decisions: a grant to accept, a dismissal that can be appealed."""
    decisions = list(
        Decision.objects.in_force()
        .filter(case__application__organisation=request.membership.organisation)
        .select_related("case__application__call")
        # Not the decision's or the call's long texts: what the panel shows.
        .only(
            "kind",
            "amount",
            "accepted_at",
            "case__application_id",
            *translated("case__application__call__title"),
        )
        .order_by("-approved_at")[:20]
    )
    return {"decisions": decisions}


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="grants/panels/bank_account.html", order=8)
def county_bank_account(request):
    """The account the county's grants are paid to, and a new one waiting for confirmation."""
    accounts = BankAccount.objects.filter(
        organisation=request.membership.organisation,
        state__in=[BankAccount.State.CONFIRMED, BankAccount.State.PENDING],
    )
    by_state = {account.state: account for account in accounts}
    return {"current": by_state.get(BankAccount.State.CONFIRMED), "pending": by_state.get(BankAccount.State.PENDING)}
