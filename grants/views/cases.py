"""IMDi's inbox of submitted applications, a case, its assignment, the caseworker's declaration of
impartiality (forvaltningsloven §§ 6–10) and the assessment (R6, R10, R13)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case as Switch  # SQL CASE … WHEN; ``Case`` here is IMDi's case
from django.db.models import DecimalField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import permissions, services
from grants.access import get_case_for
from grants.forms.cases import UNASSIGNED, AssessmentForm, AssignForm, CaseFilterForm, DeclarationForm, caseworkers
from grants.models import Call, Case, DeadlineExtension, IncomingDocument, PartnerKind, Submission
from grants.multi_year import carry_over_check, carry_over_difference
from grants.services.journal import case_journal
from grants.snapshots import present
from grants.views.applications import application_history
from grants.workflows import CASE
from portal.audit import Actor
from portal.columns import translated
from portal.links import pk_url
from portal.models import Organisation
from portal.rules import Refused, deny

PAGE_SIZE = 50
S = Case.State

# --- The inbox --------------------------------------------------------------------------------

# The sortable columns: the query string's key, the column's heading, what it orders by.
SORTS = {
    "submitted": (gettext_lazy("Sendt inn"), F("application__submitted_at")),
    "county": (gettext_lazy("Fylkeskommune"), F("application__organisation__name")),
    "state": (gettext_lazy("Saksstatus"), F("state_order")),
    "requested": (gettext_lazy("Søkt"), F("requested")),
    "caseworker": (gettext_lazy("Saksbehandler"), F("assigned_to__full_name")),
}
DEFAULT_SORT = "submitted"


def _latest_submission():
    """The latest version submitted: the current one, or the last withdrawn while it is corrected."""
    return Submission.objects.filter(application=OuterRef("application_id")).order_by("-number")


def _latest_extension():
    """The deadline IMDi last recorded for the case's county in its call (``DeadlineExtension.deadline_for``)."""
    return DeadlineExtension.objects.filter(
        call_id=OuterRef("call_id"), organisation_id=OuterRef("application__organisation_id")
    ).order_by("-recorded_at", "-id")


def _filtered(cases, filters: dict[str, str]):
    """``cases`` narrowed to the inbox's chosen filters."""
    if "call" in filters:
        cases = cases.filter(call_id=filters["call"])
    if "county" in filters:
        cases = cases.filter(application__organisation_id=filters["county"])
    if "state" in filters:
        cases = cases.filter(state=filters["state"])
    if filters.get("caseworker") == UNASSIGNED:
        cases = cases.filter(assigned_to__isnull=True)
    elif "caseworker" in filters:
        cases = cases.filter(assigned_to_id=filters["caseworker"])
    return cases


def _inbox(filters: dict[str, str], sort: str, descending: bool):
    latest = _latest_submission()
    cases = (
        Case.objects.select_related("application", "application__organisation", "call", "assigned_to")
        .only(
            *("id", "state", "recommended_total", "allocated", "call__id", "assigned_to__id"),
            *("assigned_to__full_name", "application__id", "application__reference", "application__state"),
            *("application__submitted_at", "application__organisation__id"),
            # What reading the call's title and the county's name reads (grants/portal.translation).
            *translated("call__title", "application__organisation__name"),
        )
        .annotate(
            submitted_title=Subquery(latest.values("snapshot__fields__title")[:1]),
            requested=Subquery(latest.values("total")[:1], output_field=DecimalField(max_digits=14, decimal_places=2)),
            # A late submission is flagged with its exact time and the deadline it missed (R4), and
            # with the extension that now covers it, if IMDi recorded one.
            late=Subquery(latest.values("late")[:1]),
            received_at=Subquery(latest.values("confirmed_at")[:1]),
            missed_deadline=Subquery(latest.values("deadline")[:1]),
            extended_to=Subquery(_latest_extension().values("deadline")[:1]),
            state_order=Switch(
                *(When(state=value, then=Value(order)) for order, value in enumerate(S.values)),
                output_field=IntegerField(),
            ),
        )
    )
    cases = _filtered(cases, filters)
    expression = SORTS[sort][1]
    order = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return cases.order_by(order, "application__organisation__name", "pk")


