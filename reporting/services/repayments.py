"""Claims that a county repays a grant (R19): unused funds not carried over, or funds not used for
their purpose, on the conditions in the grant letter (the table is ``reporting.workflows.REPAYMENT``).

    notice ─(the county may comment until the deadline)─▶ notice, commented
       │  propose (a caseworker; amount, due date, account) ▶ claim_proposed
       │        claim_proposed ─send back (a budget holder, with the reason)─▶ notice
       │        claim_proposed ─approve (a budget holder, not the proposer)─▶ claimed (letter PDF)
       │                             record the repayment, or set off (services.settlement) ▶ repaid
       └────────── cancel (from notice, claim_proposed or claimed, nothing settled) ▶ cancelled

A claim commits the state's money as a grant does, so it is approved before the letter goes by a
budget holder of the scheme (økonomiregelverket, L4) whose limit covers the amount and who did not
propose it; the database refuses the proposer as approver. Only then is the letter rendered,
journaled and sent.

The legal footing: a claim under the grant's conditions (the grant letter the county accepted), not
an enkeltvedtak (forvaltningsloven § 2; the grant itself is none), so chapter IV of the act does not
apply and the claim cannot be appealed under § 28; the claim letter says so, and how to ask IMDi to
look at it again. The prior notice, given as good administrative practice ("god forvaltningsskikk"),
tells the county what IMDi intends, why, and by when it may comment. The claim letter is rendered
when the claim is approved (``reporting.letters``), stored with its SHA-256 and never changed. The
database refuses a second open claim on a decision and a repayment that is not the claimed amount.

Interest on late payment (forsinkelsesrenteloven, ``reporting.interest``): the repayment recorded
is the claim's principal, what is left after any set-off; when it is paid after the due date, the
interest is computed to the øre and recorded on the claim as its own amount owed, which is recorded
as paid when it comes in (``services.settlement.repayment_interest_paid``). The claim is repaid when
the principal is; the interest stays open on the claim page until it is paid, so neither amount is
hidden in the other.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Decision
from grants.permissions import is_caseworker
from grants.services import journal
from grants.services.budget import lock_authority
from portal.access import forbid_writes_for_readers
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import ZERO, kr
from portal.rules import Refused
from portal.validators import normalise_account_number
from reporting import letters, tasks
from reporting.interest import late_interest
from reporting.models import (
    MIN_COMMENT_DAYS,
    OPEN_CLAIM_STATES,
    AnnualReport,
    CarryOver,
    LateInterestRate,
    RepaymentClaim,
    earliest_comment_deadline,
)
from reporting.permissions import (
    can_approve_claim,
    can_cancel,
    can_claim,
    can_comment,
    can_give_notice,
    can_record,
    can_send_back_claim,
)
from reporting.services.common import lock_claim, record_on
from reporting.workflows import REPAYMENT

log = logging.getLogger(__name__)

STORED_NAME = "kravbrev.pdf"  # upload_to turns this into a generated name


def repaid_before(decision: Decision) -> Decimal:
    return (
        decision.repayment_claims.filter(state=RepaymentClaim.State.REPAID).aggregate(total=Sum("repaid_amount"))[
            "total"
        ]
        or ZERO
    )


def claimable(decision: Decision) -> Decimal:
    """What may be claimed back: what was paid, less what earlier claims got repaid and what IMDi
    let the county carry over to next year (that money is the county's to use)."""
    carried = CarryOver.objects.filter(report__decision=decision).aggregate(total=Sum("amount"))["total"] or ZERO
    return decision.paid - repaid_before(decision) - carried


def record_claim(actor: Actor, claim: RepaymentClaim, action: str, *, from_state: str = "", **changes) -> None:
    """Record ``action`` on the claim's application; a change of state as ``repayment:<state>``."""
    record_on(
        actor,
        claim.case.application,
        action,
        from_state=f"repayment:{from_state}" if from_state else "",
        to_state=f"repayment:{claim.state}" if from_state else "",
        claim=claim.pk,
        reference=claim.reference,
        **changes,
    )


def _take(claim: RepaymentClaim, name: str, actor: Actor, **changes) -> None:
    """Move ``claim`` along ``name`` (reporting.workflows.REPAYMENT) and record it."""
    from_state = REPAYMENT.take(claim, name, actor=None)
    record_claim(actor, claim, REPAYMENT[name].action, from_state=from_state, **changes)


def _check_notice(reason: str, amount: Decimal | None, explanation: str, comment_deadline: dt.date) -> None:
    if reason not in RepaymentClaim.Reason.values:
        raise Refused(_("Velg hvorfor tilskuddet kreves tilbake."))
    if amount is None or amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    if not explanation:
        raise Refused(_("Forklar hvorfor IMDi vil kreve tilskuddet tilbake."))
    earliest = earliest_comment_deadline()
    if comment_deadline < earliest:
        raise Refused(
            _("Fylkeskommunen skal ha minst %(days)s dager til å komme med merknader: tidligst %(date)s.")
            % {"days": MIN_COMMENT_DAYS, "date": earliest.strftime("%d.%m.%Y")}
        )


def _lock_decision(decision_id: int, amount: Decimal, actor: Actor) -> Decision:
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("case", "case__application", "case__application__organisation")
        .get(pk=decision_id)
    )
    can_give_notice(actor.membership, actor.user, decision).or_refuse()
    if decision.repayment_claims.filter(state__in=OPEN_CLAIM_STATES).exists():
        raise Refused(_("Det er allerede et åpent krav om tilbakebetaling på dette vedtaket."))
    limit = claimable(decision)
    if amount > limit:
        raise Refused(
            _("Det kan kreves tilbake høyst %(limit)s (utbetalt, minus det som er tilbakebetalt før).")
            % {"limit": kr(limit)}
        )
    return decision


