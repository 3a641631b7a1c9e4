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
from grants.models.calls import Call, CallQuerySet, CostCategory, Criterion, Scheme
from grants.models.cases import Case, CriterionScore, ImpartialityDeclaration, LineAssessment
from grants.models.decisions import Decision, DecisionLine, DecisionQuerySet, Letter, LetterTemplate, Payment
from grants.models.notices import CallFollow, NoticeDigest

__all__ = [
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
