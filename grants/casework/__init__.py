"""IMDi's handling of a case and the county's answers to it (R5, R13–R17): assign, declare
impartiality, assess, allocate, propose and approve a decision, accept, pay, appeal.

Each function checks the case's state and the actor's right under row locks, writes in one
transaction and records the audit event on the application, so that the case history is one list.
Locks are always taken call first, then case, then decision: concurrent requests cannot deadlock.

    received ─assign─▶ assigned ─declare impartial─▶ assessing ─complete─▶ assessed
        ▲                  │ (declares a conflict: unassigned)                │
        └──────────────────┘                              propose ◀───────────┘
    proposed ─approve (another caseworker)─▶ decided ─accept─▶ accepted ─pay in full─▶ paid
        │ return ▶ assessed/assessing        │ (dismissal) appeal ▶ appealed ─forward─▶ forwarded
                                             │   IMDi or the ministry reverses ▶ assessing (a new decision)
                                             │   the ministry upholds ▶ closed

The services are split by subject: ``rights`` (who may do what), ``assessment`` (opening a case,
assignment, impartiality, assessment, allocation), ``decisions`` (proposal, approval, acceptance,
payment) and ``appeals``; this package offers them all under one name.
"""

from grants.casework._common import (
    ALLOCATABLE,
    APPEAL_WEEKS,
    ASSIGNABLE,
)
from grants.casework.appeals import (
    appeal_file,
    appeal_forward,
    appeal_outcome,
    appeal_reverse,
)
from grants.casework.assessment import (
    LineInput,
    allocate,
    assessment_lines,
    assessment_save,
    case_assign,
    case_declare,
    eligible_amounts,
    open_case,
    withdrawn,
)
from grants.casework.decisions import (
    decision_accept,
    decision_approve,
    decision_propose,
    decision_return,
    letter_opened,
    payment_register,
)
from grants.casework.rights import (
    appeal_deadline,
    can_accept,
    can_allocate,
    can_appeal,
    can_approve,
    can_assess,
    can_pay,
    can_propose,
    current_submission,
    disqualified_user_ids,
    is_applicant_member,
    is_caseworker,
    not_disqualified,
)

__all__ = [
    "ALLOCATABLE",
    "APPEAL_WEEKS",
    "ASSIGNABLE",
    "LineInput",
    "allocate",
    "appeal_deadline",
    "appeal_file",
    "appeal_forward",
    "appeal_outcome",
    "appeal_reverse",
    "assessment_lines",
    "assessment_save",
    "can_accept",
    "can_allocate",
    "can_appeal",
    "can_approve",
    "can_assess",
    "can_pay",
    "can_propose",
    "case_assign",
    "case_declare",
    "current_submission",
    "decision_accept",
    "decision_approve",
    "decision_propose",
    "decision_return",
    "disqualified_user_ids",
    "eligible_amounts",
    "is_applicant_member",
    "is_caseworker",
    "letter_opened",
    "not_disqualified",
    "open_case",
    "payment_register",
    "withdrawn",
]
