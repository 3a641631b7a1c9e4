"""IMDi's case of a submitted application (R6, R10, R13): opening it, reopening it when the county
withdraws the application, assignment, the declaration of impartiality and the assessment.

Each service checks the case's state and the actor's right under row locks (``services.locking``),
writes in one transaction and records the audit event on the application, so that the case history
is one list. A change of state is a transition of ``grants.workflows.CASE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import (
    Application,
    Case,
    CostCategory,
    CriterionScore,
    ImpartialityDeclaration,
    LineAssessment,
    Submission,
)
from grants.permissions import (
    can_assess,
    can_assign,
    can_declare,
    can_declare_conflict,
    can_withdraw_case,
    is_caseworker,
)
from grants.services.journal import case_folder_open, journal_assessment, journal_declaration
from grants.services.locking import lock_call, lock_case
from grants.snapshots import line_categories, requested_per_category
from grants.workflows import ALLOCATABLE, CASE
from portal import audit
from portal.audit import Actor
from portal.formats import ZERO, kr
from portal.models import Role, User
from portal.rules import Refused

S = Case.State


# --- What every case service shares -----------------------------------------------------------


def money(value: Decimal) -> str:
    """An amount as the audit log keeps it."""
    return str(value)


def case_record(actor: Actor, case: Case, action: str, *, from_state: str = "", **changes) -> None:
    """Record ``action`` on the application (the case history reads one object's events); with
    ``from_state``, the case's state before and after."""
    audit.record(
        actor=actor,
        action=action,
        obj=case.application,
        subject_organisation=case.application.organisation,
        from_state=from_state,
        to_state=case.state if from_state else "",
        changes=changes,
    )


def case_take(case: Case, name: str, *, actor: Actor, **changes) -> str:
    """Take the transition ``name`` of ``CASE`` (the caller saves the case) and record its action on
    the application with both states and ``changes``. Returns the state it came from."""
    return CASE.take(
        case,
        name,
        actor=actor,
        audit_obj=case.application,
        subject_organisation=case.application.organisation,
        changes=changes,
    )


# --- Opening and reopening --------------------------------------------------------------------


def case_open(application: Application) -> Case:
    """The case of a submitted application (called when it is confirmed); one per application."""
    case, _created = Case.objects.get_or_create(application=application, defaults={"call_id": application.call_id})
    case_folder_open(case)  # its case number (grants.archive)
    return case


def case_reopen(*, actor: Actor, application: Application) -> None:
    """The county took its application back to correct it (``application_withdraw``, which holds
    the application's lock). A case not yet decided goes back to being assessed, and what was
    allocated to it returns to the pot: the next version is assessed on its own. Locks: call, case."""
    case = Case.objects.filter(application=application).only("id", "call_id").first()
    if case is None:
        return
    lock_call(case.call_id)
    case = lock_case(case.pk)
    can_withdraw_case(actor.membership, case).or_refuse()
    if case.state not in ALLOCATABLE and not case.allocated:
        return
    released = case.allocated
    if case.state in ALLOCATABLE:
        case.assessed_at, case.assessed_by = None, None
    case.allocated = ZERO
    if case.state == S.ASSESSED:
        case_take(case, "reopen", actor=actor, released=money(released))
    else:  # being assessed, or waiting for a caseworker with money allocated: the state stays
        case_record(actor, case, "case.reopened", released=money(released))
    case.save(update_fields=["state", "assessed_at", "assessed_by", "allocated", "updated_at"])


# --- Assignment and impartiality --------------------------------------------------------------


def case_assign(*, actor: Actor, case_id: int, assignee: User) -> Case:
    is_caseworker(actor.membership).or_refuse()
    if not assignee.memberships.filter(role=Role.CASEWORKER).exists():
        raise Refused(_("%(name)s er ikke saksbehandler i IMDi.") % {"name": assignee.full_name})
    with transaction.atomic():
        case = lock_case(case_id)
        can_assign(actor.membership, actor.user, case).or_refuse()
        if not CASE.allows("assign", case.state):
            raise Refused(_("Saken kan ikke tildeles på nytt etter at vedtak er foreslått."))
        if assignee.pk in case.disqualified_user_ids():
            raise Refused(
                _("%(name)s har erklært seg inhabil i saken og kan ikke tildeles den.") % {"name": assignee.full_name}
            )
        previous = case.assigned_to
        case.assigned_to, case.assigned_at = assignee, timezone.now()
        case_take(
            case, "assign", actor=actor, assignee=assignee.full_name, previous=previous.full_name if previous else ""
        )
        case.save(update_fields=["assigned_to", "assigned_at", "state", "updated_at"])
    return case


def case_declare(*, actor: Actor, case_id: int, disqualified: bool, reason: str = "") -> Case:
    """The assigned caseworker declares before assessing; a conflict unassigns the case, which then
    waits to be given to someone else. Anyone else on IMDi's side who finds a conflict later (the
    colleague asked to approve, or to handle an appeal; the caseworker during the assessment) records
    it at any time and takes no further part (``not_disqualified``)."""
    is_caseworker(actor.membership).or_refuse()
    reason = reason.strip()
    if disqualified and not reason:
        raise Refused(_("Skriv hvorfor du er inhabil."))
    with transaction.atomic():
        case = lock_case(case_id)
        if not disqualified:
            can_declare(actor.membership, actor.user, case).or_refuse()
        can_declare_conflict(actor.membership, actor.user, case).or_refuse()
        declaration = ImpartialityDeclaration.objects.create(
            case=case, user=actor.user, disqualified=disqualified, reason=reason
        )
        journal_declaration(declaration=declaration)
        if not disqualified:
            case_take(case, "declare_impartial", actor=actor)
            case.save(update_fields=["state", "updated_at"])
        elif case.assigned_to_id == actor.user.pk and CASE.allows("step_down", case.state):
            # The case is taken from them; what they assessed is assessed again by the next caseworker.
            case.assigned_to, case.assigned_at = None, None
            case.assessed_at, case.assessed_by = None, None
            case_take(case, "step_down", actor=actor, reason=reason)
            case.save(update_fields=["assigned_to", "assigned_at", "state", "assessed_at", "assessed_by", "updated_at"])
        else:
            case_record(actor, case, "case.disqualified", reason=reason)
    return case


# --- The assessment (R6, R10, R13) ------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    index: int
    eligible: bool
    recommended: Decimal


def assessment_lines(case: Case, submission: Submission) -> list[LineAssessment]:
    """The submitted budget lines with the caseworker's assessment, saved or not yet."""
    saved = {line.index: line for line in case.line_assessments.filter(submission=submission)}
    lines = []
    for index, line in enumerate(submission.snapshot["budget"]["lines"]):
        lines.append(
            saved.get(index)
            or LineAssessment(
                case=case,
                submission=submission,
                index=index,
                category=line["category"],
                description=line["description"][:500],
                requested=Decimal(line["amount"]),
                eligible=True,
                recommended=Decimal(line["amount"]),
            )
        )
    return lines


def eligible_amounts(case: Case, submission: Submission | None) -> tuple[Decimal, dict[int, Decimal]]:
    """What was applied for, in all and per cost category (by id), less the lines the caseworker
    found ineligible (R10): the most that can be allocated or granted."""
    if submission is None:
        return ZERO, {}
    categories = list(CostCategory.objects.filter(call_id=case.call_id))
    per_category = requested_per_category(submission.snapshot, categories)
    of_line = line_categories(submission.snapshot, categories)
    total = submission.total
    for line in case.line_assessments.filter(submission=submission, eligible=False):
        category_id = of_line[line.index] if line.index < len(of_line) else None
        if category_id is not None:
            per_category[category_id] -= line.requested
        total -= line.requested
    return total, per_category


def _check_assessment_input(
    case: Case, criteria: dict, scores: dict, lines: list[LineInput], existing: dict, recommended_total
) -> None:
    """Refuse scores outside a criterion's range, unknown lines and amounts above what was applied for."""
    for criterion_id, (score, _comment) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise Refused(_("Kriteriet hører ikke til utlysningen."))
        if score is not None and not 0 <= score <= criterion.max_score:
            raise Refused(
                _("Poeng for «%(name)s» må være mellom 0 og %(max)s.")
                % {"name": criterion.name, "max": criterion.max_score}
            )
    for line in lines:
        target = existing.get(line.index)
        if target is None:
            raise Refused(_("Budsjettlinjen finnes ikke i søknaden."))
        if line.recommended < 0 or line.recommended > target.requested:
            raise Refused(
                _("Anbefalt beløp for «%(line)s» må være mellom 0 og det som er søkt (%(requested)s).")
                % {"line": target.description, "requested": kr(target.requested)}
            )
    if recommended_total is not None and recommended_total < 0:
        raise Refused(_("Anbefalt tilskudd kan ikke være negativt."))


def _missing_for_completion(case: Case, criteria: dict) -> list[str]:
    missing = []
    if None in (case.agreements_ok, case.declaration_ok, case.in_time_ok):
        missing.append(_("alle vilkårene"))
    scored = dict(case.scores.values_list("criterion_id", "score"))
    if any(scored.get(pk) is None for pk in criteria):
        missing.append(_("poeng for hvert kriterium"))
    if case.recommended_total is None:
        missing.append(_("anbefalt tilskudd"))
    if not case.justification:
        missing.append(_("begrunnelse"))
    return missing


def _mark_assessment(actor: Actor, case: Case, *, complete: bool, **changes) -> None:
    """Done (assessed), or changed and not marked done again: no longer a finished assessment."""
    if complete:
        case.assessed_at, case.assessed_by = timezone.now(), actor.user
    else:
        case.assessed_at, case.assessed_by = None, None
    if complete and case.state == S.ASSESSING:
        case_take(case, "assess", actor=actor, **changes)
    elif not complete and case.state == S.ASSESSED:
        case_take(case, "revise", actor=actor, **changes)
    else:  # saved again in the same state
        case_record(actor, case, "case.assessed" if complete else "case.assessment_saved", **changes)


def assessment_save(
    *,
    actor: Actor,
    case_id: int,
    conditions: dict[str, bool | None],
    conditions_note: str,
    scores: dict[int, tuple[int | None, str]],
    lines: list[LineInput],
    recommended_total: Decimal | None,
    justification: str,
    complete: bool,
) -> Case:
    """Save the assessment. ``complete`` marks it done, which needs every condition, every score,
    the recommended total and the justification."""
    with transaction.atomic():
        case = lock_case(case_id)
        can_assess(actor.membership, actor.user, case).or_refuse()
        submission = case.application.current_submission()
        if submission is None:
            raise Refused(_("Søknaden er trukket tilbake for retting og kan ikke vurderes nå."))
        criteria = {c.pk: c for c in case.call.criteria.all()}
        existing = {line.index: line for line in assessment_lines(case, submission)}
        _check_assessment_input(case, criteria, scores, lines, existing, recommended_total)
        case.agreements_ok = conditions.get("agreements_ok")
        case.declaration_ok = conditions.get("declaration_ok")
        case.in_time_ok = conditions.get("in_time_ok")
        case.conditions_note = conditions_note.strip()
        case.recommended_total = recommended_total
        case.justification = justification.strip()
        for criterion_id, (score, comment) in scores.items():
            CriterionScore.objects.update_or_create(
                case=case, criterion_id=criterion_id, defaults={"score": score, "comment": comment.strip()}
            )
        for line in lines:
            target = existing[line.index]
            target.eligible = line.eligible
            target.recommended = line.recommended if line.eligible else ZERO
            target.save()
        if complete and (missing := _missing_for_completion(case, criteria)):
            raise Refused(_("Før vurderingen er ferdig, mangler: %(list)s.") % {"list": ", ".join(missing)})
        _mark_assessment(
            actor,
            case,
            complete=complete,
            recommended_total=money(recommended_total) if recommended_total is not None else None,
            scores={str(pk): score for pk, (score, _comment) in scores.items()},
        )
        case.save(
            update_fields=[
                *("agreements_ok", "declaration_ok", "in_time_ok", "conditions_note", "recommended_total"),
                *("justification", "state", "assessed_at", "assessed_by", "updated_at"),
            ]
        )
        if case.state == S.ASSESSED:
            journal_assessment(case=case, actor_user=actor.user)
    return case
