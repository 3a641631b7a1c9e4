"""The grants app's models: schemes and calls, and the counties' applications to them."""

from grants.models.applications import (
    Application,
    BudgetLine,
    CooperationAgreement,
    DeadlineExtension,
    PartnerKind,
    Submission,
)
from grants.models.calls import Call, CallQuerySet, CostCategory, Criterion, Scheme
from grants.models.cases import (
    Appeal,
    AppealAttachment,
    Case,
    CriterionScore,
    Decision,
    DecisionLine,
    ImpartialityDeclaration,
    Letter,
    LineAssessment,
    Payment,
)

__all__ = [
    "Appeal",
    "AppealAttachment",
    "Case",
    "CriterionScore",
    "Decision",
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
