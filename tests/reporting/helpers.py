"""A grant at the start of the follow-up: decided, its letter issued, accepted and paid in full."""

from __future__ import annotations

import datetime

from grants import services
from grants.models import Decision
from tests import factories as f
from tests.grants.helpers_cases import decided, issued, submitted_case
from tests.grants.helpers_payments import paid_payment


def paid_grant(cast, *, organisation=None, call=None, amount="1000000") -> Decision:
    """County A's (or ``organisation``'s) grant of ``amount`` in ``call`` (cast.call): approved,
    letter issued, accepted by the county's director and paid in full."""
    organisation = organisation or cast.county_a
    director = cast.director_a if organisation == cast.county_a else cast.director_b
    case = submitted_case(cast, call=call, organisation=organisation)
    decision = decided(cast, case, amount=amount)
    issued(decision)
    services.decision_accept(actor=f.actor_for(director), decision_id=decision.pk)
    paid_payment(cast, decision, amount, paid_on=datetime.date(2025, 3, 1))
    return decision
