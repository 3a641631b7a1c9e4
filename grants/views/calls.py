"""The calls, open to everyone: the list and one call, with whether the reader may apply (R3, R4).
What every reader sees alike is cached per language (``grants.public_pages``)."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from grants.models import Application, Call, DeadlineExtension
from grants.permissions import can_apply, can_extend_deadline
from grants.public_pages import cached_part, next_change
from portal.models import COUNTY_ROLES


@login_not_required
@require_GET
def call_list(request):
    def render_list():
        # for_listing() leaves out the long texts; the budget reservation is read as an annotation.
        calls = list(
            Call.objects.published()
            .for_listing()
            .annotate(budget_reserved=F("subject_to_budget"))
            .order_by("-year", "title")
        )
        html = render_to_string("grants/calls/_list.html", {"calls": calls})
        return html, {}, next_change(calls, timezone.now())

    calls_html, _facts = cached_part("list", render_list)
    return render(request, "grants/calls/list.html", {"calls_html": calls_html})


def _render_call(pk: int):
    call = get_object_or_404(
        Call.objects.published()
        .select_related("scheme", "scheme__owner")
        .prefetch_related("cost_categories", "criteria", "eligible_organisations"),
        pk=pk,
    )
    head = render_to_string("grants/calls/_detail_head.html", {"call": call})
    body = render_to_string("grants/calls/_detail_body.html", {"call": call})
    return body, {"title": call.title, "head_html": head}, next_change([call], timezone.now())


@login_not_required
@require_GET
def call_detail(request, pk: int):
    body_html, facts = cached_part(f"call-{pk}", lambda: _render_call(pk))
    context = {
        "call_id": pk,
        "title": facts["title"],
        "head_html": mark_safe(facts["head_html"]),  # noqa: S308 (our own template's output)
        "body_html": body_html,
        "apply_decision": None,
        "my_application": None,
        "may_extend": False,
    }
    if not request.user.is_authenticated:
        return render(request, "grants/calls/detail.html", context)
    call = get_object_or_404(Call.objects.published(), pk=pk)
    membership = getattr(request, "membership", None)
    if membership is not None:
        context["may_extend"] = bool(can_extend_deadline(membership))
        if membership.role in COUNTY_ROLES:
            organisation = membership.organisation
            context["my_application"] = Application.objects.filter(call=call, organisation=organisation).first()
            deadline = DeadlineExtension.deadline_for(call, organisation)
            context["apply_decision"] = can_apply(membership, call, timezone.now(), deadline=deadline)
        else:
            context["apply_decision"] = can_apply(membership, call, timezone.now())
    else:
        context["apply_decision"] = can_apply(None, call, timezone.now())
    return render(request, "grants/calls/detail.html", context)
