"""The grants app's models: schemes and calls, the counties' applications to them, and IMDi's cases,
decisions (with their letters and payments) and appeals."""

from grants.models.appeals import Appeal, AppealAttachment, AppealLetter
from grants.models.applications import (
    Application,
    BudgetLine,
    Channel,
    CooperationAgreement,
    DeadlineExtension,
    IncomingDocument,
    PartnerKind,
    Submission,
)
from grants.models.archive import ArchiveCounter, ArchiveExtractJob, CaseFolder, JournalDocument, JournalEntry
from grants.models.calls import Call, CallQuerySet, CostCategory, Criterion, Scheme
from grants.models.cases import Case, CriterionScore, ImpartialityDeclaration, LineAssessment
from grants.models.decisions import Decision, DecisionLine, DecisionQuerySet, Letter, LetterTemplate
from grants.models.money import BankAccount, BudgetAuthority, Payment, PaymentBatch
from grants.models.notices import CallFollow, NoticeDigest

__all__ = [
    "ArchiveCounter",
    "ArchiveExtractJob",
    "CaseFolder",
    "JournalDocument",
    "JournalEntry",
    "Appeal",
    "AppealAttachment",
    "AppealLetter",
    "Channel",
    "IncomingDocument",
    "LetterTemplate",
    "Case",
    "CriterionScore",
    "Decision",
    "DecisionQuerySet",
    "DecisionLine",
    "ImpartialityDeclaration",
    "LineAssessment",
    "Letter",
    "Payment",
    "PaymentBatch",
    "BankAccount",
    "BudgetAuthority",
    "Application",
    "BudgetLine",
    "Call",
    "CallFollow",
    "NoticeDigest",
    "CallQuerySet",
    "CooperationAgreement",
    "CostCategory",
    "Criterion",
    "DeadlineExtension",
    "PartnerKind",
    "Scheme",
    "Submission",
]
