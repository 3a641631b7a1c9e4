"""Payments of an accepted grant (R17). Payments are never changed or deleted; ``Decision.paid`` is
their sum (a trigger), which the database keeps within the granted amount."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from grants.models import Payment
from grants.permissions import can_pay, is_caseworker, not_disqualified
from grants.services.cases import case_record, case_take, money
from grants.services.locking import lock_decision
from portal.audit import Actor
from portal.formats import ZERO, kr
from portal.rules import Refused


def payment_register(*, actor: Actor, decision_id: int, amount: Decimal, paid_on, reference: str) -> Payment:
    """Register one payment; the one that pays the grant in full moves the case to paid."""
    is_caseworker(actor.membership).or_refuse()
    if amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    reference = reference.strip()
    if not reference:
        raise Refused(_("Oppgi referansen (bilagsnummer) for utbetalingen."))
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        not_disqualified(actor.user, case).or_refuse()
        can_pay(decision).or_refuse()
        if decision.payments.filter(reference__iexact=reference).exists():
            raise Refused(
                _("En utbetaling med referansen %(reference)s er allerede registrert på dette vedtaket.")
                % {"reference": reference}
            )
        outstanding = decision.amount - decision.paid
        if amount > outstanding:
            raise Refused(
                _("Det er %(outstanding)s igjen å utbetale. %(amount)s er %(over)s for mye.")
                % {"outstanding": kr(outstanding), "amount": kr(amount), "over": kr(amount - outstanding)}
            )
        payment = Payment.objects.create(
            decision=decision, amount=amount, paid_on=paid_on, reference=reference, recorded_by=actor.user
        )
        paid = decision.payments.aggregate(total=Sum("amount"))["total"] or ZERO
        event = {"decision": decision.pk, "amount": money(amount), "paid_on": paid_on.isoformat()}
        if paid == decision.amount:
            case_take(case, "pay", actor=actor, **event, reference=reference)
            case.save(update_fields=["state", "updated_at"])
        else:
            case_record(actor, case, "payment.registered", **event, reference=reference)
    return payment
