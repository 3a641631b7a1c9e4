"""The scale data set's decisions: for the cases that have come that far (``bench/plans.py``), the
decision and its lines per cost category, the issued letter and the payments
(``bench/cases.py: seed_applications`` calls ``seed_decisions``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bench.plans import DECIDED, Plan, S
from bench.records import copy_records, reserve_ids
from grants.models import Decision, DecisionLine, Letter, Payment
from portal.models import User

REASONS = {
    "rules": "Rundskriv om tilskudd til en nasjonal samarbeidsmodell, punkt 5 og 6.",
    "facts": "Fylkeskommunen har avtaler med alle fire typer samarbeidspartnere og søkte i tide.",
    "considerations": "Modellen har stor overføringsverdi til andre fylker.",
}


@dataclass
class _Steps:
    """When a decision was proposed, approved and accepted (None for the steps not taken)."""

    proposed: dt.datetime
    approved: dt.datetime | None
    accepted: dt.datetime | None

    @classmethod
    def of(cls, plan: Plan) -> _Steps:
        proposed = plan.assessed_at + dt.timedelta(days=2)
        approved = proposed + dt.timedelta(days=1) if plan.state in DECIDED else None
        accepted = approved + dt.timedelta(days=3) if plan.state in (S.ACCEPTED, S.PAID) else None
        return cls(proposed, approved, accepted)


def _split(plan: Plan) -> dict[int, Decimal]:
    """The allocation over the cost categories, as much as possible in the last ones (as the
    caseworker's proposal would): never more than requested in a category."""
    left, granted = plan.allocated, {}
    for pk, _name in reversed(plan.categories):
        part = min(left, plan.requested[pk])
        granted[pk] = part
        left -= part
    return granted


def _amount(plan: Plan) -> Decimal:
    return plan.allocated if plan.grant else Decimal("0")


def _decision(pk: int, plan: Plan, proposer: User, approver: User, steps: _Steps) -> dict:
    kind = Decision.Kind.GRANT if plan.grant else Decision.Kind.REJECTION
    return {
        "id": pk, "case_id": plan.case_pk, "kind": kind,
        "state": Decision.State.APPROVED if steps.approved else Decision.State.PROPOSED,
        "requested": plan.total, "amount": _amount(plan), **REASONS,
        "conditions": f"Tilskuddet skal brukes til klassen i {plan.call.year}." if plan.grant else "",
        "report_deadline": plan.call.report_deadline, "proposed_by_id": proposer.pk,
        "proposed_at": steps.proposed, "approved_by_id": approver.pk if steps.approved else None,
        "approved_at": steps.approved, "accepted_by_id": plan.confirmed_by.pk if steps.accepted else None,
        "accepted_at": steps.accepted,
    }  # fmt: skip


def _lines(pk: int, plan: Plan) -> list[dict]:
    granted = _split(plan) if plan.grant else {}
    return [
        {"decision_id": pk, "category_id": category, "requested": plan.requested[category],
         "granted": granted.get(category, Decimal("0"))}
        for category, _name in plan.categories
    ]  # fmt: skip


def _letter(pk: int, plan: Plan, steps: _Steps, letter_name: str, sha: str) -> dict:
    issued = steps.approved + dt.timedelta(minutes=5)
    accepted_at = steps.accepted
    return {
        "decision_id": pk, "reference": f"{plan.reference}-1",
        "language": plan.organisation.written_standard, "status": Letter.Status.READY, "file": letter_name,
        "sha256": sha, "attempts": 1, "issued_at": issued, "notified_at": issued,
        "first_opened_at": accepted_at - dt.timedelta(hours=1) if accepted_at else None,
        "first_opened_by_id": plan.confirmed_by.pk if accepted_at else None, "created_at": steps.approved,
    }  # fmt: skip


def _payment(pk: int, plan: Plan, approver: User, steps: _Steps) -> dict | None:
    """All of a paid grant, half of every other accepted one (none before the county accepted)."""
    amount, accepted_at = _amount(plan), steps.accepted
    paid = amount if plan.state == S.PAID else (amount / 2000).quantize(Decimal("1")) * 1000
    if not (accepted_at and paid > 0 and (plan.state == S.PAID or plan.number % 2)):
        return None
    return {
        "decision_id": pk, "amount": paid, "paid_on": (accepted_at + dt.timedelta(days=10)).date(),
        "reference": f"BILAG-{plan.number:06d}", "recorded_by_id": approver.pk,
        "recorded_at": accepted_at + dt.timedelta(days=10), "state": "paid",
    }  # fmt: skip


def seed_decisions(plans: list[Plan], caseworkers: list[User], letter_name: str, sha: str) -> None:
    """Decisions for the cases that have one: proposed, or approved by the other caseworker with an
    issued letter; accepted by the county and paid (in full, or half of every other accepted grant)."""
    decided = [p for p in plans if p.state in (S.PROPOSED, *DECIDED)]
    ids = reserve_ids(Decision, len(decided))
    decisions, lines, letters, payments = [], [], [], []
    for pk, plan in zip(ids, decided, strict=True):
        proposer, approver = caseworkers[plan.caseworker], caseworkers[1 - plan.caseworker]
        steps = _Steps.of(plan)
        decisions.append(_decision(pk, plan, proposer, approver, steps))
        lines += _lines(pk, plan)
        if steps.approved is None:
            continue
        letters.append(_letter(pk, plan, steps, letter_name, sha))
        payment = _payment(pk, plan, approver, steps)
        if payment is not None:
            payments.append(payment)
    copy_records(Decision, decisions)
    copy_records(DecisionLine, lines)
    copy_records(Letter, letters)
    copy_records(Payment, payments)  # the trigger sums the payments into Decision.paid
