"""A decision, on both sides (R14–R17).

- IMDi: the assigned caseworker proposes a decision; a second caseworker approves or returns it; a
  letter that failed to render is made again.
- The county: the decision with its letter and the letter's SHA-256, the first time the county opens
  it, acceptance of a grant, the appeal deadline of a dismissal.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import permissions, services
from grants.access import get_application_for, get_case_for, get_decision_for, get_imdi_decision_for, visible_history
from grants.appeal_letters import appeal_deadline_for
from grants.forms.decisions import KIND_EXPLANATIONS, CategoryRow, DecisionProposalForm, DecisionReturnForm
from grants.letters import letter_title, proposal_texts
from grants.models import Call, Case, CostCategory, Decision, Letter, Submission
from grants.multi_year import within_project_years
from grants.snapshots import line_categories, requested_per_category
from grants.views.applications import application_history
from portal.audit import Actor
from portal.files import serve_file
from portal.formats import ZERO
from portal.models import COUNTY_ROLES, IMDI_ROLES
from portal.rules import Refused

# --- Proposing a decision (R14–R16) -----------------------------------------------------------


def _category_rows(case: Case, submission: Submission | None) -> list[CategoryRow]:
    """The call's cost categories with the amount applied for and the amount recommended in the
    assessment (the eligible lines' recommendations summed per category)."""
    categories = list(CostCategory.objects.filter(call_id=case.call_id).order_by("order", "pk"))
    requested, recommended = {}, {}
    if submission is not None:
        requested = requested_per_category(submission.snapshot, categories)
        of_line = line_categories(submission.snapshot, categories)
        for line in services.assessment_lines(case, submission):
            category_id = of_line[line.index] if line.index < len(of_line) else None
            if line.eligible and category_id is not None:
                recommended[category_id] = recommended.get(category_id, ZERO) + line.recommended
    return [
        CategoryRow(
            category=category,
            requested=requested.get(category.pk, ZERO),
            recommended=recommended.get(category.pk, ZERO),
        )
        for category in categories
    ]


def _default_kind(case: Case) -> str:
    """The kind the proposal most likely is: a dismissal before the assessment is done, a grant when an
    amount is allocated, otherwise a rejection."""
    if case.state != Case.State.ASSESSED:
        return Decision.Kind.DISMISSAL
    return Decision.Kind.GRANT if case.allocated > 0 else Decision.Kind.REJECTION


def _proposal_initial(case: Case, kind: str, categories: list[CategoryRow]) -> dict:
    """The call's letter template of ``kind`` in the county's written standard, with the case's facts
    filled in (nothing when the call has none: the caseworker writes it), the assessment's
    justification as the main considerations when the template has none, and the recommended amounts."""
    texts = proposal_texts(case, kind)
    if not texts.get("considerations") and case.justification:
        texts["considerations"] = case.justification
    return {"kind": kind, **texts, **{row.field_name: row.recommended for row in categories}}


def _chosen_kind(request, case: Case) -> str:
    kind = request.GET.get("type", "")
    return kind if kind in Decision.Kind.values else _default_kind(case)


@require_http_methods(["GET", "POST"])
def decision_propose(request, pk: int):
    membership = request.membership
    case = get_case_for(membership, pk, write=request.method == "POST")
    case.call = Call.objects.select_related("scheme").get(pk=case.call_id)
    may = permissions.can_propose(membership, request.user, case)
    submission = case.application.current_submission()
    categories = _category_rows(case, submission)
    kind = _chosen_kind(request, case)
    form = DecisionProposalForm(
        request.POST or None, categories=categories, initial=_proposal_initial(case, kind, categories)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = data["kind"] == Decision.Kind.GRANT
        try:
            decision = services.decision_propose(
                actor=Actor.from_request(request),
                case_id=case.pk,
                kind=data["kind"],
                rules=data["rules"],
                facts=data["facts"],
                considerations=data["considerations"],
                conditions=data["conditions"],
                purpose=data["purpose"],
                attachments=data["attachments"],
                copy_to=data["copy_to"],
                granted=form.granted() if grant else None,
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Vedtaket er foreslått. En annen saksbehandler må godkjenne det."))
            return redirect("decision_detail", decision.pk)
    recommended_split = sum((row.recommended for row in categories), ZERO)
    context = {
        "case": case,
        "may": may,
        "form": form,
        "kinds": [(radio, KIND_EXPLANATIONS[radio.data["value"]]) for radio in form["kind"]],
        "submission": submission,
        "recommended_split": recommended_split,
        "prefilled_kind": kind,
        "kind_choices": Decision.Kind.choices,
        "has_templates": case.call.letter_templates.exists(),
        # R16: warn before a grant is written that it would make more years than the project allows.
        "project_years": within_project_years(case),
        "decisions": case.decisions.select_related("proposed_by").order_by("-proposed_at"),
    }
    return render(request, "grants/decisions/propose.html", context)


# --- IMDi: approve or return a proposal -----------------------------------------------------------


def _render_imdi_decision(
    request, decision: Decision, *, error: str = "", return_form: DecisionReturnForm | None = None
):
    membership = request.membership
    is_caseworker = bool(permissions.can_work_cases(membership))
    proposed = decision.state == Decision.State.PROPOSED
    approve = permissions.can_approve(membership, request.user, decision) if proposed else None
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
        "may_pay": is_caseworker and permissions.can_pay(decision),
        "project_years": within_project_years(decision.case)
        if proposed and decision.kind == Decision.Kind.GRANT
        else None,
        "holders": [
            holder
            for holder in services.budget_holders(decision.case.call.scheme_id, decision.amount)
            if holder.pk != decision.proposed_by_id
        ]
        if proposed and decision.kind == Decision.Kind.GRANT
        else [],
    }
    return render(request, "grants/decisions/detail.html", context)


@require_GET
def decision_detail(request, pk: int):
    return _render_imdi_decision(request, get_imdi_decision_for(request.membership, pk))


@require_POST
def decision_approve(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    try:
        decision = services.decision_approve(actor=Actor.from_request(request), decision_id=decision.pk)
    except Refused as refused:
        return _render_imdi_decision(request, decision, error=str(refused))
    messages.success(request, _("Vedtaket er godkjent. Brevet lages nå."))
    return redirect("decision_detail", decision.pk)


@require_POST
def decision_return(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    form = DecisionReturnForm(request.POST)
    if not form.is_valid():
        return _render_imdi_decision(request, decision, return_form=form)
    try:
        services.decision_return(
            actor=Actor.from_request(request), decision_id=decision.pk, reason=form.cleaned_data["reason"]
        )
    except Refused as refused:
        return _render_imdi_decision(request, decision, error=str(refused), return_form=form)
    messages.success(
        request, _("Forslaget er sendt tilbake. Saksbehandleren kan rette vurderingen og foreslå vedtak på nytt.")
    )
    return redirect("decision_detail", decision.pk)


# --- The county's page of a decision --------------------------------------------------------------


def _render_county_decision(request, application, decision, *, accept_error: str = "", status: int = 200):
    membership = request.membership
    letter = decision.letter_or_none  # cached on the decision for the permission helpers
    is_imdi = membership.role in IMDI_ROLES
    context = {
        "application": application,
        "decision": decision,
        "title": letter_title(decision),
        "letter": letter,
        "lines": list(decision.lines.select_related("category")),
        "is_county": membership.role in COUNTY_ROLES,
        "is_applicant": bool(permissions.is_applicant_member(membership, decision.case)),
        "is_imdi": is_imdi,
        "may_retry": is_imdi and bool(permissions.can_work_cases(membership)),
        "accept_error": accept_error,
        "events": visible_history(membership, application_history(application)),
    }
    if decision.kind == Decision.Kind.GRANT:
        context["accept"] = permissions.can_accept(membership, request.user, decision, timezone.now())
    if decision.is_appealable:
        context["appeal"] = permissions.can_appeal(membership, decision)
        context["appeals"] = list(
            decision.appeals.select_related("filed_by")
            .prefetch_related("attachments", "letters")
            .order_by("filed_at", "id")
        )
        # the decision letter's deadline, or the dismissal of the last appeal's (grants.appeal_letters)
        if (deadline := appeal_deadline_for(decision)) is not None:
            context["deadline"] = deadline
            context["deadline_passed"] = timezone.localdate() > deadline
    return render(request, "grants/decisions/view.html", context, status=status)


@require_GET
def decision_view(request, pk: int, decision_pk: int):
    application = get_application_for(request.membership, pk)
    decision = get_decision_for(request.membership, application, decision_pk)
    return _render_county_decision(request, application, decision)


@require_GET
def letter_file(request, pk: int, decision_pk: int):
    membership = request.membership
    application = get_application_for(membership, pk)
    decision = get_decision_for(membership, application, decision_pk)
    letter = decision.letter_or_none
    if letter is None or letter.status != Letter.Status.READY:
        raise Http404
    if membership.role in COUNTY_ROLES:
        services.letter_open(actor=Actor.from_request(request), letter=letter)
    return serve_file(letter.file, filename=f"{letter.reference}.pdf", content_type="application/pdf", inline=True)


@require_POST
def decision_accept(request, pk: int, decision_pk: int):
    application = get_application_for(request.membership, pk, write=True)
    decision = get_decision_for(request.membership, application, decision_pk)
    try:
        services.decision_accept(actor=Actor.from_request(request), decision_id=decision.pk)
    except Refused as refused:
        return _render_county_decision(request, application, decision, accept_error=str(refused))
    messages.success(
        request,
        _("Tilskuddet er akseptert på vegne av %(org)s. IMDi kan nå utbetale det.")
        % {"org": application.organisation.name},
    )
    return redirect("decision_view", application.pk, decision.pk)


# --- IMDi: render a letter again -------------------------------------------------------------


@require_POST
def letter_retry(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    letter = decision.letter_or_none
    if letter is None:
        messages.error(request, _("Vedtaket er ikke godkjent, så det finnes ikke noe brev å lage."))
    elif letter.status == Letter.Status.READY:
        messages.info(request, _("Brevet %(ref)s er allerede laget og sendt.") % {"ref": letter.reference})
    else:
        services.letter_retry(actor=Actor.from_request(request), letter=letter)
        messages.success(
            request,
            _("Brevet %(ref)s lages på nytt. Fylkeskommunen varsles når det er klart.") % {"ref": letter.reference},
        )
    return redirect("decision_detail", decision.pk)
