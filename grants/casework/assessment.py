"""Opening and reopening a case, assignment, impartiality, the assessment and the allocation (R5, R6,
R10, R13)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.casework._common import (
    ALLOCATABLE,
    ASSIGNABLE,
    S,
    _check,
    _lock_case,
    _money,
    _record,
)
from grants.casework.rights import (
    can_allocate,
    can_assess,
    current_submission,
    disqualified_user_ids,
    is_caseworker,
    not_disqualified,
)
from grants.models import (
    Application,
    Call,
    Case,
    CriterionScore,
    ImpartialityDeclaration,
    LineAssessment,
    Submission,
)
from grants.services import Refused
from portal.audit import Actor
from portal.models import Role, User
from portal.templatetags.portal_tags import kr


def withdrawn(*, actor: Actor, application: Application) -> None:
    """The county took its application back to correct it (``services.application_withdraw``, which
    holds the application's lock). A case not yet decided goes back to being assessed, and what was
    allocated to it returns to the pot: the next version is assessed on its own. Locks: call, case."""
    case = Case.objects.filter(application=application).only("id", "call_id").first()
    if case is None:
        return
    Call.objects.select_for_update(no_key=True).get(pk=case.call_id)
    case = _lock_case(case.pk)
    if case.state not in ASSIGNABLE:
        raise Refused(_("IMDi har foreslått eller fattet vedtak: søknaden kan ikke trekkes tilbake nå."))
    if case.state not in ALLOCATABLE and not case.allocated:
        return
    from_state, released = case.state, case.allocated
    if case.state in ALLOCATABLE:
        case.state, case.assessed_at, case.assessed_by = S.ASSESSING, None, None
    case.allocated = Decimal("0")
    case.save(update_fields=["state", "assessed_at", "assessed_by", "allocated", "updated_at"])
    _record(
        actor,
        case,
        "case.reopened",
        from_state=from_state if from_state != case.state else "",
        released=_money(released),
    )


def open_case(application: Application) -> Case:
    """The case of a submitted application (called when it is confirmed); one per application."""
    case, _created = Case.objects.get_or_create(application=application, defaults={"call_id": application.call_id})
    return case


# --- Assignment and impartiality --------------------------------------------------------------


def case_assign(*, actor: Actor, case_id: int, assignee: User) -> Case:
    _check(is_caseworker(actor.membership))
    if not assignee.memberships.filter(role=Role.CASEWORKER).exists():
        raise Refused(_("%(name)s er ikke saksbehandler i IMDi.") % {"name": assignee.full_name})
    with transaction.atomic():
        case = _lock_case(case_id)
        _check(not_disqualified(actor.user, case))
        if case.state not in ASSIGNABLE:
            raise Refused(_("Saken kan ikke tildeles på nytt etter at vedtak er foreslått."))
        if assignee.pk in disqualified_user_ids(case):
            raise Refused(
                _("%(name)s har erklært seg inhabil i saken og kan ikke tildeles den.") % {"name": assignee.full_name}
            )
        from_state, previous = case.state, case.assigned_to
        case.assigned_to, case.assigned_at, case.state = assignee, timezone.now(), S.ASSIGNED
        case.save(update_fields=["assigned_to", "assigned_at", "state", "updated_at"])
        _record(
            actor,
            case,
            "case.assigned",
            from_state=from_state,
            assignee=assignee.full_name,
            previous=previous.full_name if previous else "",
        )
    return case


def case_declare(*, actor: Actor, case_id: int, disqualified: bool, reason: str = "") -> Case:
    """The assigned caseworker declares before assessing; a conflict unassigns the case, which then
    waits to be given to someone else. Anyone else on IMDi's side who finds a conflict later (the
    colleague asked to approve, or to handle an appeal; the caseworker during the assessment) records
    it at any time and takes no further part (``not_disqualified``)."""
    _check(is_caseworker(actor.membership))
    reason = reason.strip()
    if disqualified and not reason:
        raise Refused(_("Skriv hvorfor du er inhabil."))
    with transaction.atomic():
        case = _lock_case(case_id)
        first = case.assigned_to_id == actor.user.pk and case.state == S.ASSIGNED
        if not first and not disqualified:
            raise Refused(_("Bare saksbehandleren som nettopp er tildelt saken, kan erklære seg habil."))
        if actor.user.pk in disqualified_user_ids(case):
            raise Refused(_("Du har allerede erklært deg inhabil i saken."))
        ImpartialityDeclaration.objects.create(case=case, user=actor.user, disqualified=disqualified, reason=reason)
        from_state = case.state
        if not disqualified:
            case.state = S.ASSESSING
            case.save(update_fields=["state", "updated_at"])
            _record(actor, case, "case.impartial", from_state=from_state)
            return case
        if case.assigned_to_id == actor.user.pk and case.state in ASSIGNABLE:
            # The case is taken from them; what they assessed is assessed again by the next caseworker.
            case.assigned_to, case.assigned_at, case.state = None, None, S.RECEIVED
            case.assessed_at, case.assessed_by = None, None
            case.save(update_fields=["assigned_to", "assigned_at", "state", "assessed_at", "assessed_by", "updated_at"])
        _record(
            actor, case, "case.disqualified", from_state=from_state if from_state != case.state else "", reason=reason
        )
    return case


# --- Assessment (R6, R10, R13) ----------------------------------------------------------------


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


def eligible_amounts(case: Case, submission: Submission | None) -> tuple[Decimal, dict[str, Decimal]]:
    """What was applied for, in all and per cost category (by name), less the lines the caseworker
    found ineligible (R10): the most that can be allocated or granted."""
    if submission is None:
        return Decimal("0"), {}
    per_category = {row["name"]: Decimal(row["total"]) for row in submission.snapshot["budget"]["categories"]}
    total = submission.total
    for line in case.line_assessments.filter(submission=submission, eligible=False):
        per_category[line.category] = per_category.get(line.category, Decimal("0")) - line.requested
        total -= line.requested
    return total, per_category


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
        case = _lock_case(case_id)
        _check(can_assess(actor.membership, actor.user, case))
        submission = current_submission(case.application)
        if submission is None:
            raise Refused(_("Søknaden er trukket tilbake for retting og kan ikke vurderes nå."))
        criteria = {c.pk: c for c in case.call.criteria.all()}
        for criterion_id, (score, _comment) in scores.items():
            criterion = criteria.get(criterion_id)
            if criterion is None:
                raise Refused(_("Kriteriet hører ikke til utlysningen."))
            if score is not None and not 0 <= score <= criterion.max_score:
                raise Refused(
                    _("Poeng for «%(name)s» må være mellom 0 og %(max)s.")
                    % {"name": criterion.name, "max": criterion.max_score}
                )
        existing = {line.index: line for line in assessment_lines(case, submission)}
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
            target.recommended = line.recommended if line.eligible else Decimal("0")
            target.save()

        if complete:
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
            if missing:
                raise Refused(_("Før vurderingen er ferdig, mangler: %(list)s.") % {"list": ", ".join(missing)})
        from_state = case.state
        if complete:
            case.state, case.assessed_at, case.assessed_by = S.ASSESSED, timezone.now(), actor.user
        else:  # changed and not marked done again: no longer a finished assessment
            case.state, case.assessed_at, case.assessed_by = S.ASSESSING, None, None
        case.save(
            update_fields=[
                *("agreements_ok", "declaration_ok", "in_time_ok", "conditions_note", "recommended_total"),
                *("justification", "state", "assessed_at", "assessed_by", "updated_at"),
            ]
        )
        _record(
            actor,
            case,
            "case.assessed" if complete else "case.assessment_saved",
            from_state=from_state if from_state != case.state else "",
            recommended_total=_money(recommended_total) if recommended_total is not None else None,
            scores={str(pk): score for pk, (score, _comment) in scores.items()},
        )
    return case


# --- Allocation (R5) --------------------------------------------------------------------------


def allocate(*, actor: Actor, case_id: int, amount: Decimal) -> Case:
    """Set the amount allocated to one case. The call's row is locked first, so concurrent
    allocations in one call take turns; the database's CHECK is the last word."""
    if amount < 0:
        raise Refused(_("Beløpet kan ikke være negativt."))
    call_id = Case.objects.values_list("call_id", flat=True).get(pk=case_id)
    with transaction.atomic():
        call = Call.objects.select_for_update(no_key=True).get(pk=call_id)
        case = _lock_case(case_id)
        _check(can_allocate(actor.membership, actor.user, case))
        submission = current_submission(case.application)
        requested, _per_category = eligible_amounts(case, submission)
        if amount > requested:
            raise Refused(
                _(
                    "Fylkeskommunen har søkt om %(requested)s til utgifter som kan få tilskudd. Det kan ikke "
                    "fordeles mer enn det."
                )
                % {"requested": kr(requested)}
            )
        remaining = call.pot - call.allocated + case.allocated
        if amount > remaining:
            raise Refused(
                _("%(amount)s er %(over)s mer enn det som er igjen av rammen (%(remaining)s).")
                % {"amount": kr(amount), "over": kr(amount - remaining), "remaining": kr(remaining)}
            )
        previous = case.allocated
        if previous == amount:
            case.call = call
            return case
        case.allocated = amount
        try:
            with transaction.atomic():
                case.save(update_fields=["allocated", "updated_at"])
        except IntegrityError:
            raise Refused(_("Beløpet ville gått over rammen. Last siden på nytt og prøv igjen.")) from None
        _record(actor, case, "case.allocated", previous=_money(previous), amount=_money(amount))
    case.call = Call.objects.get(pk=call_id)
    return case
