"""IMDi's handling of a case and the county's answers to it (R5, R13–R17): assign, declare
impartiality, assess, allocate, propose and approve a decision, accept, pay, appeal.

Each function checks the case's state and the actor's right under row locks, writes in one
transaction and records the audit event on the application, so that the case history is one list.
Locks are always taken call first, then case, then decision: concurrent requests cannot deadlock.

    received ─assign─▶ assigned ─declare impartial─▶ assessing ─complete─▶ assessed
        ▲                  │ (declares a conflict: unassigned)                │
        └──────────────────┘                              propose ◀───────────┘
    proposed ─approve (another caseworker)─▶ decided ─accept─▶ accepted ─pay in full─▶ paid
        │ return ▶ assessed/assessing        │ (dismissal) appeal ▶ appealed ─forward─▶ forwarded
                                             │   IMDi or the ministry reverses ▶ assessing (a new decision)
                                             │   the ministry upholds ▶ closed
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import (
    Appeal,
    AppealAttachment,
    Application,
    Call,
    Case,
    CostCategory,
    CriterionScore,
    Decision,
    DecisionLine,
    ImpartialityDeclaration,
    Letter,
    LineAssessment,
    Payment,
    Submission,
)
from grants.services import Refused
from portal import access, audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import COUNTY_ROLES, Membership, Role, User
from portal.templatetags.portal_tags import kr

S = Case.State
APPEAL_WEEKS = 3

# The states in which the allocation may change: assessed or being assessed, no decision proposed.
ALLOCATABLE = (S.ASSESSING, S.ASSESSED)
# Reassigning is possible until a decision is proposed.
ASSIGNABLE = (S.RECEIVED, S.ASSIGNED, S.ASSESSING, S.ASSESSED)


def _check(decision: access.Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


def _record(actor: Actor, case: Case, action: str, *, from_state: str = "", **changes) -> None:
    """The audit event, on the application: the case history reads one object's events."""
    audit.record(
        actor=actor,
        action=action,
        obj=case.application,
        subject_organisation=case.application.organisation,
        from_state=from_state,
        to_state=case.state if from_state else "",
        changes=changes,
    )


def _lock_case(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "application__organisation", "call", "assigned_to")
        .get(pk=case_id)
    )


def _lock_decision(decision_id: int) -> Decision:
    case_id = Decision.objects.values_list("case_id", flat=True).get(pk=decision_id)
    case = _lock_case(case_id)
    decision = Decision.objects.select_for_update().get(pk=decision_id)
    decision.case = case
    return decision


def _money(value: Decimal) -> str:
    return str(value)


# --- Rights -----------------------------------------------------------------------------------


def is_caseworker(membership: Membership | None) -> access.Decision:
    return access.has_role(membership, Role.CASEWORKER)


def disqualified_user_ids(case: Case) -> set[int]:
    return set(case.declarations.filter(disqualified=True).values_list("user_id", flat=True))


def not_disqualified(user: User, case: Case) -> access.Decision:
    if user.pk in disqualified_user_ids(case):
        return access.deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    return access.allow()


def can_assess(membership: Membership | None, user: User, case: Case) -> access.Decision:
    """Only the assigned caseworker, after declaring impartiality, assesses (fvl. §§ 6–10)."""
    if not (decision := is_caseworker(membership)):
        return decision
    if case.assigned_to_id != user.pk:
        return access.deny(_("Bare saksbehandleren som er tildelt saken, kan vurdere den."))
    if case.state == S.ASSIGNED:
        return access.deny(_("Erklær at du ikke er inhabil før du vurderer saken."))
    if case.state not in ALLOCATABLE:
        return access.deny(_("Saken kan ikke vurderes nå (%(state)s).") % {"state": case.get_state_display()})
    return access.allow()


def can_allocate(
    membership: Membership | None, user: User, case: Case, *, conflicts: set[int] | None = None
) -> access.Decision:
    """``conflicts``: the ids of the cases where ``user`` declared a conflict, when a page that
    lists many cases has looked them up at once; otherwise they are looked up for this case."""
    if not (decision := is_caseworker(membership)):
        return decision
    if case.pk in conflicts if conflicts is not None else user.pk in disqualified_user_ids(case):
        return access.deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    if case.state not in ALLOCATABLE:
        if case.state in (S.RECEIVED, S.ASSIGNED):
            return access.deny(_("Søknaden må vurderes før det fordeles midler til den."))
        return access.deny(_("Det er foreslått eller fattet vedtak i saken: beløpet kan ikke endres."))
    return access.allow()


