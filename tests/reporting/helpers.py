"""A grant at the start of the follow-up: decided, its letter issued, accepted and paid in full."""

from __future__ import annotations

import datetime

from grants import services
from grants.models import Application, Decision
from reporting.services import repayments
from tests import factories as f
from tests.grants.helpers_cases import decided, issued, submitted_case
from tests.grants.helpers_payments import paid_payment


def paid_grant(cast, *, organisation=None, call=None, amount="1000000", multi_year=True, paid=None) -> Decision:
    """County A's (or ``organisation``'s) grant of ``amount`` in ``call`` (cast.call): approved,
    letter issued, accepted by the county's director and paid in full (or ``paid``). ``multi_year``: the project
    period runs a year past the call's year (carry-over is for such a project only, R18)."""
    organisation = organisation or cast.county_a
    director = cast.director_a if organisation == cast.county_a else cast.director_b
    case = submitted_case(cast, call=call, organisation=organisation)
    if multi_year:
        Application.objects.filter(pk=case.application_id).update(period_end=datetime.date(case.call.year + 1, 12, 31))
    decision = decided(cast, case, amount=amount)
    issued(decision)
    services.decision_accept(actor=f.actor_for(director), decision_id=decision.pk)
    paid_payment(cast, decision, paid or amount, paid_on=datetime.date(2025, 3, 1))
    return decision


def send_claim(cast, *, claim_id: int, actor=None, approver=None, **fields):
    """Propose the claim (``actor``, cast.caseworker) and have the other caseworker, a budget holder of
    the scheme, approve it: the letter is made then. ``fields``: due_date, account_number, amount."""
    actor = actor or f.actor_for(cast.caseworker)
    other = cast.caseworker2 if actor.user == cast.caseworker else cast.caseworker
    repayments.repayment_claim(actor=actor, claim_id=claim_id, **fields)
    return repayments.repayment_approve(actor=approver or f.actor_for(other), claim_id=claim_id)
