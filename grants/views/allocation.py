"""IMDi: the allocation of a call's pot (R5). The view calls ``services.allocation_set``; the rules
and the money's limits are the service's and the database's, the page only shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import F, OuterRef, Subquery, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grants import permissions, services
from grants.access import get_case_for
from grants.forms.allocation import AllocationForm
from grants.forms.fields import AmountField
from grants.models import Call, Case, Decision, ImpartialityDeclaration, Submission
from portal.audit import Actor
from portal.columns import translated
from portal.formats import ZERO, kr
from portal.links import pk_url
from portal.rules import Refused


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Allocation (R5) --------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountInput:
    """A row's amount input before anything is posted: what the row template reads of a bound
    field, without building a form for each of the call's cases. Ids and label as AllocationForm's."""

    id_for_label: str
    html_name: str
    label: str
    value: str
    errors: tuple = ()

    @classmethod
    def for_case(cls, case: Case, value: str) -> AmountInput:
        county = case.application.organisation.name
        return cls(f"case-{case.pk}-amount", "amount", _("Fordelt til %(county)s") % {"county": county}, value)


def _allocation_rows(call: Call):
    """The call's cases, best total score first, with what the county asks for now (the current
    submission; none while it is withdrawn for correction)."""
    requested = Submission.objects.filter(application=OuterRef("application_id"), withdrawn_at__isnull=True)
    return (
        Case.objects.filter(call=call)
        .select_related("application", "application__organisation")
        # What a row shows and the allocation rule reads: not the applications' answers (issue 16).
        .only(
            *("id", "state", "allocated", "recommended_total", "call_id", "application__reference"),
            *("application__organisation__id", *translated("application__organisation__name")),
        )
        .annotate(total_score=Sum("scores__score"), requested=Subquery(requested.values("total")[:1]))
        .order_by(F("total_score").desc(nulls_last=True), "application__organisation__name", "pk")
    )


def _allocation_context(request, call: Call, *, bound: AllocationForm | None = None, status: str = "") -> dict:
    """Everything the allocation page shows. ``bound`` is the form a refused POST left, shown in
    its row with the error and what was typed."""
    membership, user = request.membership, request.user
    conflicts = set(
        ImpartialityDeclaration.objects.filter(case__call=call, user=user, disqualified=True).values_list(
            "case_id", flat=True
        )
    )
    rows = list(_allocation_rows(call))
    labels = {value: str(label) for value, label in Case.State.choices}  # get_state_display rebuilds them per call
    amount = AmountField()
    case_url, set_url = pk_url("case_detail"), pk_url("allocation_set")
    for case in rows:
        case.state_label = labels[case.state]
        case.case_url, case.set_url = case_url(case.pk), set_url(case.pk)
        case.may_allocate = permissions.can_allocate(membership, user, case, conflicts=conflicts)
        if bound is not None and bound.case.pk == case.pk:
            case.amount_input = bound["amount"]
        elif case.may_allocate:
            case.amount_input = AmountInput.for_case(case, amount.prepare_value(case.allocated))
        else:
            case.amount_input = None
    sums = {
        "requested": sum((case.requested for case in rows if case.requested is not None), ZERO),
        "recommended": sum((case.recommended_total for case in rows if case.recommended_total is not None), ZERO),
        "allocated": sum((case.allocated for case in rows), ZERO),
    }
    proposals = list(
        Decision.objects.filter(case__call=call, state=Decision.State.PROPOSED, kind=Decision.Kind.GRANT)
        .select_related("case__application__organisation", "case__call", "proposed_by")
        .order_by("proposed_at", "pk")
    )
    services.waiting_for_budget_holder(proposals, user=user)
    return {
        "call": call,
        "budget_waiting": proposals,
        "rows": rows,
        "sums": sums,
        "is_caseworker": bool(permissions.is_caseworker(membership)),
        "form": bound,  # for the error summary
        "status": status,
    }


@require_GET
def allocation(request, pk: int):
    permissions.can_view_cases(request.membership).or_403()
    call = get_object_or_404(Call.objects.all(), pk=pk)
    return render(request, "grants/allocation/call.html", _allocation_context(request, call))


@require_POST
def allocation_set(request, pk: int):
    """Set one case's amount. With htmx the answer is the row, and the totals out of band; without
    JavaScript a redirect back to the page, or the page again with the error."""
    case = get_case_for(request.membership, pk, write=True)
    form = AllocationForm(request.POST, case=case)
    county = case.application.organisation.name
    status = ""
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        try:
            services.allocation_set(actor=Actor.from_request(request), case_id=case.pk, amount=amount)
        except Refused as refused:
            form.add_error("amount", str(refused))
        else:
            status = _("%(amount)s er fordelt til %(county)s.") % {"amount": kr(amount), "county": county}
            if not _is_htmx(request):
                messages.success(request, status)
                return redirect(reverse("allocation", args=[case.call_id]) + f"#allocation-row-{case.pk}")
    call = Call.objects.get(pk=case.call_id)
    bound = form if form.errors else None
    if not _is_htmx(request):
        return render(request, "grants/allocation/call.html", _allocation_context(request, call, bound=bound))
    if form.errors:
        status = _("Beløpet til %(county)s er ikke endret: %(error)s") % {
            "county": county,
            "error": " ".join(form.errors["amount"]),
        }
    context = _allocation_context(request, call, bound=bound, status=status)
    context["row"] = next(row for row in context["rows"] if row.pk == case.pk)
    return render(request, "grants/allocation/_set.html", context)
