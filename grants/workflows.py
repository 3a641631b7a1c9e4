"""The states of grants' models and the transitions between them, one table each, and grants' audit
actions. ``Workflow.take`` (portal.workflows) is the only code that writes a ``state``.

An application (R12):

    draft ──send──▶ awaiting_confirmation ──confirm──▶ submitted
      ▲                    │                              │
      └──────return────────┘                              │
      └──────────────────withdraw (before the deadline)───┘

``who`` names the rule in ``grants.permissions`` that decides who may take a transition.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from grants.models import Appeal, Application, Case, Decision
from portal.audit import Action, register_actions, register_states
from portal.workflows import CLOSED, OPEN, SOON, Transition, Workflow

A = Application.State

APPLICATION = Workflow(
    Application,
    transitions=[
        Transition(
            "send",
            [A.DRAFT],
            A.AWAITING_CONFIRMATION,
            who="can_send",
            label=_("Send til bekreftelse"),
            action="application.sent_for_confirmation",
        ),
        Transition(
            "return",
            [A.AWAITING_CONFIRMATION],
            A.DRAFT,
            who="can_return",
            label=_("Send tilbake"),
            action="application.returned",
        ),
        Transition(
            "confirm",
            [A.AWAITING_CONFIRMATION],
            A.SUBMITTED,
            who="can_confirm",
            label=_("Bekreft og send inn"),
            action="application.confirmed",
        ),
        Transition(
            "withdraw",
            [A.SUBMITTED],
            A.DRAFT,
            who="can_withdraw",
            label=_("Trekk tilbake for å rette"),
            action="application.withdrawn",
        ),
        # An application that came by e-mail or post: IMDi registers it, and it is submitted as received.
        Transition(
            "register",
            [A.DRAFT],
            A.SUBMITTED,
            who="can_register",
            label=_("Registrer søknad mottatt per e-post eller post"),
            action="application.registered",
        ),
    ],
    tones={A.AWAITING_CONFIRMATION: SOON, A.SUBMITTED: OPEN},
)

# Every application.* action is the county's own work: the county sees all of them.
register_actions(
    {
        "application.created": Action(_("Søknaden ble opprettet"), county=True),
        "application.section_saved": Action(_("En del av søknaden ble lagret"), county=True),
        "application.agreement_added": Action(_("Samarbeidsavtale lastet opp"), county=True),
        "application.agreement_removed": Action(_("Samarbeidsavtale fjernet fra utkastet"), county=True),
        "application.sent_for_confirmation": Action(_("Sendt til bekreftelse"), county=True),
        "application.returned": Action(_("Sendt tilbake for retting"), county=True),
        "application.confirmed": Action(_("Bekreftet og sendt inn"), county=True),
        "application.withdrawn": Action(_("Trukket tilbake for retting"), county=True),
        "application.deadline_extended": Action(_("Utsatt søknadsfrist registrert"), county=True),
        "application.receipt_issued": Action(_("Kvittering laget"), county=True),
        "application.registered": Action(_("Søknad mottatt per e-post eller post og registrert av IMDi"), county=True),
    }
)
register_states(dict(A.choices))


# --- Case, decision, appeal (G2 fills this block) ----------------------------------------------
#
# IMDi's handling of a submitted application (R5, R13–R17). The case's audit events are recorded
# on the application, so that the case history is one list (grants.services.cases.case_take).
#
#     received ─assign─▶ assigned ─declare_impartial─▶ assessing ─assess─▶ assessed
#        ▲                  │ (a conflict: step_down)       ▲ revise, reopen ─┘   │
#        └──────────────────┘                               │            propose ◀┘
#     proposed ─approve (another caseworker)─▶ decided ─accept─▶ accepted ─pay (in full)─▶ paid
#        │ return ▶ assessed / assessing        │ (a dismissal) appeal ▶ appealed ─forward─▶ forwarded
#                                               │   IMDi or the ministry reverses ▶ assessing (a new decision)
#                                               │   the ministry upholds ▶ closed
#
# A reversal goes back to the caseworker (assessing), or to the inbox (received) when nobody has the
# case: the ``*_unassigned`` rows.

CS = Case.State
DS = Decision.State
AS = Appeal.State

# Reassigning is possible until a decision is proposed.
ASSIGNABLE = (CS.RECEIVED, CS.ASSIGNED, CS.ASSESSING, CS.ASSESSED)
# The states in which the assessment and the allocation may change: no decision proposed.
ALLOCATABLE = (CS.ASSESSING, CS.ASSESSED)
APPEALED, FORWARDED = [CS.APPEALED], [CS.FORWARDED]

# fmt: off
CASE = Workflow(
    Case,
    transitions=[
        Transition("assign", ASSIGNABLE, CS.ASSIGNED, who="can_assign",
                   label=_("Tildel"), action="case.assigned"),
        Transition("declare_impartial", [CS.ASSIGNED], CS.ASSESSING, who="can_declare",
                   label=_("Erklær at du ikke er inhabil"), action="case.impartial"),
        Transition("step_down", [CS.ASSIGNED, CS.ASSESSING, CS.ASSESSED], CS.RECEIVED, who="can_declare_conflict",
                   label=_("Erklær at du er inhabil"), action="case.disqualified"),
        Transition("assess", [CS.ASSESSING], CS.ASSESSED, who="can_assess",
                   label=_("Marker som vurdert"), action="case.assessed"),
        Transition("revise", [CS.ASSESSED], CS.ASSESSING, who="can_assess",
                   label=_("Lagre vurderingen"), action="case.assessment_saved"),
        Transition("reopen", [CS.ASSESSED], CS.ASSESSING, who="can_withdraw_case",
                   label=_("Trekk tilbake for retting"), action="case.reopened"),
        Transition("propose", ALLOCATABLE, CS.PROPOSED, who="can_propose",
                   label=_("Foreslå vedtak"), action="decision.proposed"),
        Transition("return", [CS.PROPOSED], CS.ASSESSED, who="can_approve",
                   label=_("Send tilbake"), action="decision.returned"),
        Transition("return_unassessed", [CS.PROPOSED], CS.ASSESSING, who="can_approve",
                   label=_("Send tilbake"), action="decision.returned"),
        Transition("approve", [CS.PROPOSED], CS.DECIDED, who="can_approve",
                   label=_("Godkjenn vedtaket"), action="decision.approved"),
        Transition("accept", [CS.DECIDED], CS.ACCEPTED, who="can_accept",
                   label=_("Aksepter tilskuddet"), action="decision.accepted"),
        Transition("pay", [CS.ACCEPTED], CS.PAID, who="can_pay",
                   label=_("Registrer utbetaling"), action="payment.registered"),
        Transition("appeal", [CS.DECIDED], CS.APPEALED, who="can_appeal",
                   label=_("Klag på vedtaket"), action="appeal.filed"),
        Transition("register_appeal", [CS.DECIDED], CS.APPEALED, who="can_register_appeal",
                   label=_("Registrer klage mottatt per e-post eller post"), action="appeal.registered"),
        # IMDi dismisses the appeal (late, no legal interest): the dismissal stands, and the county may
        # appeal the dismissal of its appeal.
        Transition("dismiss_appeal", APPEALED, CS.DECIDED, who="can_handle_appeal",
                   label=_("Avvis klagen"), action="appeal.dismissed"),
        Transition("reverse", APPEALED, CS.ASSESSING, who="can_handle_appeal",
                   label=_("Omgjør vedtaket"), action="appeal.reversed"),
        Transition("reverse_unassigned", APPEALED, CS.RECEIVED, who="can_handle_appeal",
                   label=_("Omgjør vedtaket"), action="appeal.reversed"),
        Transition("forward", APPEALED, CS.FORWARDED, who="can_handle_appeal",
                   label=_("Send klagen til departementet"), action="appeal.forwarded"),
        Transition("uphold", FORWARDED, CS.CLOSED, who="can_handle_appeal",
                   label=_("Departementet opprettholdt"), action="appeal.decided"),
        Transition("ministry_reverse", FORWARDED, CS.ASSESSING, who="can_handle_appeal",
                   label=_("Departementet omgjorde"), action="appeal.decided"),
        Transition("ministry_reverse_unassigned", FORWARDED, CS.RECEIVED, who="can_handle_appeal",
                   label=_("Departementet omgjorde"), action="appeal.decided"),
    ],
    tones={CS.PROPOSED: SOON, CS.ACCEPTED: OPEN, CS.PAID: OPEN, CS.APPEALED: SOON, CS.FORWARDED: SOON,
           CS.CLOSED: CLOSED},
)

# A decision is proposed (created), then returned or approved; a reversal after an appeal sets
# ``reversed_at`` and leaves it approved (``Decision.objects.in_force()``). Acceptance is ``accepted_at``.
DECISION = Workflow(
    Decision,
    transitions=[
        Transition("return", [DS.PROPOSED], DS.RETURNED, who="can_approve",
                   label=_("Send tilbake"), action="decision.returned"),
        Transition("approve", [DS.PROPOSED], DS.APPROVED, who="can_approve",
                   label=_("Godkjenn vedtaket"), action="decision.approved"),
    ],
    tones={DS.PROPOSED: SOON, DS.APPROVED: OPEN, DS.RETURNED: CLOSED},
)

# An appeal is received (created); IMDi reverses its decision or forwards the appeal to the ministry.
APPEAL = Workflow(
    Appeal,
    transitions=[
        Transition("reverse", [AS.RECEIVED], AS.REVERSED, who="can_handle_appeal",
                   label=_("Omgjør vedtaket"), action="appeal.reversed"),
        Transition("forward", [AS.RECEIVED], AS.FORWARDED, who="can_handle_appeal",
                   label=_("Send klagen til departementet"), action="appeal.forwarded"),
        Transition("uphold", [AS.FORWARDED], AS.UPHELD, who="can_handle_appeal",
                   label=_("Departementet opprettholdt"), action="appeal.decided"),
        Transition("ministry_reverse", [AS.FORWARDED], AS.MINISTRY_REVERSED, who="can_handle_appeal",
                   label=_("Departementet omgjorde"), action="appeal.decided"),
        Transition("dismiss", [AS.RECEIVED], AS.DISMISSED, who="can_handle_appeal",
                   label=_("Avvis klagen"), action="appeal.dismissed"),
    ],
    tones={AS.RECEIVED: SOON, AS.FORWARDED: SOON, AS.REVERSED: OPEN, AS.MINISTRY_REVERSED: OPEN, AS.UPHELD: CLOSED,
           AS.DISMISSED: CLOSED},
)
# fmt: on

# IMDi's internal work (assignment, impartiality, assessment, allocation, proposals) is not the
# county's; what concerns the county (the decision, its letter, acceptance, payment, an appeal) is.
register_actions(
    {
        "case.assigned": Action(_("Saken ble tildelt en saksbehandler")),
        "case.impartial": Action(_("Saksbehandleren erklærte seg habil")),
        "case.disqualified": Action(_("Saksbehandleren erklærte seg inhabil")),
        "case.assessment_saved": Action(_("Vurderingen ble lagret")),
        "case.assessed": Action(_("Søknaden ble vurdert")),
        "case.allocated": Action(_("Beløp fordelt fra rammen")),
        "case.reopened": Action(_("Søknaden ble trukket tilbake: vurderingen og beløpet er åpnet igjen")),
        "decision.proposed": Action(_("Vedtak foreslått")),
        "decision.returned": Action(_("Forslag til vedtak sendt tilbake")),
        "decision.approved": Action(_("Vedtak fattet"), county=True),
        "decision.accepted": Action(_("Tilskuddet ble akseptert"), county=True),
        "letter.issued": Action(_("Vedtaksbrev sendt"), county=True),
        "letter.opened": Action(_("Vedtaksbrevet ble åpnet av fylkeskommunen"), county=True),
        "letter.retry_requested": Action(_("Nytt forsøk på å lage vedtaksbrevet")),
        "payment.registered": Action(_("Utbetaling registrert"), county=True),
        "appeal.filed": Action(_("Klage mottatt"), county=True),
        "appeal.registered": Action(_("Klage mottatt per e-post eller post og registrert av IMDi"), county=True),
        "appeal.dismissed": Action(_("IMDi avviste klagen"), county=True),
        "appeal_letter.issued": Action(_("Brev om klagen sendt"), county=True),
        "appeal.reversed": Action(_("IMDi omgjorde vedtaket etter klage"), county=True),
        "appeal.forwarded": Action(_("Klagen ble sendt til departementet"), county=True),
        "appeal.decided": Action(_("Departementets avgjørelse registrert"), county=True),
    }
)
register_states(dict(CS.choices))