def repayment_notice(
    *,
    actor: Actor,
    decision_id: int,
    reason: str,
    amount: Decimal,
    explanation: str,
    comment_deadline: dt.date,
) -> RepaymentClaim:
    """Give the county prior notice (as good administrative practice) that IMDi intends to claim
    ``amount`` back."""
    is_caseworker(actor.membership).or_refuse()
    explanation = (explanation or "").strip()
    _check_notice(reason, amount, explanation, comment_deadline)
    with transaction.atomic():
        decision = _lock_decision(decision_id, amount, actor)
        claim = RepaymentClaim(
            case=decision.case,
            decision=decision,
            report=AnnualReport.objects.filter(decision=decision).first(),
            reason=reason,
            amount=amount,
            notice_amount=amount,
            explanation=explanation,
            reference="TB",
            notice_sent_at=timezone.now(),
            notice_sent_by=actor.user,
            comment_deadline=comment_deadline,
            language=decision.case.application.organisation.written_standard or "nb",
        )
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:  # a colleague gave notice on the same decision in the same moment
            raise Refused(_("Det er allerede et åpent krav om tilbakebetaling på dette vedtaket.")) from None
        claim.reference = f"TB-{timezone.localdate().year}-{claim.pk:05d}"
        claim.save(update_fields=["reference"])
        journal.journal_claim_notice(claim=claim)
        record_claim(
            actor,
            claim,
            "repayment.notice_sent",
            decision=decision.pk,
            reason=reason,
            amount=str(amount),
            comment_deadline=comment_deadline.isoformat(),
        )
        send_after_commit(tasks.notify_notice, claim.pk)
    return claim


def repayment_comment(*, actor: Actor, claim_id: int, comment: str) -> RepaymentClaim:
    """The county's comments on the prior notice, until the deadline (inclusive)."""
    comment = (comment or "").strip()
    forbid_writes_for_readers(actor.membership).or_refuse()
    if not comment:
        raise Refused(_("Skriv merknadene før dere sender dem."))
    with transaction.atomic():
        claim = lock_claim(claim_id)
        can_comment(actor.membership, claim).or_refuse()
        claim.county_comment = comment
        claim.commented_at = timezone.now()
        claim.commented_by = actor.user
        claim.comment_notified_at = None  # IMDi is told of each comment
        claim.save(update_fields=["county_comment", "commented_at", "commented_by", "comment_notified_at"])
        journal.journal_claim_comment(claim=claim)
        record_claim(actor, claim, "repayment.commented", comment=comment)
        send_after_commit(tasks.notify_comment, claim.pk)
    return claim


