"""The states of reporting's models and the transitions between them, one table each, and every
audit action reporting records. ``Workflow.take`` (portal.workflows) is the only code that writes
a ``state``; ``who`` names the rule in ``reporting.permissions`` that decides who may take it.

The annual report and accounts (R20–R22):

    (accepted grant) ─start─▶ draft ─submit─▶ submitted ─approve (IMDi)─▶ approved
                               returned ◀─return (IMDi)─┘
                               returned ─submit (corrected)─▶ submitted

A repayment claim (R19), created in ``notice``: the prior notice, given as good administrative
practice (a claim under the grant's conditions is not an enkeltvedtak):

    notice ─claim (after the comment deadline or the comments)─▶ claimed ─record─▶ repaid
    notice | claimed ─cancel─▶ cancelled

A claim's states are written in the history as ``repayment:<state>`` (its words differ from a
report's or an application's state of the same value).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.audit import Action, register_actions, register_states
from portal.workflows import CLOSED, OPEN, SOON, Transition, Workflow
from reporting.models import AnnualReport, ExportJob, RepaymentClaim

R = AnnualReport.State
C = RepaymentClaim.State

REPORT = Workflow(
    AnnualReport,
    transitions=[
        Transition(
            "submit",
            [R.DRAFT, R.RETURNED],
            R.SUBMITTED,
            who="can_submit_report",
            label=_("Send inn til IMDi"),
            action="report.submitted",
        ),
        Transition(
            "return",
            [R.SUBMITTED],
            R.RETURNED,
            who="can_assess_report",
            label=_("Send tilbake til fylkeskommunen"),
            action="report.returned",
        ),
        Transition(
            "approve",
            [R.SUBMITTED],
            R.APPROVED,
            who="can_assess_report",
            label=_("Godkjenn rapporten"),
            action="report.approved",
        ),
    ],
    tones={R.SUBMITTED: SOON, R.RETURNED: SOON, R.APPROVED: OPEN},
)

REPAYMENT = Workflow(
    RepaymentClaim,
    transitions=[
        Transition(
            "claim",
            [C.NOTICE],
            C.CLAIMED,
            who="can_claim",
            label=_("Send kravet"),
            action="repayment.claimed",
        ),
        Transition(
            "record",
            [C.CLAIMED],
            C.REPAID,
            who="can_record",
            label=_("Registrer tilbakebetalingen"),
            action="repayment.recorded",
        ),
        Transition(
            "cancel",
            [C.NOTICE, C.CLAIMED],
            C.CANCELLED,
            who="can_cancel",
            label=_("Frafall kravet"),
            action="repayment.cancelled",
        ),
    ],
    tones={C.NOTICE: SOON, C.CLAIMED: SOON, C.REPAID: OPEN, C.CANCELLED: CLOSED},
)

# An export job's status is not a workflow (a task moves it, nobody chooses), but its tag has tones too.
EXPORT_TONES = {ExportJob.Status.PENDING: SOON, ExportJob.Status.DONE: OPEN, ExportJob.Status.FAILED: CLOSED}

register_actions(
    {
        # The county's report: the county sees every step of it in its case history.
        "report.started": Action(_("Arbeidet med årsrapporten ble startet"), county=True),
        "report.saved": Action(_("En del av årsrapporten ble lagret"), county=True),
        "report.accounts_file": Action(_("Regnskapet ble lastet opp"), county=True),
        "report.attachment_added": Action(_("Vedlegg til årsrapporten lastet opp"), county=True),
        "report.attachment_removed": Action(_("Vedlegg fjernet fra årsrapporten"), county=True),
        "report.accounts_approved": Action(_("Regnskapet ble godkjent"), county=True),
        "report.submitted": Action(_("Årsrapport og regnskap sendt inn"), county=True),
        # IMDi's review of it, and the carry-over
        "report.returned": Action(_("Årsrapport og regnskap sendt tilbake til fylkeskommunen"), county=True),
        "report.approved": Action(_("Årsrapport og regnskap godkjent av IMDi"), county=True),
        "carry_over.approved": Action(_("Overføring av ubrukte midler til neste år godkjent"), county=True),
        "carry_over.applied": Action(_("Godkjent overføring av ubrukte midler lagt inn i søknaden"), county=True),
        # Repayment claims
        "repayment.notice_sent": Action(_("Forhåndsvarsel om krav om tilbakebetaling sendt"), county=True),
        "repayment.commented": Action(_("Fylkeskommunens merknader til forhåndsvarselet mottatt"), county=True),
        "repayment.claimed": Action(_("Krav om tilbakebetaling sendt"), county=True),
        "repayment.recorded": Action(_("Tilbakebetaling registrert"), county=True),
        "repayment.cancelled": Action(_("Krav om tilbakebetaling frafalt"), county=True),
        # IMDi's own work: reminder texts, exports and the case file
        "reminder_text.changed": Action(_("Påminnelsestekst endret")),
        "export.downloaded": Action(_("Eksport lastet ned")),
        "export.requested": Action(_("Eksport bestilt")),
        "case.file_exported": Action(_("Saksmappen ble lastet ned")),
    }
)
register_states(
    {
        **dict(R.choices),
        **dict(C.choices),
        **{f"repayment:{value}": label for value, label in C.choices},
    }
)