def can_propose(membership: Membership | None, user: User, case: Case) -> access.Decision:
    """Whether ``user`` may propose a decision now. A dismissal may be proposed while the case is
    being assessed; a grant or rejection needs the finished assessment (``decision_propose``)."""
    if not is_caseworker(membership):
        return access.deny(
            _("Bare saksbehandleren i IMDi som er tildelt saken, kan foreslå vedtak. Rollen din gir ikke tilgang.")
        )
    if case.assigned_to_id != user.pk:
        if case.assigned_to_id is None:
            return access.deny(_("Saken er ikke tildelt en saksbehandler ennå. Den som blir tildelt, foreslår vedtak."))
        return access.deny(
            _("Bare saksbehandleren som er tildelt saken (%(name)s), kan foreslå vedtak.")
            % {"name": case.assigned_to.full_name}
        )
    if case.state not in ALLOCATABLE:
        if case.state in (S.RECEIVED, S.ASSIGNED):
            return access.deny(_("Erklær deg habil og vurder søknaden før du foreslår vedtak."))
        return access.deny(
            _("Saken har status «%(state)s». Det kan ikke foreslås et nytt vedtak nå.")
            % {"state": case.get_state_display()}
        )
    return access.allow()


def can_pay(decision: Decision) -> access.Decision:
    """An approved grant, accepted by the county (R17), not yet paid in full."""
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare et fattet tilskuddsvedtak kan utbetales."))
    if decision.accepted_at is None:
        return access.deny(
            _("Fylkeskommunen har ikke akseptert tilskuddet. Det kan ikke utbetales før det er akseptert.")
        )
    if decision.outstanding <= 0:
        return access.deny(_("Tilskuddet er utbetalt i sin helhet."))
    return access.allow()


def can_approve(membership: Membership | None, user: User, decision: Decision) -> access.Decision:
    if not (result := is_caseworker(membership)):
        return result
    if decision.state != Decision.State.PROPOSED:
        return access.deny(_("Vedtaket er ikke til godkjenning."))
    if decision.proposed_by_id == user.pk:
        return access.deny(_("Du foreslo dette vedtaket. En annen saksbehandler må godkjenne det."))
    return not_disqualified(user, decision.case)


def is_applicant_member(membership: Membership | None, case: Case) -> access.Decision:
    if membership is None or membership.role not in COUNTY_ROLES:
        return access.deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    if membership.organisation_id != case.application.organisation_id:
        return access.deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    return access.allow()


def can_accept(membership: Membership | None, user: User, decision: Decision, at) -> access.Decision:
    """The grant is accepted on the county's behalf by whoever may confirm for it (R12, R17)."""
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare et fattet tilskuddsvedtak kan aksepteres."))
    if decision.accepted_at:
        return access.deny(_("Tilskuddet er allerede akseptert."))
    letter = getattr(decision, "letter", None)
    if letter is None or letter.status != Letter.Status.READY:
        return access.deny(_("Tilskuddsbrevet er ikke klart ennå. Prøv igjen om litt."))
    authority = access.can_confirm_for(user, membership.organisation, at)  # its reason says on what authority
    if not authority:
        return access.deny(
            _(
                "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan akseptere "
                "tilskuddet."
            )
        )
    return authority


def can_appeal(membership: Membership | None, decision: Decision) -> access.Decision:
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if not decision.is_appealable or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare en avvisning kan påklages (forvaltningsloven § 28)."))
    if decision.case.state != S.DECIDED:
        return access.deny(_("Saken har allerede en klage."))
    letter = getattr(decision, "letter", None)
    if letter is None or letter.issued_at is None:
        return access.deny(_("Vedtaksbrevet er ikke sendt ennå."))
    return access.allow()


# --- Small helpers the views share ------------------------------------------------------------


def current_submission(application: Application) -> Submission | None:
    return application.submissions.filter(withdrawn_at__isnull=True).order_by("-number").first()


def appeal_deadline(letter: Letter) -> datetime.date:
    """Three weeks from the day the letter reached the county (fvl. §§ 29–30): when the county was
    told it is in the portal (or, before that e-mail went, when it was put there). A deadline that
    ends on a Saturday or Sunday moves to the Monday."""
    received_at = letter.notified_at or letter.issued_at
    day = timezone.localdate(received_at) + datetime.timedelta(weeks=APPEAL_WEEKS)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


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


# --- Decisions (R14–R16) ----------------------------------------------------------------------


