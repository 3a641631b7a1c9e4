"""What every reporting service shares: the row locks it takes and the audit event it records on
the application, so that the report's and the claim's steps show in the case history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from grants.models import Application
from portal import audit
from portal.audit import Actor
from reporting.models import AnnualReport, RepaymentClaim


def one_year_project() -> str:
    """Why a one-year project cannot carry over (R18), in the language of the request."""
    return _(
        "Bare et flerårig prosjekt kan overføre ubrukte midler til neste år. Prosjektperioden i søknaden slutter "
        "i tilskuddsåret, så de ubrukte midlene må betales tilbake."
    )


def lock_report(report_id: int) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("decision", "case", "application", "application__organisation", "application__call")
        .get(pk=report_id)
    )


def lock_claim(claim_id: int) -> RepaymentClaim:
    return (
        RepaymentClaim.objects.select_for_update(of=("self",))
        .select_related("case", "case__call", "case__application", "case__application__organisation", "decision")
        .get(pk=claim_id)
    )


def record_on(
    actor: Actor, application: Application, action: str, *, from_state: str = "", to_state: str = "", **changes
) -> None:
    """Record ``action`` on ``application`` (the county's case history), for its county."""
    audit.record(
        actor=actor,
        action=action,
        obj=application,
        subject_organisation=application.organisation,
        from_state=from_state,
        to_state=to_state,
        changes=changes,
    )
