"""The calls, open to everyone: the list and one call, with whether the reader may apply (R3, R4)."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grants.models import Application, Call, DeadlineExtension
from grants.permissions import can_apply, can_extend_deadline
from portal.models import COUNTY_ROLES


@login_not_required
@require_GET
def call_list(request):
    # for_listing() leaves out the long texts; the budget reservation is read as an annotation.
    calls = (
        Call.objects.published()
        .for_listing()
        .annotate(budget_reserved=F("subject_to_budget"))
        .order_by("-year", "title")
    )
    return render(request, "grants/calls/list.html", {"calls": calls})


@login_not_required
@require_GET
def call_detail(request, pk: int):
    call = get_object_or_404(
        Call.objects.published()
        .select_related("scheme", "scheme__owner")
        .prefetch_related("cost_categories", "criteria", "eligible_organisations"),
        pk=pk,
    )
    context = {"call": call, "apply_decision": None, "my_application": None, "may_extend": False}
    membership = getattr(request, "membership", None)
    if request.user.is_authenticated and membership is not None:
        context["may_extend"] = bool(can_extend_deadline(membership))
        if membership.role in COUNTY_ROLES:
            organisation = membership.organisation
            context["my_application"] = Application.objects.filter(call=call, organisation=organisation).first()
            deadline = DeadlineExtension.deadline_for(call, organisation)
            context["apply_decision"] = can_apply(membership, call, timezone.now(), deadline=deadline)
        else:
            context["apply_decision"] = can_apply(membership, call, timezone.now())
    elif request.user.is_authenticated:
        context["apply_decision"] = can_apply(None, call, timezone.now())
    return render(request, "grants/calls/detail.html", context)
