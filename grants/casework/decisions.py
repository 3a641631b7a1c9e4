"""Decisions (R14–R16): propose, return, approve (the letter is made after commit); the county opens
the letter and accepts the grant; payments (R17)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.casework._common import (
    S,
    _check,
    _lock_case,
    _lock_decision,
    _money,
    _record,
)
from grants.casework.assessment import eligible_amounts
from grants.casework.rights import (
    can_accept,
    can_approve,
    can_pay,
    can_propose,
    current_submission,
    is_applicant_member,
    is_caseworker,
    not_disqualified,
)
from grants.models import (
    CostCategory,
    Decision,
    DecisionLine,
    Letter,
    Payment,
)
from grants.services import Refused
from portal.audit import Actor
from portal.background import send_after_commit
from portal.templatetags.portal_tags import kr

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
