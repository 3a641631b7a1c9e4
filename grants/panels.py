"""Dashboard panels: what a county can apply for and its applications; the calls IMDi runs and what
has been submitted."""

from django.db.models import Q
from django.utils import timezone

from grants.access import applications_for
from grants.models import Application, Call
from portal import access
from portal.dashboard import register
from portal.models import Role


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="grants/panels/open_calls.html", order=10)
def open_calls(request):
    now = timezone.now()
    calls = (
        Call.objects.published()
        .filter(eligible_organisations=request.membership.organisation)
        .filter(application_deadline__gt=now)
        .for_listing()
        .order_by("application_deadline")
    )
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
    may_confirm = bool(awaiting) and bool(access.can_confirm_for(request.user, membership.organisation, timezone.now()))
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
