"""The procedures that change grants' data, one module per subject, offered here under one name:
``services.application_confirm(...)``, ``services.decision_approve(...)``.

Each service checks the state and the actor's right under row locks, writes in one transaction,
records the audit event and schedules e-mail and documents after the commit. A refusal raises
``Refused`` (portal.rules) with the reason in words for the user.
"""

from grants.services.agreements import agreement_add, agreement_remove
from grants.services.allocation import allocation_set
from grants.services.appeals import appeal_dismiss, appeal_file, appeal_forward, appeal_outcome, appeal_reverse
from grants.services.applications import (
    APPLICATION_PREFILLS,
    COPIED_FIELDS,
    AlreadyStarted,
    StaleVersion,
    application_confirm,
    application_return,
    application_section_save,
    application_send,
    application_start,
    application_withdraw,
    extension_record,
    lock_application,
    previous_application,
)
from grants.services.bank_accounts import bank_account_confirm, bank_account_register, bank_account_reject
from grants.services.budget import budget_holders, lock_authority, waiting_for_budget_holder
from grants.services.cases import (
    LineInput,
    assessment_lines,
    assessment_save,
    case_assign,
    case_declare,
    case_open,
    case_reopen,
    eligible_amounts,
)
from grants.services.decisions import (
    decision_accept,
    decision_approve,
    decision_propose,
    decision_return,
    letter_open,
    letter_retry,
)
from grants.services.intake import Received, appeal_register, application_register
from grants.services.locking import lock_appeal, lock_call, lock_case, lock_decision
from grants.services.notices import followable_calls, followed_call_ids, notice_choice_set
from grants.services.payments import (
    batch_confirm,
    batch_create,
    batch_send,
    lock_payment,
    payment_approve,
    payment_attest,
    payment_propose,
    payment_reject,
)
from grants.snapshots import build_snapshot
from portal.rules import Refused

__all__ = [
    "APPLICATION_PREFILLS",
    "COPIED_FIELDS",
    "AlreadyStarted",
    "Refused",
    "StaleVersion",
    "agreement_add",
    "agreement_remove",
    "build_snapshot",
    "application_confirm",
    "application_return",
    "application_section_save",
    "application_send",
    "application_start",
    "application_withdraw",
    "extension_record",
    "lock_application",
    "previous_application",
    "Received",
    "application_register",
    "appeal_register",
    # --- Cases, allocation, decisions, payments, appeals (G2 fills this block)
    "LineInput",
    "allocation_set",
    "appeal_dismiss",
    "appeal_file",
    "appeal_forward",
    "appeal_outcome",
    "appeal_reverse",
    "assessment_lines",
    "assessment_save",
    "case_assign",
    "case_declare",
    "case_open",
    "case_reopen",
    "decision_accept",
    "decision_approve",
    "decision_propose",
    "decision_return",
    "eligible_amounts",
    "letter_open",
    "letter_retry",
    "lock_appeal",
    "lock_call",
    "lock_case",
    "lock_decision",
    "followable_calls",
    "followed_call_ids",
    "notice_choice_set",
    "bank_account_confirm",
    "budget_holders",
    "lock_authority",
    "waiting_for_budget_holder",
    "bank_account_register",
    "bank_account_reject",
    "batch_confirm",
    "batch_create",
    "batch_send",
    "lock_payment",
    "payment_approve",
    "payment_attest",
    "payment_propose",
    "payment_reject",
]