def _with_params(request, **changes) -> str:
    """The current query string with ``changes`` (None removes a key); always back to page 1."""
    params = request.GET.copy()
    params.pop("side", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return f"?{params.urlencode()}"


def _sort_columns(request, sort: str, descending: bool) -> dict[str, dict]:
    columns = {}
    for key, (label, _expression) in SORTS.items():
        active = key == sort
        next_descending = active and not descending
        columns[key] = {
            "label": label,
            "aria_sort": ("descending" if descending else "ascending") if active else "",
            "url": _with_params(request, sort=f"-{key}" if next_descending else key),
            "action": _("sorter synkende") if next_descending else _("sorter stigende"),
        }
    return columns


@require_GET
def case_list(request):
    permissions.can_view_cases(request.membership).or_403()
    calls = list(
        Call.objects.filter(Exists(Case.objects.filter(call=OuterRef("pk"))))
        .only("id", "title", "year")
        .order_by("-year", "-application_deadline", "-pk")
    )
    data = request.GET.copy()
    if not any(name in data for name in CaseFilterForm.base_fields):
        # Arriving without filters: the latest call that has cases. "Alle utlysninger" sends call="",
        # and a link with another filter (the dashboard's ?state=…) counts every call.
        data["call"] = str(calls[0].pk) if calls else ""
    # The counties to choose from: those with a case in the chosen call (or in any call).
    with_cases = Case.objects.filter(application__organisation=OuterRef("pk"))
    if data.get("call", "").isdigit() and any(str(call.pk) == data["call"] for call in calls):
        with_cases = with_cases.filter(call_id=data["call"])
    counties = Organisation.objects.filter(Exists(with_cases)).order_by("name_nb")
    form = CaseFilterForm(data, calls=calls, counties=counties.only("id", "name"), workers=caseworkers())
    filters = form.filters()
    sort = request.GET.get("sort", DEFAULT_SORT)
    descending = sort.startswith("-")
    sort = sort.removeprefix("-")
    if sort not in SORTS:
        sort, descending = DEFAULT_SORT, False
    # Counted on the cases alone: the page's query joins and annotates what only its 50 rows need.
    paginator = Paginator(_inbox(filters, sort, descending), PAGE_SIZE)
    paginator.count = _filtered(Case.objects.all(), filters).count()
    page = paginator.get_page(request.GET.get("side"))
    labels = {value: str(label) for value, label in S.choices}  # get_state_display rebuilds its choices per call
    case_url = pk_url("case_detail")
    for case in page.object_list:
        case.state_label = labels[case.state]
        case.url = case_url(case.pk)
    context = {
        "form": form,
        "page": page,
        "filtered": bool(filters),
        "columns": _sort_columns(request, sort, descending),
        "previous_url": _with_params(request, side=str(page.previous_page_number())) if page.has_previous() else "",
        "next_url": _with_params(request, side=str(page.next_page_number())) if page.has_next() else "",
        "may_register": bool(permissions.can_register(request.membership)),
    }
    return render(request, "grants/cases/list.html", context)


# --- A case -----------------------------------------------------------------------------------


def _submission_facts(case: Case) -> dict:
    """The latest version submitted (current unless withdrawn for correction)."""
    submission = case.application.submissions.select_related("confirmed_by").order_by("-number").first()
    late = submission is not None and submission.late
    return {
        "submission": submission,
        # Received after the deadline (R4): the deadline that applies now, if an extension covers it.
        "extended_to": case.application.deadline() if late else None,
        "title": submission.snapshot["fields"].get("title", "") if submission else "",
        "withdrawn": submission is None or submission.withdrawn_at is not None,
    }


def _is_assigned(request, case: Case) -> bool:
    return case.assigned_to_id == request.user.pk and bool(permissions.is_caseworker(request.membership))


def _render_detail(request, case: Case, *, assign_form: AssignForm | None = None):
    membership = request.membership
    declarations = list(case.declarations.select_related("user"))
    disqualified = {d.user_id for d in declarations if d.disqualified}
    may_assign = permissions.can_work_cases(membership) and CASE.allows("assign", case.state)
    if may_assign and assign_form is None:
        assign_form = AssignForm(initial={"assignee": case.assigned_to_id}, disqualified=disqualified)
    is_assigned = _is_assigned(request, case)
    decisions = list(case.decisions.select_related("proposed_by", "approved_by").order_by("proposed_at", "pk"))
    for decision in decisions:
        decision.case = case
    context = {
        "case": case,
        **_submission_facts(case),
        "declarations": declarations,
        "assign_form": assign_form if may_assign else None,
        "is_assigned": is_assigned,
        "may_declare": bool(permissions.can_declare(membership, request.user, case)),
        "is_caseworker": bool(permissions.is_caseworker(membership)),
        "disqualified": request.user.pk in disqualified,
        "assess": permissions.can_assess(membership, request.user, case),
        "may_propose": is_assigned and CASE.allows("propose", case.state),
        "decisions": decisions,
        # An appeal that came by e-mail or post is registered against the dismissal it concerns.
        "appeal_to_register": next((d for d in decisions if permissions.is_open_to_appeal(d)), None)
        if permissions.is_caseworker(membership)
        else None,
        "appeals": list(case.appeals.order_by("filed_at", "pk")),
        "incoming": list(
            IncomingDocument.objects.filter(Q(application=case.application) | Q(appeal__case=case)).order_by(
                "received_on", "pk"
            )
        ),
        "events": application_history(case.application),
        "journal": list(case_journal(case)),  # the archive's record of the case (grants.services.journal)
    }
    return render(request, "grants/cases/detail.html", context)


@require_GET
def case_detail(request, pk: int):
    return _render_detail(request, get_case_for(request.membership, pk))


@require_POST
def case_assign(request, pk: int):
    case = get_case_for(request.membership, pk, write=True)
    form = AssignForm(request.POST, disqualified=case.disqualified_user_ids())
    if not form.is_valid():
        return _render_detail(request, case, assign_form=form)
    assignee = form.cleaned_data["assignee"]
    try:
        services.case_assign(actor=Actor.from_request(request), case_id=case.pk, assignee=assignee)
    except Refused as refused:
        form.add_error("assignee", str(refused))
        case.refresh_from_db()
        return _render_detail(request, case, assign_form=form)
    messages.success(
        request,
        _("Saken er tildelt %(name)s, som må erklære om hen er inhabil før vurderingen.")
        % {"name": assignee.full_name},
    )
    return redirect("case_detail", case.pk)


# --- Impartiality -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_declare(request, pk: int):
    case = get_case_for(request.membership, pk, write=request.method == "POST")
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        disqualified = form.cleaned_data["disqualified"]
        was_assigned = case.assigned_to_id == request.user.pk
        try:
            services.case_declare(
                actor=Actor.from_request(request),
                case_id=case.pk,
                disqualified=disqualified,
                reason=form.cleaned_data["reason"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            if disqualified and was_assigned:
                messages.warning(
                    request,
                    _(
                        "Du har erklært deg inhabil. Saken er ikke lenger tildelt deg og må tildeles en annen "
                        "saksbehandler."
                    ),
                )
                return redirect("case_detail", case.pk)
            if disqualified:
                messages.warning(request, _("Du har erklært deg inhabil og kan ikke lenger ta del i saken."))
                return redirect("case_detail", case.pk)
            messages.success(request, _("Du har erklært at du ikke er inhabil. Du kan nå vurdere søknaden."))
            return redirect("case_assess", case.pk)
    may_declare = bool(permissions.can_declare(request.membership, request.user, case))
    context = {
        "case": case,
        **_submission_facts(case),
        "form": form,
        "is_assigned": _is_assigned(request, case),
        "may_declare": may_declare,
        # Anyone else on IMDi's side may record a conflict at any time.
        "may_declare_conflict": not may_declare
        and bool(permissions.can_declare_conflict(request.membership, request.user, case)),
    }
    return render(request, "grants/cases/declare.html", context)


# --- The assessment ---------------------------------------------------------------------------


def _when(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "d.m.Y H:i")


def _condition_hints(case: Case, submission: Submission) -> dict[str, str]:
    """What the submission says about each condition, beside the caseworker's yes or no."""
    kinds = {agreement["partner_kind"] for agreement in submission.snapshot.get("agreements", [])}
    lacking = [str(kind.label) for kind in PartnerKind if kind not in kinds]
    present_kinds = [str(kind.label) for kind in PartnerKind if kind in kinds]
    if not lacking:
        agreements = _("Søknaden har avtaler med alle fire typer: %(kinds)s.") % {"kinds": ", ".join(present_kinds)}
    else:
        agreements = _("Søknaden har avtaler med: %(present)s. Mangler: %(lacking)s.") % {
            "present": ", ".join(present_kinds) or _("ingen"),
            "lacking": ", ".join(lacking),
        }
    if submission.snapshot["fields"].get("declares_no_running_costs"):
        declaration = _(
            "Fylkeskommunen har erklært at budsjettet ikke dekker ordinær drift eller investeringer og "
            "anskaffelser som inngår i ordinær drift."
        )
    else:
        declaration = _(
            "Fylkeskommunen har ikke erklært at budsjettet ikke dekker ordinær drift eller investeringer og "
            "anskaffelser som inngår i ordinær drift."
        )
    deadline = case.application.deadline()
    facts = {"submitted": _when(submission.confirmed_at), "deadline": _when(deadline)}
    if deadline != case.call.application_deadline:
        in_time = _("Sendt inn %(submitted)s. Fristen var %(deadline)s, utsatt av IMDi fra %(original)s.") % {
            **facts,
            "original": _when(case.call.application_deadline),
        }
    else:
        in_time = _("Sendt inn %(submitted)s. Fristen var %(deadline)s.") % facts
    in_time += " " + (_("Det er i tide.") if submission.confirmed_at < deadline else _("Det er etter fristen."))
    return {"agreements_ok": agreements, "declaration_ok": declaration, "in_time_ok": in_time}


def _saved_assessment(case: Case, criteria, submission: Submission | None, hints: dict[str, str]) -> dict:
    """The assessment as saved, for those who read it (no form)."""
    scores = {score.criterion_id: score for score in case.scores.all()}
    lines = list(case.line_assessments.filter(submission=submission)) if submission else []
    return {
        "score_rows": [(criterion, scores.get(criterion.pk)) for criterion in criteria],
        "saved_lines": lines,
        "conditions": [
            (Case._meta.get_field(name).verbose_name, getattr(case, name), hints.get(name, ""))
            for name in ("agreements_ok", "declaration_ok", "in_time_ok")
        ],
    }


def _carry_over_facts(case: Case, submission: Submission | None) -> dict:
    """The carry-over asked for in the version assessed beside the unused amount in last year's
    approved accounts, and the difference in words (R18)."""
    asked = None
    if submission is not None:
        value = submission.snapshot.get("fields", {}).get("carry_over_amount")
        asked = Decimal(value) if value not in (None, "") else None
    check = carry_over_check(case.application, asked)
    return {"carry_check": check, "carry_difference": carry_over_difference(check) if check else ""}


@require_http_methods(["GET", "POST"])
def case_assess(request, pk: int):
    membership = request.membership
    case = get_case_for(membership, pk, write=request.method == "POST")
    submission = case.application.current_submission()
    allowed = permissions.can_assess(membership, request.user, case)
    if allowed and submission is None:
        allowed = deny(_("Søknaden er trukket tilbake for retting og kan ikke vurderes nå."))
    criteria = list(case.call.criteria.all())
    hints = _condition_hints(case, submission) if submission else {}
    form, refused = None, ""
    if allowed:
        lines = services.assessment_lines(case, submission)
        form = AssessmentForm(
            request.POST if request.method == "POST" else None, case=case, criteria=criteria, lines=lines, hints=hints
        )
        if request.method == "POST" and form.is_valid():
            complete = "complete" in request.POST
            try:
                services.assessment_save(
                    actor=Actor.from_request(request),
                    case_id=case.pk,
                    conditions=form.conditions(),
                    conditions_note=form.cleaned_data["conditions_note"],
                    scores=form.scores(),
                    lines=[services.LineInput(**line) for line in form.line_inputs()],
                    recommended_total=form.cleaned_data["recommended_total"],
                    justification=form.cleaned_data["justification"],
                    complete=complete,
                )
            except Refused as error:
                form.add_error(None, str(error))
            else:
                if complete:
                    messages.success(request, _("Vurderingen er lagret, og saken er markert som vurdert."))
                    return redirect("case_detail", case.pk)
                messages.success(request, _("Vurderingen er lagret. Den er ikke markert som ferdig."))
                return redirect("case_assess", case.pk)
    elif request.method == "POST":
        refused = allowed.reason  # the service would refuse the same; nothing is saved
    context = {
        "case": case,
        **_submission_facts(case),
        "current": submission,
        "answers": present(submission.snapshot) if submission else [],
        "application": case.application,
        "form": form,
        "allowed": allowed,
        "refused": refused,
        "hints": hints,
        "is_assigned": _is_assigned(request, case),
        "may_work": permissions.can_work_cases(membership),
        **_carry_over_facts(case, submission),
    }
    if form is None:
        context.update(_saved_assessment(case, criteria, submission, hints))
    return render(request, "grants/cases/assess.html", context)
