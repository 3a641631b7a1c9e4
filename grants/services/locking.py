"""Row locks for the case services, taken in one order so that concurrent requests cannot deadlock:

    application → call → case → decision → appeal

A service locks what it changes, inside its transaction, and never takes a lock earlier in this
order after a later one: ``lock_decision`` locks the case first, ``lock_appeal`` the case and the
decision. The call's row is locked (``lock_call``) before a case whose allocation may change, so
that concurrent allocations in one call take turns.
"""

from __future__ import annotations

from grants.models import Appeal, Call, Case, Decision


def lock_call(call_id: int) -> Call:
    return Call.objects.select_for_update(no_key=True).get(pk=call_id)


def lock_case(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "application__organisation", "call", "assigned_to")
        .get(pk=case_id)
    )


def lock_decision(decision_id: int) -> Decision:
    """The decision, locked after its case (``decision.case`` is the locked case)."""
    case_id = Decision.objects.values_list("case_id", flat=True).get(pk=decision_id)
    case = lock_case(case_id)
    decision = Decision.objects.select_for_update().get(pk=decision_id)
    decision.case = case
    return decision


def lock_appeal(appeal_id: int) -> Appeal:
    """The appeal, locked after its case and decision (``appeal.decision`` and ``appeal.case`` are
    the locked rows)."""
    decision_id = Appeal.objects.values_list("decision_id", flat=True).get(pk=appeal_id)
    decision = lock_decision(decision_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    appeal.decision, appeal.case = decision, decision.case
    return appeal
