"""Every workflow table, walked: each transition is taken from each of its sources and refused from
every other state, and the tables are exactly the ones written down here, so that removing or
changing a transition in a ``workflows.py`` fails this test (and the service tests behind it)."""

from __future__ import annotations

from importlib import import_module

import pytest

from portal import audit
from portal.rules import Refused
from portal.workflows import CLOSED, NEUTRAL, OPEN, REGISTRY, SOON

# workflow -> transition -> (sources, target), as the circular and the services need them.
EXPECTED: dict[str, dict[str, tuple[set[str], str]]] = {
    "grants.application": {
        "send": ({"draft"}, "awaiting_confirmation"),
        "return": ({"awaiting_confirmation"}, "draft"),
        "confirm": ({"awaiting_confirmation"}, "submitted"),
        "withdraw": ({"submitted"}, "draft"),
        "register": ({"draft"}, "submitted"),
    },
    "grants.case": {
        "assign": ({"received", "assigned", "assessing", "assessed"}, "assigned"),
        "declare_impartial": ({"assigned"}, "assessing"),
        "step_down": ({"assigned", "assessing", "assessed"}, "received"),
        "assess": ({"assessing"}, "assessed"),
        "revise": ({"assessed"}, "assessing"),
        "reopen": ({"assessed"}, "assessing"),
        "propose": ({"assessing", "assessed"}, "proposed"),
        "return": ({"proposed"}, "assessed"),
        "return_unassessed": ({"proposed"}, "assessing"),
        "approve": ({"proposed"}, "decided"),
        "accept": ({"decided"}, "accepted"),
        "pay": ({"accepted"}, "paid"),
        "appeal": ({"decided"}, "appealed"),
        "register_appeal": ({"decided"}, "appealed"),
        "dismiss_appeal": ({"appealed"}, "decided"),
        "reverse": ({"appealed"}, "assessing"),
        "reverse_unassigned": ({"appealed"}, "received"),
        "forward": ({"appealed"}, "forwarded"),
        "uphold": ({"forwarded"}, "closed"),
        "ministry_reverse": ({"forwarded"}, "assessing"),
        "ministry_reverse_unassigned": ({"forwarded"}, "received"),
    },
    "grants.decision": {
        "return": ({"proposed"}, "returned"),
        "approve": ({"proposed"}, "approved"),
    },
    "grants.appeal": {
        "reverse": ({"received"}, "reversed"),
        "forward": ({"received"}, "forwarded"),
        "uphold": ({"forwarded"}, "upheld"),
        "ministry_reverse": ({"forwarded"}, "ministry_reversed"),
        "dismiss": ({"received"}, "dismissed"),
    },
    "grants.payment": {
        "attest": ({"proposed"}, "attested"),
        "approve": ({"attested"}, "approved"),
        "reject": ({"proposed", "attested"}, "rejected"),
        "pay": ({"approved"}, "paid"),
    },
    "grants.paymentbatch": {
        "send": ({"created"}, "sent"),
        "confirm": ({"sent"}, "confirmed"),
    },
    "grants.bankaccount": {
        "confirm": ({"pending"}, "confirmed"),
        "reject": ({"pending"}, "rejected"),
        "replace": ({"confirmed"}, "replaced"),
    },
    "reporting.annualreport": {
        "submit": ({"draft", "returned"}, "submitted"),
        "return": ({"submitted"}, "returned"),
        "approve": ({"submitted"}, "approved"),
    },
    "reporting.repaymentclaim": {
        "propose": ({"notice"}, "claim_proposed"),
        "approve": ({"claim_proposed"}, "claimed"),
        "send_back": ({"claim_proposed"}, "notice"),
        "record": ({"claimed"}, "repaid"),
        "settle": ({"claimed"}, "repaid"),
        "cancel": ({"notice", "claim_proposed", "claimed"}, "cancelled"),
    },
}

TRANSITIONS = [(label, name) for label, table in sorted(EXPECTED.items()) for name in sorted(table)]


def test_every_workflow_is_written_down_here():
    assert sorted(REGISTRY) == sorted(EXPECTED)


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_the_table_is_as_written_down(label):
    table = {t.name: (set(t.sources), t.target) for t in REGISTRY[label].transitions}
    assert table == EXPECTED[label]


@pytest.mark.parametrize("label,name", TRANSITIONS)
def test_a_transition_is_taken_from_its_sources_and_refused_from_every_other_state(label, name):
    workflow = REGISTRY[label]
    sources, target = EXPECTED[label][name]
    for state in workflow.states:
        obj = workflow.model(state=state)
        if state in sources:
            assert workflow.allows(name, state)
            assert workflow.take(obj, name, actor=None) == state
            assert obj.state == target
        else:
            assert not workflow.allows(name, state)
            with pytest.raises(Refused):
                workflow.take(obj, name, actor=None)
            assert obj.state == state


@pytest.mark.parametrize("label,name", TRANSITIONS)
def test_a_transition_names_its_rule_and_a_registered_audit_action(label, name):
    workflow = REGISTRY[label]
    transition = workflow[name]
    permissions = import_module(f"{workflow.model._meta.app_label}.permissions")
    assert callable(getattr(permissions, transition.who, None)), f"{transition.who} is not in permissions.py"
    assert audit.is_registered(transition.action)
    assert str(transition.label)


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_tones_are_for_real_states(label):
    workflow = REGISTRY[label]
    assert set(workflow.tones) <= set(workflow.states)
    assert set(workflow.tones.values()) <= {OPEN, SOON, CLOSED, NEUTRAL}
