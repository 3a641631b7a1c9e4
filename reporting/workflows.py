"""The states of reporting's models and the transitions between them, one table each, and every
audit action reporting records. ``Workflow.take`` (portal.workflows) is the only code that writes
a ``state``; ``who`` names the rule in ``reporting.permissions`` that decides who may take it.

The annual report and accounts (R20–R22):

    (accepted grant) ─start─▶ draft ─submit─▶ submitted ─approve (IMDi)─▶ approved
                               returned ◀─return (IMDi)─┘
                               returned ─submit (corrected)─▶ submitted

A repayment claim (R19), created in ``notice``: the prior notice, given as good administrative
practice (a claim under the grant's conditions is not an enkeltvedtak):

    notice ─propose (a caseworker, after the comment deadline or the comments)─▶ claim_proposed
    claim_proposed ─approve (a budget holder whose limit covers it, not the proposer)─▶ claimed (letter)
    claim_proposed ─send_back (a budget holder, with the reason)─▶ notice
    claimed ─record (the rest repaid)─▶ repaid
    claimed ─settle (the rest set off against a later payment to the county)─▶ repaid
    notice | claim_proposed | claimed ─cancel (nothing settled yet)─▶ cancelled

A claim's states are written in the history as ``repayment:<state>`` (its words differ from a
report's or an application's state of the same value).
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.audit import Action, register_actions, register_states
from portal.history import Key, choices, labelled, money, register_keys, register_sentences
from portal.workflows import CLOSED, OPEN, SOON, Transition, Workflow
from reporting.models import RESULT_FIELDS, AccountsApproval, AnnualReport, ExportJob, RepaymentClaim

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
            "propose",
            [C.NOTICE],
            C.CLAIM_PROPOSED,
            who="can_claim",
            label=_("Send kravet til godkjenning"),
            action="repayment.claim_proposed",
        ),
        Transition(
            "approve",
            [C.CLAIM_PROPOSED],
            C.CLAIMED,
            who="can_approve_claim",
            label=_("Godkjenn og send kravet"),
            action="repayment.claimed",
        ),
        Transition(
            "send_back",
            [C.CLAIM_PROPOSED],
            C.NOTICE,
            who="can_send_back_claim",
            label=_("Send kravet tilbake til saksbehandleren"),
            action="repayment.sent_back",
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
            "settle",
            [C.CLAIMED],
            C.REPAID,
            who="can_set_off",
            label=_("Motregn mot en utbetaling"),
            action="repayment.set_off",
        ),
        Transition(
            "cancel",
            [C.NOTICE, C.CLAIM_PROPOSED, C.CLAIMED],
            C.CANCELLED,
            who="can_cancel",
            label=_("Frafall kravet"),
            action="repayment.cancelled",
        ),
    ],
    tones={C.NOTICE: SOON, C.CLAIM_PROPOSED: SOON, C.CLAIMED: SOON, C.REPAID: OPEN, C.CANCELLED: CLOSED},
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
        "repayment.claim_proposed": Action(_("Krav om tilbakebetaling sendt til godkjenning")),
        "repayment.sent_back": Action(_("Krav om tilbakebetaling sendt tilbake fra budsjettdisponenten")),
        "repayment.claimed": Action(_("Krav om tilbakebetaling sendt"), county=True),
        "repayment.recorded": Action(_("Tilbakebetaling registrert"), county=True),
        "repayment.set_off": Action(_("Krav om tilbakebetaling motregnet i en utbetaling"), county=True),
        "repayment.interest_paid": Action(_("Forsinkelsesrenter registrert som betalt"), county=True),
        "payment.set_off": Action(_("Krav om tilbakebetaling motregnet i utbetalingen"), county=True),
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


# --- The history as people read it (portal.history) -------------------------------------------

REPORT_SECTIONS = {"report": _("Rapport"), "results": _("Resultater"), "accounts": _("Regnskap")}
CAPACITIES = dict(AccountsApproval.Capacity.choices)


def _report_field(name: str) -> str:
    label = str(AnnualReport._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


_field_label = lazy(_report_field, str)  # read in the reader's language


def _approvals(value) -> str:
    """``["project_owner (user 12)", …]`` as the capacities whose approval was removed."""
    items = value if isinstance(value, list) else [value]
    return ", ".join(str(CAPACITIES.get(str(item).split(" (", 1)[0], item)) for item in items) or "–"


register_sentences(
    {
        "report.started": _("Arbeidet med årsrapporten ble startet. Fristen er %(deadline)s."),
        "report.saved": _("Delen «%(section)s» av årsrapporten ble lagret."),
        "report.accounts_file": _("Regnskapet ble lastet opp: %(file)s."),
        "report.attachment_added": _("Vedlegget %(file)s ble lastet opp til årsrapporten."),
        "report.attachment_removed": _("Vedlegget %(file)s ble fjernet fra årsrapporten."),
        "report.accounts_approved": _("Regnskapet ble godkjent av %(capacity)s."),
        "carry_over.approved": _("Overføring av %(amount)s i ubrukte midler til %(to_year)s godkjent."),
        "carry_over.applied": _("Godkjent overføring av %(amount)s lagt inn i søknaden."),
        "repayment.notice_sent": _("Forhåndsvarsel om krav om tilbakebetaling av %(amount)s sendt (%(reference)s)."),
        "repayment.claimed": _("Krav om tilbakebetaling av %(amount)s sendt (%(reference)s)."),
        "repayment.recorded": _("Tilbakebetaling av %(amount)s registrert, betalt %(repaid_on)s."),
        "repayment.claim_proposed": _("Krav om tilbakebetaling av %(amount)s sendt til godkjenning (%(reference)s)."),
        "repayment.set_off": _("%(amount)s av kravet %(reference)s motregnet i utbetalingen %(payment_reference)s."),
        "payment.set_off": _("%(amount)s motregnet i utbetalingen mot kravet %(reference)s."),
        "repayment.interest_paid": _("Forsinkelsesrenter på %(interest)s registrert som betalt %(paid_on)s."),
    }
)
register_keys(
    {
        "report": Key(_("Årsrapport (id)"), county=False),
        "report.saved:section": Key(_("Del"), choices(REPORT_SECTIONS, lower=True)),
        "changed": Key(_("Felt"), labelled(_report_field)),
        **{name: Key(_field_label(name)) for name in RESULT_FIELDS},
        "spent:": Key(_("Brukt"), money),
        "other_income": Key(_field_label("other_income"), money),
        "carry_over_requested": Key(_("Søker om å overføre ubrukte midler")),
        "carry_over_reason": Key(_("Hvorfor midlene bør overføres")),
        "approvals_cleared": Key(_("Godkjenninger som ble fjernet"), _approvals),
        "unused": Key(_("Ubrukte midler"), money),
        "carried_in": Key(_("Overført fra året før"), money),
        "grant": Key(_("Tilskudd"), money),
        "is_late": Key(_("Sendt etter fristen")),
        "capacity": Key(_("Godkjent som"), choices(CAPACITIES, lower=True)),
        "report.accounts_approved:name": Key(_("Godkjent av")),
        "report.accounts_approved:title": Key(_("Stillingstittel")),
        "accounts_sha256": Key(_("Sjekksum for regnskapet (SHA-256)"), county=False),
        "replaces_sha256": Key(_("Erstattet fil (SHA-256)"), county=False),
        "replaces_file": Key(_("Erstattet fil"), county=False),
        "attachment": Key(_("Vedlegg (id)"), county=False),
        "description": Key(_("Beskrivelse")),
        "note": Key(_("IMDis merknad")),
        "report.approved:carry_over": Key(_("Ubrukte midler overføres til neste år")),
        "carry_over": Key(_("Overføring (id)"), county=False),
        "from_report": Key(_("Fra årsrapport (id)"), county=False),
        "from_application": Key(_("Fra søknad (id)"), county=False),
        "to_year": Key(_("Til året")),
        "claim": Key(_("Krav (id)"), county=False),
        "comment_deadline": Key(_("Frist for merknader")),
        "comment": Key(_("Merknad")),
        "notice_amount": Key(_("Beløp i forhåndsvarselet"), money),
        "repaid_on": Key(_("Betalt")),
        "due_date": Key(_("Forfallsdato")),
        "account_number": Key(_("Kontonummer")),
        "commented": Key(_("Fylkeskommunen kom med merknader")),
        "interest": Key(_("Forsinkelsesrenter"), money),
        "days_late": Key(_("Dager for sent")),
        "set_off": Key(_("Motregnet"), money),
        "payment_reference": Key(_("Utbetaling (bilag)")),
        "net_amount": Key(_("Utbetales etter motregning"), money),
        "repayment.interest_paid:paid_on": Key(_("Betalt")),
        "dataset": Key(_("Datasett"), county=False),
        "format": Key(_("Format"), county=False),
        "job": Key(_("Bestilling (id)"), county=False),
    }
)
