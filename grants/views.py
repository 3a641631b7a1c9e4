from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grants.models import Call
from portal import access


@login_not_required
@require_GET
def call_list(request):
    calls = Call.objects.published().for_listing().order_by("-year", "title")
    return render(request, "grants/call_list.html", {"calls": calls})


@login_not_required
@require_GET
def call_detail(request, pk: int):
    call = get_object_or_404(
        Call.objects.published()
        .select_related("scheme", "scheme__owner")
        .prefetch_related("cost_categories", "criteria", "eligible_organisations"),
        pk=pk,
    )
    apply_decision = None
    if request.user.is_authenticated:
        apply_decision = access.can_apply(request.membership, call, timezone.now())
    return render(request, "grants/call_detail.html", {"call": call, "apply_decision": apply_decision})