def decision_propose(
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    rules: str,
    facts: str,
    considerations: str,
    conditions: str = "",
    granted: dict[int, Decimal] | None = None,
) -> Decision:
    """The assigned caseworker proposes a decision. A grant is the allocated amount, split over
    the cost categories (``granted``: category id → amount); a rejection or dismissal allocates nothing."""
    granted = granted or {}
    if not all(text.strip() for text in (rules, facts, considerations)):
        raise Refused(_("Et vedtak skal begrunnes: fyll ut regler, faktiske forhold og hovedhensyn."))
    with transaction.atomic():
        case = _lock_case(case_id)
        _check(can_propose(actor.membership, actor.user, case))
        if kind != Decision.Kind.DISMISSAL and case.state != S.ASSESSED:
            raise Refused(_("Vurderingen må være ferdig før du foreslår tilskudd eller avslag."))
        submission = current_submission(case.application)
        if submission is None and kind == Decision.Kind.DISMISSAL:
            # Withdrawn for correction and never submitted again: it can still be dismissed.
            submission = case.application.submissions.order_by("-number").first()
        if submission is None:
            raise Refused(_("Søknaden er trukket tilbake for retting."))
        _eligible_total, eligible = eligible_amounts(case, submission)
        requested_by_category = {
            row["name"]: Decimal(row["total"]) for row in submission.snapshot["budget"]["categories"]
        }
        categories = list(CostCategory.objects.filter(call_id=case.call_id))
        if kind == Decision.Kind.GRANT:
            if case.allocated <= 0:
                raise Refused(_("Fordel et beløp til søknaden på fordelingssiden før du foreslår tilskudd."))
            known = {c.pk for c in categories}
            if set(granted) - known or any(value < 0 for value in granted.values()):
                raise Refused(_("Beløpene per kostnadskategori er ikke gyldige."))
            for category in categories:
                if granted.get(category.pk, Decimal("0")) > eligible.get(category.name, Decimal("0")):
                    raise Refused(
                        _(
                            "I «%(category)s» kan det ikke gis mer enn det er søkt om til utgifter som kan få "
                            "tilskudd (%(eligible)s)."
                        )
                        % {"category": category.name, "eligible": kr(eligible.get(category.name, Decimal("0")))}
                    )
            split = sum(granted.values(), Decimal("0"))
            if split != case.allocated:
                raise Refused(
                    _("Beløpene per kostnadskategori er til sammen %(split)s, men det er fordelt %(allocated)s.")
                    % {"split": kr(split), "allocated": kr(case.allocated)}
                )
            amount = case.allocated
        elif kind in (Decision.Kind.REJECTION, Decision.Kind.DISMISSAL):
            if case.allocated != 0:
                raise Refused(_("Sett fordelt beløp til 0 på fordelingssiden før du foreslår avslag eller avvisning."))
            amount = Decimal("0")
        else:
            raise Refused(_("Ukjent type vedtak."))
        replaces = case.decisions.filter(reversed_at__isnull=False).order_by("-approved_at").first()
        decision = Decision.objects.create(
            case=case,
            kind=kind,
            requested=submission.total,
            amount=amount,
            rules=rules.strip(),
            facts=facts.strip(),
            considerations=considerations.strip(),
            conditions=conditions.strip() if kind == Decision.Kind.GRANT else "",
            report_deadline=case.call.report_deadline,
            replaces=replaces,
            proposed_by=actor.user,
            proposed_at=timezone.now(),
        )
        DecisionLine.objects.bulk_create(
            DecisionLine(
                decision=decision,
                category=category,
                requested=requested_by_category.get(category.name, Decimal("0")),
                granted=granted.get(category.pk, Decimal("0")) if kind == Decision.Kind.GRANT else Decimal("0"),
            )
            for category in categories
        )
        from_state = case.state
        case.state = S.PROPOSED
        case.save(update_fields=["state", "updated_at"])
        _record(
            actor,
            case,
            "decision.proposed",
            from_state=from_state,
            decision=decision.pk,
            kind=kind,
            amount=_money(amount),
        )
    return decision


def decision_return(*, actor: Actor, decision_id: int, reason: str) -> Decision:
    """The second caseworker sends the proposal back with a reason; the case is assessed again."""
    if not reason.strip():
        raise Refused(_("Skriv hvorfor forslaget sendes tilbake."))
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        _check(can_approve(actor.membership, actor.user, decision))
        decision.state, decision.returned_by, decision.returned_at = Decision.State.RETURNED, actor.user, timezone.now()
        decision.return_reason = reason.strip()
        decision.save(update_fields=["state", "returned_by", "returned_at", "return_reason"])
        from_state = case.state
        case.state = S.ASSESSED if case.assessed_at else S.ASSESSING
        case.save(update_fields=["state", "updated_at"])
        _record(actor, case, "decision.returned", from_state=from_state, decision=decision.pk, reason=reason.strip())
    return decision


