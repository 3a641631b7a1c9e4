"""Dashboard panels about calls: what a county can apply for, and the calls IMDi runs."""

from django.db.models import Q
from django.utils import timezone

from grants.models import Call
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
