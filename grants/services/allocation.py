"""The allocation of a call's pot to its cases (R5). The call's row is locked first, so concurrent
allocations in one call take turns; the database's CHECK (Call.allocated ≤ Call.pot) is the last word."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grants.models import Call, Case
from grants.permissions import can_allocate
from grants.services.cases import case_record, eligible_amounts, money
from grants.services.locking import lock_call, lock_case
from portal.audit import Actor
from portal.formats import kr
from portal.rules import Refused


def allocation_set(*, actor: Actor, case_id: int, amount: Decimal) -> Case:
    """Set the amount allocated to one case."""
    if amount < 0:
        raise Refused(_("Beløpet kan ikke være negativt."))
    call_id = Case.objects.values_list("call_id", flat=True).get(pk=case_id)
    with transaction.atomic():
        call = lock_call(call_id)
        case = lock_case(case_id)
        can_allocate(actor.membership, actor.user, case).or_refuse()
        requested, _per_category = eligible_amounts(case, case.application.current_submission())
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
        case_record(actor, case, "case.allocated", previous=money(previous), amount=money(amount))
    case.call = Call.objects.get(pk=call_id)
    return case
