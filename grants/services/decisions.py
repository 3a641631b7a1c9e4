"""Decisions (R14–R17): the assigned caseworker proposes, a second caseworker returns or approves (the
letter is made after the commit), the county opens the letter and accepts a grant."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import tasks
from grants.models import Case, CostCategory, Decision, DecisionLine, Letter, Submission
from grants.multi_year import lock_county, within_project_years
from grants.permissions import can_accept, can_approve, can_propose, is_applicant_member
from grants.services.budget import lock_authority
from grants.services.cases import case_record, case_take, eligible_amounts, money
from grants.services.journal import journal_letter, journal_proposal
from grants.services.locking import lock_case, lock_decision
from grants.snapshots import requested_per_category
from grants.workflows import DECISION
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import ZERO, kr
from portal.rules import Refused

Kind = Decision.Kind

# --- Proposing (R14–R16) ----------------------------------------------------------------------


def _proposal_submission(case: Case, kind: str) -> Submission:
    """The version the decision is about: the current one; for a dismissal, also the last one
    withdrawn for correction and never submitted again."""
    submission = case.application.current_submission()
    if submission is None and kind == Kind.DISMISSAL:
        submission = case.application.submissions.order_by("-number").first()
    if submission is None:
        raise Refused(_("Søknaden er trukket tilbake for retting."))
    return submission


def _proposed_amount(
    case: Case, kind: str, granted: dict[int, Decimal], categories: list[CostCategory], submission: Submission
) -> Decimal:
    """A grant is the allocated amount, split over the cost categories within what may be granted in
    each; a rejection or dismissal allocates nothing."""
    if kind in (Kind.REJECTION, Kind.DISMISSAL):
        if case.allocated != 0:
            raise Refused(_("Sett fordelt beløp til 0 på fordelingssiden før du foreslår avslag eller avvisning."))
        return ZERO
    if kind != Kind.GRANT:
        raise Refused(_("Ukjent type vedtak."))
    if case.allocated <= 0:
        raise Refused(_("Fordel et beløp til søknaden på fordelingssiden før du foreslår tilskudd."))
    if set(granted) - {c.pk for c in categories} or any(value < 0 for value in granted.values()):
        raise Refused(_("Beløpene per kostnadskategori er ikke gyldige."))
    _eligible_total, eligible = eligible_amounts(case, submission)
    for category in categories:
        if granted.get(category.pk, ZERO) > eligible.get(category.pk, ZERO):
            raise Refused(
                _(
                    "I «%(category)s» kan det ikke gis mer enn det er søkt om til utgifter som kan få "
                    "tilskudd (%(eligible)s)."
                )
                % {"category": category.name, "eligible": kr(eligible.get(category.pk, ZERO))}
            )
    split = sum(granted.values(), ZERO)
    if split != case.allocated:
        raise Refused(
            _("Beløpene per kostnadskategori er til sammen %(split)s, men det er fordelt %(allocated)s.")
            % {"split": kr(split), "allocated": kr(case.allocated)}
        )
    return case.allocated


def _add_lines(decision: Decision, categories: list[CostCategory], submission: Submission, granted: dict) -> None:
    """What was applied for and what is granted in each cost category (the letter's table)."""
    requested = requested_per_category(submission.snapshot, categories)
    is_grant = decision.kind == Kind.GRANT
    DecisionLine.objects.bulk_create(
        DecisionLine(
            decision=decision,
            category=category,
            requested=requested[category.pk],
            granted=granted.get(category.pk, ZERO) if is_grant else ZERO,
        )
        for category in categories
    )


def decision_propose(
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    rules: str,
    facts: str,
    considerations: str,
    conditions: str = "",
    purpose: str = "",
    attachments: str = "",
    copy_to: str = "",
    granted: dict[int, Decimal] | None = None,
) -> Decision:
    """The assigned caseworker proposes a decision (``granted``: category id → amount, for a grant).
    ``purpose`` and ``conditions`` belong to a grant only; ``attachments`` and ``copy_to`` are the
    letter's "Vedlegg" and "Kopi til" lists, one item per line."""
    granted = granted or {}
    if not all(text.strip() for text in (rules, facts, considerations)):
        raise Refused(_("Begrunn avgjørelsen: fyll ut regler, faktiske forhold og hovedhensyn."))
    with transaction.atomic():
        case = lock_case(case_id)
        can_propose(actor.membership, actor.user, case).or_refuse()
        if kind != Kind.DISMISSAL and case.state != Case.State.ASSESSED:
            raise Refused(_("Vurderingen må være ferdig før du foreslår tilskudd eller avslag."))
        submission = _proposal_submission(case, kind)
        categories = list(CostCategory.objects.filter(call_id=case.call_id))
        amount = _proposed_amount(case, kind, granted, categories, submission)
        if kind == Kind.GRANT:  # at most four years of grants in the scheme (R16)
            within_project_years(case).or_refuse()
        decision = Decision.objects.create(
            case=case,
            kind=kind,
            requested=submission.total,
            amount=amount,
            rules=rules.strip(),
            facts=facts.strip(),
            considerations=considerations.strip(),
            conditions=conditions.strip() if kind == Kind.GRANT else "",
            purpose=purpose.strip() if kind == Kind.GRANT else "",
            attachments=attachments.strip(),
            copy_to=copy_to.strip(),
            report_deadline=case.call.report_deadline,
            replaces=case.decisions.filter(reversed_at__isnull=False).order_by("-approved_at").first(),
            proposed_by=actor.user,
            proposed_at=timezone.now(),
        )
        _add_lines(decision, categories, submission, granted)
        journal_proposal(decision=decision)
        case_take(case, "propose", actor=actor, decision=decision.pk, kind=kind, amount=money(amount))
        case.save(update_fields=["state", "updated_at"])
    return decision


# --- Returning and approving ------------------------------------------------------------------


def decision_return(*, actor: Actor, decision_id: int, reason: str) -> Decision:
    """The second caseworker sends the proposal back with a reason; the case is assessed again."""
    if not reason.strip():
        raise Refused(_("Skriv hvorfor forslaget sendes tilbake."))
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        can_approve(actor.membership, actor.user, decision).or_refuse()
        DECISION.take(decision, "return", actor=None)  # the case's transition records the event
        decision.returned_by, decision.returned_at = actor.user, timezone.now()
        decision.return_reason = reason.strip()
        decision.save(update_fields=["state", "returned_by", "returned_at", "return_reason"])
        back_to = "return" if case.assessed_at else "return_unassessed"
        case_take(case, back_to, actor=actor, decision=decision.pk, reason=reason.strip())
        case.save(update_fields=["state", "updated_at"])
    return decision


def decision_approve(*, actor: Actor, decision_id: int) -> Decision:
    """A second caseworker approves (a grant: a budget holder whose limit covers it): the decision is
    made, and its letter is rendered after commit."""
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        if decision.kind == Kind.GRANT:  # a grant commits money: a budget holder, checked under lock
            lock_authority(actor.user, case.call.scheme_id)
        can_approve(actor.membership, actor.user, decision).or_refuse()
        if decision.kind == Kind.GRANT and decision.amount != case.allocated:
            raise Refused(_("Det fordelte beløpet er endret etter forslaget. Send forslaget tilbake."))
        if decision.kind == Kind.GRANT:  # counted under the county's lock: two calls approved at once (R16)
            lock_county(case.application.organisation_id)
            within_project_years(case).or_refuse()
        DECISION.take(decision, "approve", actor=None)  # the case's transition records the event
        decision.approved_by, decision.approved_at = actor.user, timezone.now()
        decision.save(update_fields=["state", "approved_by", "approved_at"])
        entry = journal_letter(decision=decision)  # "Vår referanse": the case and document number
        letter = Letter.objects.create(
            decision=decision,
            reference=entry.document_number,
            language=case.application.organisation.written_standard or "nb",
        )
        case_take(
            case,
            "approve",
            actor=actor,
            decision=decision.pk,
            kind=decision.kind,
            amount=money(decision.amount),
            letter=letter.reference,
        )
        case.save(update_fields=["state", "updated_at"])
        send_after_commit(tasks.render_letter, letter.pk)
    return decision


# --- The letter, and the county's acceptance (R17) --------------------------------------------


def letter_open(*, actor: Actor, letter: Letter) -> bool:
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
            case_record(actor, letter.decision.case, "letter.opened", letter=letter.reference)
    return bool(updated)


def letter_retry(*, actor: Actor, letter: Letter) -> None:
    """A caseworker asks for the letter that failed (or never came) to be made again."""
    with transaction.atomic():
        case_record(
            actor,
            letter.decision.case,
            "letter.retry_requested",
            letter=letter.reference,
            status=letter.status,
            attempts=letter.attempts,
        )
        send_after_commit(tasks.render_letter, letter.pk)


def decision_accept(*, actor: Actor, decision_id: int) -> Decision:
    """The county accepts the grant (the director or a fullmakt holder): IMDi may now pay it."""
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        now = timezone.now()
        can_accept(actor.membership, actor.user, decision, now).or_refuse()
        decision.accepted_by, decision.accepted_at = actor.user, now
        decision.save(update_fields=["accepted_by", "accepted_at"])
        case_take(case, "accept", actor=actor, decision=decision.pk)
        case.save(update_fields=["state", "updated_at"])
        send_after_commit(tasks.notify_accepted, decision.pk)
    return decision
