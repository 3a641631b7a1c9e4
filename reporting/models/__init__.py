"""What follows a paid grant (R18–R23): the annual report and accounts, their approval by two
people in the county and IMDi's assessment, the carry-over of unused funds, reminders and exports
(``reports``), and repayment claims with their interest and set-offs (``claims``); each call's sums for
the statistics, kept by the database (``figures``)."""

from reporting.models.claims import (
    MIN_COMMENT_DAYS,
    OPEN_CLAIM_STATES,
    LateInterestRate,
    RepaymentClaim,
    SetOff,
    claim_letter_upload_to,
    earliest_comment_deadline,
)
from reporting.models.figures import CallFigures
from reporting.models.reports import (
    EXTENSIONS,
    RESULT_FIELDS,
    SECTIONS,
    TEXT_FIELDS,
    AccountLine,
    AccountsApproval,
    AnnualReport,
    CarryOver,
    ExportJob,
    Reminder,
    ReminderKind,
    ReminderText,
    ReportAttachment,
    accepted_grants,
    export_upload_to,
    overdue_reports,
    report_deadline_expression,
    report_upload_to,
)

__all__ = [
    "EXTENSIONS",
    "MIN_COMMENT_DAYS",
    "OPEN_CLAIM_STATES",
    "RESULT_FIELDS",
    "SECTIONS",
    "TEXT_FIELDS",
    "AccountLine",
    "AccountsApproval",
    "AnnualReport",
    "CallFigures",
    "CarryOver",
    "ExportJob",
    "LateInterestRate",
    "Reminder",
    "ReminderKind",
    "ReminderText",
    "RepaymentClaim",
    "ReportAttachment",
    "SetOff",
    "accepted_grants",
    "claim_letter_upload_to",
    "earliest_comment_deadline",
    "export_upload_to",
    "overdue_reports",
    "report_deadline_expression",
    "report_upload_to",
]