def decision_approve(*, actor: Actor, decision_id: int) -> Decision:
    """A second caseworker approves: the decision is made, and its letter is rendered after commit."""
    from grants import tasks

    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        _check(can_approve(actor.membership, actor.user, decision))
        if decision.kind == Decision.Kind.GRANT and decision.amount != case.allocated:
            raise Refused(_("Det fordelte beløpet er endret etter forslaget. Send forslaget tilbake."))
        now = timezone.now()
        decision.state, decision.approved_by, decision.approved_at = Decision.State.APPROVED, actor.user, now
        decision.save(update_fields=["state", "approved_by", "approved_at"])
        number = Letter.objects.filter(decision__case=case).count() + 1
        letter = Letter.objects.create(
            decision=decision,
            reference=f"{case.application.reference}-{number}",
            language=case.application.organisation.written_standard or "nb",
        )
        from_state = case.state
        case.state = S.DECIDED
        case.save(update_fields=["state", "updated_at"])
        _record(
            actor,
            case,
            "decision.approved",
            from_state=from_state,
            decision=decision.pk,
            kind=decision.kind,
            amount=_money(decision.amount),
            letter=letter.reference,
        )
        send_after_commit(tasks.render_letter, letter.pk)
    return decision


# --- The county: opening the letter, accepting the grant (R17) --------------------------------


def letter_opened(*, actor: Actor, letter: Letter) -> bool:
    """Record the first time someone in the county opens the letter. True when this was it."""
    if not is_applicant_member(actor.membership, letter.decision.case):
        return False
    with transaction.atomic():
        now = timezone.now()
        updated = Letter.objects.filter(pk=letter.pk, first_opened_at__isnull=True).update(
            first_opened_at=now, first_opened_by=actor.user
        )
        if updated:
            letter.first_opened_at, letter.first_opened_by = now, actor.user
            _record(actor, letter.decision.case, "letter.opened", letter=letter.reference)
    return bool(updated)


def decision_accept(*, actor: Actor, decision_id: int) -> Decision:
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        now = timezone.now()
        _check(can_accept(actor.membership, actor.user, decision, now))
        decision.accepted_by, decision.accepted_at = actor.user, now
        decision.save(update_fields=["accepted_by", "accepted_at"])
        from_state = case.state
        case.state = S.ACCEPTED
        case.save(update_fields=["state", "updated_at"])
        _record(actor, case, "decision.accepted", from_state=from_state, decision=decision.pk)
    return decision


# --- Payment (R17) ----------------------------------------------------------------------------


def payment_register(*, actor: Actor, decision_id: int, amount: Decimal, paid_on, reference: str) -> Payment:
    _check(is_caseworker(actor.membership))
    if amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    if not reference.strip():
        raise Refused(_("Oppgi referansen (bilagsnummer) for utbetalingen."))
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        _check(not_disqualified(actor.user, case))
        _check(can_pay(decision))
        if decision.payments.filter(reference__iexact=reference.strip()).exists():
            raise Refused(
                _("En utbetaling med referansen %(reference)s er allerede registrert på dette vedtaket.")
                % {"reference": reference.strip()}
            )
        outstanding = decision.amount - decision.paid
        if amount > outstanding:
            raise Refused(
                _("Det er %(outstanding)s igjen å utbetale. %(amount)s er %(over)s for mye.")
                % {"outstanding": kr(outstanding), "amount": kr(amount), "over": kr(amount - outstanding)}
            )
        payment = Payment.objects.create(
            decision=decision, amount=amount, paid_on=paid_on, reference=reference.strip(), recorded_by=actor.user
        )
        paid = decision.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        from_state = case.state
        if paid == decision.amount:
            case.state = S.PAID
            case.save(update_fields=["state", "updated_at"])
        _record(
            actor,
            case,
            "payment.registered",
            from_state=from_state if from_state != case.state else "",
            decision=decision.pk,
            amount=_money(amount),
            paid_on=paid_on.isoformat(),
            reference=reference.strip(),
        )
    return payment


# --- Appeals (R15) ----------------------------------------------------------------------------


