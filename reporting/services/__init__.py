"""The procedures that change reporting's data, one module per subject, offered here under one name:
``services.report_submit(...)``, ``services.repayment_claim(...)``.

Each service checks the state and the actor's right under a row lock, writes in one transaction,
records the audit event and schedules e-mail after the commit. A refusal raises ``Refused``
(portal.rules) with the reason in words for the user.
"""

from portal.rules import Refused
from reporting.services.casefile import case_file_export
from reporting.services.exports import export_job_create, export_record
from reporting.services.reminders import reminder_text_change
from reporting.services.repayments import (
    claimable,
    repaid_before,
    repayment_approve,
    repayment_cancel,
    repayment_claim,
    repayment_comment,
    repayment_notice,
    repayment_record,
    repayment_send_back,
)
from reporting.services.reports import (
    StaleReport,
    accounts_approve,
    accounts_file_set,
    attachment_add,
    attachment_remove,
    report_save,
    report_start,
    report_submit,
    report_version,
)
from reporting.services.review import carry_over_note, carry_over_prefill, report_approve, report_return
from reporting.services.settlement import repayment_interest_paid, repayment_set_off, set_off_candidates

__all__ = [
    "Refused",
    "StaleReport",
    "accounts_approve",
    "accounts_file_set",
    "attachment_add",
    "attachment_remove",
    "carry_over_note",
    "carry_over_prefill",
    "case_file_export",
    "claimable",
    "export_job_create",
    "export_record",
    "reminder_text_change",
    "repaid_before",
    "repayment_approve",
    "repayment_cancel",
    "repayment_claim",
    "repayment_comment",
    "repayment_notice",
    "repayment_interest_paid",
    "repayment_record",
    "repayment_send_back",
    "repayment_set_off",
    "report_approve",
    "report_return",
    "report_save",
    "report_start",
    "report_submit",
    "report_version",
    "set_off_candidates",
]
