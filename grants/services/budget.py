"""Budget authority (budsjettdisponeringsmyndighet, økonomiregelverket): who may commit a scheme's
money, and up to what amount. Admins set it in the admin (``grants.admin.BudgetAuthorityAdmin``);
the services that commit money lock the approver's authority rows before they check them, so that
a limit lowered at the same moment is either seen or waits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from grants.models import BudgetAuthority, Decision
from portal.models import User


def lock_authority(user: User, scheme_id: int) -> None:
    """Lock ``user``'s authority rows for the scheme (inside the caller's transaction)."""
    list(BudgetAuthority.objects.select_for_update().filter(user=user, scheme_id=scheme_id).values_list("pk"))


def budget_holders(scheme_id: int, amount: Decimal, on: dt.date | None = None) -> list[User]:
    """The active people who may commit ``amount`` of the scheme on ``on`` (today), by name."""
    on = on or timezone.localdate()
    ids = BudgetAuthority.objects.covering(scheme_id, amount, on).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("full_name"))


def waiting_for_budget_holder(decisions: list[Decision], *, user: User | None = None) -> None:
    """Mark each proposed grant in ``decisions`` with the budget holders who may approve it
    (``holders``: names, the proposer left out) and whether ``user`` is one of them (``mine``).
    Two queries for the whole list. Each decision needs ``case.call`` loaded."""
    grants = [d for d in decisions if d.kind == Decision.Kind.GRANT and d.state == Decision.State.PROPOSED]
    if not grants:
        return
    schemes = {d.case.call.scheme_id for d in grants}
    authorities = list(
        BudgetAuthority.objects.valid_on(timezone.localdate())
        .filter(scheme_id__in=schemes, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    by_scheme: dict[int, list[BudgetAuthority]] = defaultdict(list)
    for authority in authorities:
        by_scheme[authority.scheme_id].append(authority)
    for decision in grants:
        holders = [
            a.user
            for a in by_scheme[decision.case.call.scheme_id]
            if a.limit >= decision.amount and a.user_id != decision.proposed_by_id
        ]
        decision.holders = list(dict.fromkeys(u.full_name for u in holders))
        decision.mine = user is not None and any(u.pk == user.pk for u in holders)
