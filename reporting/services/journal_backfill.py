"""Reporting's documents of a case for ``grants.services.journal_backfill`` (registered in its
``BACKFILLS`` by reporting's AppConfig): the annual reports submitted, and each repayment claim's
prior notice, the county's comments and the claim letter, as the stages journal them
(``grants.services.journal``)."""

from __future__ import annotations

from grants.models import Case
from grants.services import journal
from grants.services.journal_backfill import Step
from reporting.models import AnnualReport, RepaymentClaim


def report_steps(report: AnnualReport) -> list[Step]:
    return [(report.submitted_at, lambda: journal.journal_report(report=report))]


def claim_steps(claim: RepaymentClaim) -> list[Step]:
    steps: list[Step] = [(claim.notice_sent_at, lambda: journal.journal_claim_notice(claim=claim))]
    if claim.commented_at:
        steps.append((claim.commented_at, lambda: journal.journal_claim_comment(claim=claim)))
    if claim.claimed_at:

        def register():
            journal.journal_claim_letter(claim=claim)
            if claim.letter and claim.letter_sha256:
                journal.journal_claim_letter_stored(claim=claim)

        steps.append((claim.claimed_at, register))
    return steps


def case_documents(case: Case) -> list[Step]:
    """Every report and repayment claim of ``case`` as steps."""
    steps: list[Step] = []
    reports = AnnualReport.objects.filter(case=case, submitted_at__isnull=False).select_related("decision__case")
    for report in reports.select_related("application__call").order_by("submitted_at", "pk"):
        steps += report_steps(report)
    for claim in RepaymentClaim.objects.filter(case=case).select_related("case").order_by("notice_sent_at", "pk"):
        steps += claim_steps(claim)
    return steps