def appeal_file(*, actor: Actor, decision_id: int, reasons: str, files=()) -> Appeal:
    """The county appeals a dismissal. ``files``: (upload, CheckedFile) pairs already checked. A
    late appeal is received and marked late."""
    if not reasons.strip():
        raise Refused(_("Skriv hvorfor dere klager."))
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        _check(can_appeal(actor.membership, decision))
        now = timezone.now()
        deadline = appeal_deadline(decision.letter)
        appeal = Appeal.objects.create(
            case=case,
            decision=decision,
            reasons=reasons.strip(),
            filed_by=actor.user,
            filed_at=now,
            deadline=deadline,
            is_late=timezone.localdate(now) > deadline,
        )
        for upload, checked in files:
            attachment = AppealAttachment(
                appeal=appeal,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=actor.user,
            )
            attachment.file.save(checked.original_name, upload, save=False)
            attachment.save()
        from_state = case.state
        case.state = S.APPEALED
        case.save(update_fields=["state", "updated_at"])
        _record(
            actor,
            case,
            "appeal.filed",
            from_state=from_state,
            appeal=appeal.pk,
            late=appeal.is_late,
            deadline=deadline.isoformat(),
            attachments=[checked.sha256 for _upload, checked in files],
        )
    return appeal


def _lock_appeal(appeal_id: int) -> Appeal:
    appeal = Appeal.objects.select_related("decision").get(pk=appeal_id)
    decision = _lock_decision(appeal.decision_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    appeal.decision, appeal.case = decision, decision.case
    return appeal


def _reopen(case: Case, decision: Decision, now) -> None:
    """The dismissal is reversed: the case is assessed again for a new decision and letter."""
    decision.reversed_at = now
    decision.save(update_fields=["reversed_at"])
    case.state = S.ASSESSING if case.assigned_to_id else S.RECEIVED
    case.save(update_fields=["state", "updated_at"])


def appeal_reverse(*, actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """IMDi finds the appeal right and reverses its own decision (fvl. § 33 second paragraph)."""
    _check(is_caseworker(actor.membership))
    if not reason.strip():
        raise Refused(_("Skriv hvorfor vedtaket omgjøres."))
    with transaction.atomic():
        appeal = _lock_appeal(appeal_id)
        case = appeal.case
        _check(not_disqualified(actor.user, case))
        if appeal.state != Appeal.State.RECEIVED:
            raise Refused(_("Klagen er allerede behandlet."))
        now = timezone.now()
        appeal.state, appeal.reversal_reason = Appeal.State.REVERSED, reason.strip()
        appeal.closed_by, appeal.closed_at = actor.user, now
        appeal.save()
        from_state = case.state
        _reopen(case, appeal.decision, now)
        _record(actor, case, "appeal.reversed", from_state=from_state, appeal=appeal.pk, reason=reason.strip())
    return appeal


def appeal_forward(*, actor: Actor, appeal_id: int, cover_note: str) -> Appeal:
    """IMDi upholds its decision and sends the appeal to the ministry with a cover note."""
    _check(is_caseworker(actor.membership))
    if not cover_note.strip():
        raise Refused(_("Skriv oversendelsesbrevet til departementet."))
    with transaction.atomic():
        appeal = _lock_appeal(appeal_id)
        case = appeal.case
        _check(not_disqualified(actor.user, case))
        if appeal.state != Appeal.State.RECEIVED:
            raise Refused(_("Klagen er allerede behandlet."))
        appeal.state, appeal.cover_note = Appeal.State.FORWARDED, cover_note.strip()
        appeal.forwarded_by, appeal.forwarded_at = actor.user, timezone.now()
        appeal.save()
        from_state = case.state
        case.state = S.FORWARDED
        case.save(update_fields=["state", "updated_at"])
        _record(actor, case, "appeal.forwarded", from_state=from_state, appeal=appeal.pk)
    return appeal


def appeal_outcome(*, actor: Actor, appeal_id: int, upheld: bool, note: str, decided_on) -> Appeal:
    """Record the ministry's decision: upheld closes the case; reversed reopens it for a new decision."""
    _check(is_caseworker(actor.membership))
    if not note.strip():
        raise Refused(_("Skriv hva departementet kom fram til."))
    with transaction.atomic():
        appeal = _lock_appeal(appeal_id)
        case = appeal.case
        _check(not_disqualified(actor.user, case))
        if appeal.state != Appeal.State.FORWARDED:
            raise Refused(_("Klagen er ikke sendt departementet."))
        now = timezone.now()
        appeal.state = Appeal.State.UPHELD if upheld else Appeal.State.MINISTRY_REVERSED
        appeal.outcome_note, appeal.decided_on = note.strip(), decided_on
        appeal.closed_by, appeal.closed_at = actor.user, now
        appeal.save()
        from_state = case.state
        if upheld:
            case.state = S.CLOSED
            case.save(update_fields=["state", "updated_at"])
        else:
            _reopen(case, appeal.decision, now)
        _record(
            actor,
            case,
            "appeal.decided",
            from_state=from_state,
            appeal=appeal.pk,
            upheld=upheld,
            decided_on=decided_on.isoformat(),
        )
    return appeal