def _claim_amount(claim: RepaymentClaim, amount: Decimal | None) -> None:
    """The amount may be lowered after the county's comments, never raised."""
    if amount is None:
        return
    if amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    if amount > claim.amount_in_notice:
        raise Refused(
            _("Beløpet kan ikke være høyere enn i forhåndsvarselet (%(amount)s).")
            % {"amount": kr(claim.amount_in_notice)}
        )
    claim.amount = amount


def interest_rates() -> dict[dt.date, Decimal]:
    """The rates of interest on late payment admins have entered, by the start of their half-year."""
    return dict(LateInterestRate.objects.values_list("start", "percent"))


def interest_on(claim: RepaymentClaim, amount: Decimal, paid_on: dt.date) -> Decimal:
    """The interest owed on ``amount`` of the claim settled on ``paid_on`` (nothing if on time)."""
    if claim.due_date is None or paid_on <= claim.due_date:
        return ZERO
    return late_interest(amount, claim.due_date, paid_on, interest_rates())


def _letter_pdf(claim: RepaymentClaim, notice_amount: Decimal, reference: str) -> bytes:
    try:
        return letters.claim_letter_pdf(claim, reference=reference, notice_amount=notice_amount)
    except Exception:
        log.exception("Could not make the claim letter of repayment claim %s", claim.pk)
        raise Refused(
            _("Kravbrevet kunne ikke lages, så kravet er ikke sendt. Prøv igjen, eller kontakt brukerstøtte.")
        ) from None


def repayment_claim(
    *,
    actor: Actor,
    claim_id: int,
    due_date: dt.date,
    account_number: str,
    amount: Decimal | None = None,
) -> RepaymentClaim:
    """Propose the claim to a budget holder: amount (lowered after the county's comments, never
    raised), due date and account are stored; the letter is made when it is approved."""
    is_caseworker(actor.membership).or_refuse()
    account = normalise_account_number(account_number)
    if account is None:
        raise Refused(_("Kontonummeret må ha 11 siffer og være gyldig, for eksempel 7694.05.12340."))
    if due_date <= timezone.localdate():
        raise Refused(_("Forfallsdatoen må være etter i dag."))
    with transaction.atomic():
        claim = lock_claim(claim_id)
        can_claim(actor.membership, actor.user, claim).or_refuse()
        _claim_amount(claim, amount)
        from_state = REPAYMENT.take(claim, "propose", actor=None)
        claim.proposed_at, claim.proposed_by = timezone.now(), actor.user
        claim.due_date, claim.account_number = due_date, account
        claim.sent_back_reason = ""
        also = ("proposed_at", "proposed_by", "due_date", "account_number", "sent_back_reason")
        claim.save(update_fields=["state", "amount", *also])
        record_claim(
            actor,
            claim,
            "repayment.claim_proposed",
            from_state=from_state,
            amount=str(claim.amount),
            notice_amount=str(claim.amount_in_notice),
            due_date=due_date.isoformat(),
            account_number=account,
        )
    return claim


def _lock_for_budget_holder(actor: Actor, claim_id: int) -> RepaymentClaim:
    claim = lock_claim(claim_id)
    lock_authority(actor.user, claim.case.call.scheme_id)  # a limit lowered now is seen, or waits
    return claim


