"""What settles a sent claim besides a repayment: set-off (motregning) against a later payment to
the same county, and the interest on late payment recorded as paid.

Set-off: while a payment to the county is proposed and not yet attested, a caseworker may set all or
part of an open claim off against it. The payment then pays its amount less the set-off (the payment
file pays the net amount, ``grants.payment_file``), and the claim counts the set-off as settled
(repaid when nothing is left). The link is reporting's ``SetOff`` row (grants does not know
reporting); ``Payment.set_off_amount`` and ``set_off_reference`` show it on the payment's side. The
payment's case and decision are locked, then the payment, then the claim; the event is recorded on
both cases. A set-off after the due date carries interest on its amount to the day of the set-off.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Payment
from grants.permissions import is_caseworker
from grants.services.cases import case_record
from grants.services.payments import lock_payment
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import kr
from portal.rules import Refused
from reporting import tasks
from reporting.models import RepaymentClaim, SetOff
from reporting.permissions import can_record_interest, can_set_off
from reporting.services.common import lock_claim
from reporting.services.repayments import interest_on, record_claim
from reporting.workflows import REPAYMENT


def set_off_candidates(claim: RepaymentClaim):
    """The county's payments a claim may be set off against: proposed after the claim was sent, not
    yet attested."""
    if claim.claimed_at is None:
        return Payment.objects.none()
    return (
        Payment.objects.filter(
            state=Payment.State.PROPOSED,
            decision__case__application__organisation_id=claim.case.application.organisation_id,
            recorded_at__gte=claim.claimed_at,
        )
        .select_related("decision__case__application")
        .order_by("recorded_at", "pk")
    )


def _check_amount(claim: RepaymentClaim, payment: Payment, amount: Decimal) -> None:
    if amount is None or amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    if amount > claim.outstanding:
        raise Refused(_("Det står %(rest)s igjen av kravet.") % {"rest": kr(claim.outstanding)})
    if amount >= payment.net_amount:
        raise Refused(
            _("Utbetalingen er på %(net)s. Noe av den må fortsatt utbetales, så motregn mindre enn det.")
            % {"net": kr(payment.net_amount)}
        )


def _settle(actor: Actor, claim: RepaymentClaim, payment: Payment, amount: Decimal, today: dt.date) -> str:
    """Count ``amount`` as settled on the claim; repaid when nothing is left. The state before."""
    claim.set_off_amount += amount
    claim.repaid_amount += amount
    if claim.outstanding:
        return ""
    from_state = REPAYMENT.take(claim, "settle", actor=None)
    claim.repaid_on, claim.repaid_recorded_by, claim.repaid_recorded_at = today, actor.user, timezone.now()
    send_after_commit(tasks.notify_repaid, claim.pk)
    return from_state


def repayment_set_off(*, actor: Actor, claim_id: int, payment_id: int, amount: Decimal) -> SetOff:
    """Set ``amount`` of the claim off against the county's proposed payment, recorded on both."""
    is_caseworker(actor.membership).or_refuse()
    today = timezone.localdate()
    with transaction.atomic():
        payment = lock_payment(payment_id)
        claim = lock_claim(claim_id)
        can_set_off(actor.membership, actor.user, claim, payment).or_refuse()
        _check_amount(claim, payment, amount)
        interest = interest_on(claim, amount, today)
        try:
            with transaction.atomic():
                set_off = SetOff.objects.create(
                    claim=claim,
                    payment=payment,
                    amount=amount,
                    set_off_on=today,
                    interest=interest,
                    recorded_by=actor.user,
                )
        except IntegrityError:
            raise Refused(_("Kravet er allerede motregnet i denne utbetalingen.")) from None
        payment.set_off_amount += amount
        payment.set_off_reference = ", ".join(filter(None, [payment.set_off_reference, claim.reference]))
        payment.save(update_fields=["set_off_amount", "set_off_reference"])
        from_state = _settle(actor, claim, payment, amount, today)
        claim.interest += interest
        also = ["repaid_on", "repaid_recorded_by", "repaid_recorded_at"]
        claim.save(update_fields=["state", "set_off_amount", "repaid_amount", "interest", *also])
        event = {"amount": str(amount), "payment_reference": payment.reference, "set_off_on": today.isoformat()}
        late = {"interest": str(interest), "days_late": (today - claim.due_date).days} if interest else {}
        record_claim(actor, claim, "repayment.set_off", from_state=from_state, payment=payment.pk, **event, **late)
        case_record(
            actor,
            payment.decision.case,
            "payment.set_off",
            payment=payment.pk,
            claim=claim.pk,
            reference=claim.reference,
            amount=str(amount),
            net_amount=str(payment.net_amount),
        )
    return set_off


def repayment_interest_paid(*, actor: Actor, claim_id: int, paid_on: dt.date) -> RepaymentClaim:
    """Record that the interest on late payment recorded on the claim has been paid."""
    is_caseworker(actor.membership).or_refuse()
    if paid_on > timezone.localdate():
        raise Refused(_("Betalingsdatoen kan ikke være fram i tid."))
    with transaction.atomic():
        claim = lock_claim(claim_id)
        can_record_interest(actor.membership, actor.user, claim).or_refuse()
        if claim.repaid_on and paid_on < claim.repaid_on:
            raise Refused(_("Rentene kan ikke være betalt før kravet ble gjort opp."))
        claim.interest_paid_on, claim.interest_recorded_by = paid_on, actor.user
        claim.save(update_fields=["interest_paid_on", "interest_recorded_by"])
        record_claim(actor, claim, "repayment.interest_paid", interest=str(claim.interest), paid_on=paid_on.isoformat())
    return claim
