"""IMDi: the allocation of a call's pot (R5), proposing and approving a decision (R14–R16), and the
payments of accepted grants (R17). Each view calls one service in ``grants.casework``; the rules
and the money's limits are theirs and the database's, the pages only show them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.db.models import F, OuterRef, Subquery, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import casework
from grants.access import can_view_cases, can_work_cases, get_case_for, get_imdi_decision_for
from grants.decision_forms import (
    KIND_EXPLANATIONS,
    AllocationForm,
    CategoryRow,
    DecisionProposalForm,
    DecisionReturnForm,
    PaymentForm,
)
from grants.forms import AmountField
from grants.models import Call, Case, CostCategory, Decision, ImpartialityDeclaration, Letter, Submission
from grants.services import Refused
from portal.audit import Actor
from portal.templatetags.portal_tags import kr

S = Case.State


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
    for case in rows:
        case.state_label = labels[case.state]
        case.may_allocate = casework.can_allocate(membership, user, case, conflicts=conflicts)
        if bound is not None and bound.case.pk == case.pk:
            case.amount_input = bound["amount"]
        elif case.may_allocate:
            case.amount_input = AmountInput.for_case(case, amount.prepare_value(case.allocated))
        else:
            case.amount_input = None
    zero = Decimal("0")
    sums = {
        "requested": sum((case.requested for case in rows if case.requested is not None), zero),
        "recommended": sum((case.recommended_total for case in rows if case.recommended_total is not None), zero),
        "allocated": sum((case.allocated for case in rows), zero),
    }
    return {
        "call": call,
        "rows": rows,
        "sums": sums,
        "is_caseworker": bool(casework.is_caseworker(membership)),
        "form": bound,  # for the error summary
        "status": status,
    }


@require_GET
def allocation(request, pk: int):
    can_view_cases(request.membership).or_403()
    call = get_object_or_404(Call.objects.all(), pk=pk)
    return render(request, "grants/cases/allocation.html", _allocation_context(request, call))


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
            casework.allocate(actor=Actor.from_request(request), case_id=case.pk, amount=amount)
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
        return render(request, "grants/cases/allocation.html", _allocation_context(request, call, bound=bound))
    if form.errors:
        status = _("Beløpet til %(county)s er ikke endret: %(error)s") % {
            "county": county,
            "error": " ".join(form.errors["amount"]),
        }
    context = _allocation_context(request, call, bound=bound, status=status)
    context["row"] = next(row for row in context["rows"] if row.pk == case.pk)
    return render(request, "grants/cases/_allocation_set.html", context)


# --- Proposing a decision (R14–R16) -----------------------------------------------------------


def _category_rows(case: Case, submission: Submission | None) -> list[CategoryRow]:
    """The call's cost categories with the amount applied for and the amount recommended in the
    assessment (the eligible lines' recommendations summed per category)."""
    requested, recommended = {}, {}
    if submission is not None:
        requested = {row["name"]: Decimal(row["total"]) for row in submission.snapshot["budget"]["categories"]}
        for line in casework.assessment_lines(case, submission):
            if line.eligible:
                recommended[line.category] = recommended.get(line.category, Decimal("0")) + line.recommended
    return [
        CategoryRow(
            category=category,
            requested=requested.get(category.name, Decimal("0")),
            recommended=recommended.get(category.name, Decimal("0")),
        )
        for category in CostCategory.objects.filter(call_id=case.call_id).order_by("order", "pk")
    ]


def _proposal_initial(case: Case, submission: Submission | None, categories: list[CategoryRow]) -> dict:
    call = case.call
    rules = _("Rundskrivet for «%(call)s», punkt «Vilkår for å motta tilskudd» og punkt «%(assessment)s».") % {
        "call": call.title,
        "assessment": _("Slik fordeler IMDi tilskuddet"),
    }
    if call.scheme.legal_basis.strip():
        rules = f"{call.scheme.legal_basis.strip()}\n{rules}"
    initial = {
        "rules": rules,
        "conditions": call.conditions,
        "considerations": case.justification,
        **{row.field_name: row.recommended for row in categories},
    }
    if submission is not None:
        initial["facts"] = _(
            "%(county)s søkte %(date)s om %(amount)s til prosjektet «%(title)s» (søknad %(reference)s)."
        ) % {
            "county": case.application.organisation.name,
            "date": timezone.localdate(submission.confirmed_at).strftime("%d.%m.%Y"),
            "amount": kr(submission.total),
            "title": submission.snapshot.get("fields", {}).get("title", ""),
            "reference": case.application.reference,
        }
    return initial


@require_http_methods(["GET", "POST"])
def decision_propose(request, pk: int):
    membership = request.membership
    case = get_case_for(membership, pk, write=request.method == "POST")
    case.call = Call.objects.select_related("scheme").get(pk=case.call_id)
    may = casework.can_propose(membership, request.user, case)
    submission = casework.current_submission(case.application)
    categories = _category_rows(case, submission)
    form = DecisionProposalForm(
        request.POST or None, categories=categories, initial=_proposal_initial(case, submission, categories)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = data["kind"] == Decision.Kind.GRANT
        try:
            decision = casework.decision_propose(
                actor=Actor.from_request(request),
                case_id=case.pk,
                kind=data["kind"],
                rules=data["rules"],
                facts=data["facts"],
                considerations=data["considerations"],
                conditions=data["conditions"],
                granted=form.granted() if grant else None,
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Vedtaket er foreslått. En annen saksbehandler må godkjenne det."))
            return redirect("decision_detail", decision.pk)
    recommended_split = sum((row.recommended for row in categories), Decimal("0"))
    context = {
        "case": case,
        "may": may,
        "form": form,
        "kinds": [(radio, KIND_EXPLANATIONS[radio.data["value"]]) for radio in form["kind"]],
        "submission": submission,
        "recommended_split": recommended_split,
        "decisions": case.decisions.select_related("proposed_by").order_by("-proposed_at"),
    }
    return render(request, "grants/cases/decision_form.html", context)


# --- A decision: approve or return, its letter and payments -----------------------------------


def _render_decision(request, decision: Decision, *, error: str = "", return_form: DecisionReturnForm | None = None):
    membership = request.membership
    is_caseworker = bool(can_work_cases(membership))
    approve = (
        casework.can_approve(membership, request.user, decision) if decision.state == Decision.State.PROPOSED else None
    )
    context = {
        "decision": decision,
        "case": decision.case,
        "lines": decision.lines.select_related("category"),
        "letter": Letter.objects.filter(decision=decision).select_related("first_opened_by").first(),
        "payments": decision.payments.select_related("recorded_by"),
        "is_caseworker": is_caseworker,
        "approve": approve,
        "return_form": return_form or DecisionReturnForm(),
        "error": error,
        "may_pay": is_caseworker and casework.can_pay(decision),
    }
    return render(request, "grants/cases/decision_detail.html", context)


@require_GET
def decision_detail(request, pk: int):
    return _render_decision(request, get_imdi_decision_for(request.membership, pk))


@require_POST
def decision_approve(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    try:
        decision = casework.decision_approve(actor=Actor.from_request(request), decision_id=decision.pk)
    except Refused as refused:
        return _render_decision(request, decision, error=str(refused))
    messages.success(request, _("Vedtaket er godkjent. Brevet lages nå."))
    return redirect("decision_detail", decision.pk)


@require_POST
def decision_return(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    form = DecisionReturnForm(request.POST)
    if not form.is_valid():
        return _render_decision(request, decision, return_form=form)
    try:
        casework.decision_return(
            actor=Actor.from_request(request), decision_id=decision.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_decision(request, decision, error=str(refused), return_form=form)
    messages.success(
        request, _("Forslaget er sendt tilbake. Saksbehandleren kan rette vurderingen og foreslå vedtak på nytt.")
    )
    return redirect("decision_detail", decision.pk)


# --- Payments (R17) ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def payment_create(request, pk: int):
    membership = request.membership
    decision = get_imdi_decision_for(membership, pk, write=request.method == "POST")
    form = PaymentForm(request.POST or None, decision=decision)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = casework.payment_register(
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
        "work": can_work_cases(membership),
        "payable": casework.can_pay(decision),
    }
    return render(request, "grants/cases/payment_form.html", context)


@require_GET
def payments_due(request):
    """Approved grants not paid in full: the accepted ones first, the longest waiting at the top."""
    membership = request.membership
    can_view_cases(membership).or_403()
    decisions = (
        Decision.objects.filter(
            kind=Decision.Kind.GRANT,
            state=Decision.State.APPROVED,
            reversed_at__isnull=True,
            paid__lt=F("amount"),
        )
        .select_related("case", "case__application", "case__application__organisation", "case__call")
        .only(
            *("id", "amount", "paid", "accepted_at", "approved_at", "case__id", "case__call__id", "case__call__title"),
            *("case__application__id", "case__application__reference"),
            *("case__application__organisation__id", "case__application__organisation__name"),
        )
        .order_by(F("accepted_at").asc(nulls_last=True), "approved_at", "pk")
    )
    decisions = list(decisions)
    totals = {
        "amount": sum((d.amount for d in decisions), Decimal("0")),
        "paid": sum((d.paid for d in decisions), Decimal("0")),
        "outstanding": sum((d.outstanding for d in decisions), Decimal("0")),
    }
    return render(
        request,
        "grants/cases/payments_due.html",
        {"decisions": decisions, "totals": totals, "work": bool(can_work_cases(membership))},
    )