def repayment_approve(*, actor: Actor, claim_id: int) -> RepaymentClaim:
    """A budget holder approves the proposed claim: the letter PDF is made now, journaled and stored
    with its SHA-256, and the county is told. If the letter cannot be made, nothing is saved."""
    is_caseworker(actor.membership).or_refuse()
    with transaction.atomic():
        claim = _lock_for_budget_holder(actor, claim_id)
        can_approve_claim(actor.membership, actor.user, claim).or_refuse()
        if claim.due_date <= timezone.localdate():
            raise Refused(_("Forfallsdatoen i forslaget har passert. Send kravet tilbake med en ny forfallsdato."))
        from_state = REPAYMENT.take(claim, "approve", actor=None)
        claim.claimed_at = claim.approved_at = timezone.now()
        claim.claimed_by, claim.approved_by = claim.proposed_by, actor.user
        entry = journal.journal_claim_letter(claim=claim)  # its number is the letter's "Vår referanse"
        notice_amount = claim.amount_in_notice
        pdf = _letter_pdf(claim, notice_amount, entry.document_number)
        also = ("state", "claimed_at", "claimed_by", "approved_at", "approved_by")
        letters.CLAIM_LETTER.store(claim, pdf, name=STORED_NAME, also=also)
        journal.journal_claim_letter_stored(claim=claim)
        try:
            record_claim(
                actor,
                claim,
                "repayment.claimed",
                from_state=from_state,
                amount=str(claim.amount),
                notice_amount=str(notice_amount),
                due_date=claim.due_date.isoformat(),
                account_number=claim.account_number,
                sha256=claim.letter_sha256,
                commented=claim.commented_at is not None,
            )
        except Exception:
            claim.letter.storage.delete(claim.letter.name)  # rolled back: leave no orphan file
            raise
        send_after_commit(tasks.notify_claim_letter, claim.pk)
    return claim


def repayment_send_back(*, actor: Actor, claim_id: int, reason: str) -> RepaymentClaim:
    """A budget holder sends the proposal back to the notice, with the reason; no letter goes."""
    reason = (reason or "").strip()
    is_caseworker(actor.membership).or_refuse()
    if not reason:
        raise Refused(_("Skriv hvorfor kravet sendes tilbake."))
    with transaction.atomic():
        claim = _lock_for_budget_holder(actor, claim_id)
        can_send_back_claim(actor.membership, actor.user, claim).or_refuse()
        _take(claim, "send_back", actor, reason=reason)
        claim.sent_back_reason = reason
        claim.save(update_fields=["state", "sent_back_reason"])
    return claim


def repayment_record(*, actor: Actor, claim_id: int, repaid_on: dt.date, amount: Decimal) -> RepaymentClaim:
    """Record that the county has repaid the claim, in full: what is left of it after any set-off.
    Paid after the due date, the interest on that amount is computed and recorded on the claim."""
    is_caseworker(actor.membership).or_refuse()
    if repaid_on > timezone.localdate():
        raise Refused(_("Betalingsdatoen kan ikke være fram i tid."))
    with transaction.atomic():
        claim = lock_claim(claim_id)
        can_record(actor.membership, actor.user, claim).or_refuse()
        if amount != claim.outstanding:
            raise Refused(
                _(
                    "Kravet er på %(claimed)s, og %(amount)s er ført. Registrer tilbakebetalingen når hele beløpet "
                    "er betalt."
                )
                % {"claimed": kr(claim.outstanding), "amount": kr(amount)}
            )
        interest = interest_on(claim, amount, repaid_on)
        late = {"interest": str(interest), "days_late": (repaid_on - claim.due_date).days} if interest else {}
        _take(claim, "record", actor, amount=str(amount), repaid_on=repaid_on.isoformat(), **late)
        claim.repaid_amount = claim.amount
        claim.interest += interest
        claim.repaid_on = repaid_on
        claim.repaid_recorded_by = actor.user
        claim.repaid_recorded_at = timezone.now()
        also = ["repaid_on", "repaid_recorded_by", "repaid_recorded_at"]
        claim.save(update_fields=["state", "repaid_amount", "interest", *also])
        send_after_commit(tasks.notify_repaid, claim.pk)
    return claim


def repayment_cancel(*, actor: Actor, claim_id: int, reason: str) -> RepaymentClaim:
    """Drop the claim (after the county's comments, for instance), with the reason."""
    reason = (reason or "").strip()
    is_caseworker(actor.membership).or_refuse()
    if not reason:
        raise Refused(_("Skriv hvorfor kravet frafalles."))
    with transaction.atomic():
        claim = lock_claim(claim_id)
        can_cancel(actor.membership, actor.user, claim).or_refuse()
        _take(claim, "cancel", actor, reason=reason)
        claim.cancelled_reason = reason
        claim.save(update_fields=["state", "cancelled_reason"])
    return claim
