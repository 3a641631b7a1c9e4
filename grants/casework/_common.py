"""What every case service shares: the states that allow a change, checks, locks and the audit record."""

from __future__ import annotations

from decimal import Decimal

from grants.models import (
    Case,
    Decision,
)
from grants.services import Refused
from portal import access, audit
from portal.audit import Actor

S = Case.State
APPEAL_WEEKS = 3

# The states in which the allocation may change: assessed or being assessed, no decision proposed.
ALLOCATABLE = (S.ASSESSING, S.ASSESSED)
# Reassigning is possible until a decision is proposed.
ASSIGNABLE = (S.RECEIVED, S.ASSIGNED, S.ASSESSING, S.ASSESSED)


def _check(decision: access.Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


def _record(actor: Actor, case: Case, action: str, *, from_state: str = "", **changes) -> None:
    """The audit event, on the application: the case history reads one object's events."""
    audit.record(
        actor=actor,
        action=action,
        obj=case.application,
        subject_organisation=case.application.organisation,
        from_state=from_state,
        to_state=case.state if from_state else "",
        changes=changes,
    )


def _lock_case(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "application__organisation", "call", "assigned_to")
        .get(pk=case_id)
    )


def _lock_decision(decision_id: int) -> Decision:
    case_id = Decision.objects.values_list("case_id", flat=True).get(pk=decision_id)
    case = _lock_case(case_id)
    decision = Decision.objects.select_for_update().get(pk=decision_id)
    decision.case = case
    return decision


def _money(value: Decimal) -> str:
    return str(value)
