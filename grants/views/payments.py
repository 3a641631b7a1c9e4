"""IMDi: the payments of accepted grants (R17): register a payment of a decision, and the grants
not yet paid in full. The service ``services.payment_register`` and the database keep the money right."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from grants import permissions, services
from grants.access import get_imdi_decision_for
from grants.forms.payments import PaymentForm
from grants.models import Decision
from portal.audit import Actor
from portal.formats import ZERO, kr
from portal.rules import Refused


@require_http_methods(["GET", "POST"])
def payment_create(request, pk: int):
    membership = request.membership
    decision = get_imdi_decision_for(membership, pk, write=request.method == "POST")
    form = PaymentForm(request.POST or None, decision=decision)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_register(
                actor=Actor.from_request(request),
                decision_id=decision.pk,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Utbetalingen på %(amount)s med referanse %(reference)s er registrert.")
                % {"amount": kr(payment.amount), "reference": payment.reference},
            )
            return redirect("decision_detail", decision.pk)
    context = {
        "decision": decision,
        "case": decision.case,
        "form": form,
        "work": permissions.can_work_cases(membership),
        "payable": permissions.can_pay(decision),
    }
    return render(request, "grants/payments/form.html", context)


@require_GET
def payments_due(request):
    """Approved grants not paid in full: the accepted ones first, the longest waiting at the top."""
    membership = request.membership
    permissions.can_view_cases(membership).or_403()
    decisions = (
        Decision.objects.payments_due()
        .select_related("case", "case__application", "case__application__organisation", "case__call")
        .only(
            *("id", "amount", "paid", "accepted_at", "approved_at", "case__id", "case__call__id", "case__call__title"),
            *("case__application__id", "case__application__reference"),
            *("case__application__organisation__id", "case__application__organisation__name"),
            # What reading the call's title and the county's name reads (grants/portal.translation).
            *("case__call__title_nb", "case__call__title_nn"),
            *("case__application__organisation__name_nb", "case__application__organisation__name_nn"),
        )
        .order_by(F("accepted_at").asc(nulls_last=True), "approved_at", "pk")
    )
    decisions = list(decisions)
    totals = {
        "amount": sum((d.amount for d in decisions), ZERO),
        "paid": sum((d.paid for d in decisions), ZERO),
        "outstanding": sum((d.outstanding for d in decisions), ZERO),
    }
    return render(
        request,
        "grants/payments/due.html",
        {"decisions": decisions, "totals": totals, "work": bool(permissions.can_work_cases(membership))},
    )
