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

__all__ = [
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
