"""The grants app's models: schemes and calls, the counties' applications to them, and IMDi's cases,
decisions (with their letters and payments) and appeals."""

from grants.models.appeals import Appeal, AppealAttachment
from grants.models.applications import (
    Application,
    BudgetLine,
    CooperationAgreement,
    DeadlineExtension,
    PartnerKind,
    Submission,
)
from grants.models.calls import Call, CallQuerySet, CostCategory, Criterion, Scheme
from grants.models.cases import Case, CriterionScore, ImpartialityDeclaration, LineAssessment
from grants.models.decisions import Decision, DecisionLine, DecisionQuerySet, Letter, Payment

__all__ = [
    "Appeal",
    "AppealAttachment",
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
    "CallQuerySet",
    "CooperationAgreement",
    "CostCategory",
    "Criterion",
    "DeadlineExtension",
    "PartnerKind",
    "Scheme",
    "Submission",
]
