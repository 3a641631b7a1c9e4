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

from grants.models import (
    Appeal,
    AppealLetter,
    Application,
    BankAccount,
    Case,
    Channel,
    Decision,
    PartnerKind,
    Payment,
    PaymentBatch,
)
from grants.sections import BY_SLUG, field_label
from portal.audit import Action, register_actions, register_states
from portal.history import Key, choices, labelled, money, register_keys, register_sentences
from portal.models import User
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

# --- Money (økonomiregelverket, L4): payments, payment files, the county's bank account ---------
#
#     proposed ─attest (a caseworker)─▶ attested ─approve (a budget holder, not the attester)─▶ approved
#        └──────────── reject ──────────────┴──▶ rejected        approved ─(the bank confirms the file)─▶ paid
#
# A payment file: created ─send (downloaded once)─▶ sent ─confirm (the bank's confirmation)─▶ confirmed.
# A bank account: pending ─confirm (director or fullmakt)─▶ confirmed ─replace (the next one)─▶ replaced.

PS, BS, KS = Payment.State, PaymentBatch.State, BankAccount.State

# fmt: off
PAYMENT = Workflow(
    Payment,
    transitions=[
        Transition("attest", [PS.PROPOSED], PS.ATTESTED, who="can_attest",
                   label=_("Attester utbetalingen"), action="payment.attested"),
        Transition("approve", [PS.ATTESTED], PS.APPROVED, who="can_approve_payment",
                   label=_("Godkjenn utbetalingen"), action="payment.approved"),
        Transition("reject", [PS.PROPOSED, PS.ATTESTED], PS.REJECTED, who="can_reject_payment",
                   label=_("Avvis utbetalingen"), action="payment.rejected"),
        Transition("pay", [PS.APPROVED], PS.PAID, who="can_confirm_batch",
                   label=_("Registrer bankens bekreftelse"), action="payment.registered"),
    ],
    tones={PS.PROPOSED: SOON, PS.ATTESTED: SOON, PS.APPROVED: OPEN, PS.PAID: OPEN, PS.REJECTED: CLOSED},
)

PAYMENT_BATCH = Workflow(
    PaymentBatch,
    transitions=[
        Transition("send", [BS.CREATED], BS.SENT, who="can_send_batch",
                   label=_("Last ned betalingsfilen"), action="payment_batch.sent"),
        Transition("confirm", [BS.SENT], BS.CONFIRMED, who="can_confirm_batch",
                   label=_("Registrer bankens bekreftelse"), action="payment_batch.confirmed"),
    ],
    tones={BS.CREATED: SOON, BS.SENT: SOON, BS.CONFIRMED: OPEN},
)

BANK_ACCOUNT = Workflow(
    BankAccount,
    transitions=[
        Transition("confirm", [KS.PENDING], KS.CONFIRMED, who="can_confirm_account",
                   label=_("Bekreft kontonummeret"), action="bank_account.confirmed"),
        Transition("reject", [KS.PENDING], KS.REJECTED, who="can_confirm_account",
                   label=_("Avvis kontonummeret"), action="bank_account.rejected"),
        Transition("replace", [KS.CONFIRMED], KS.REPLACED, who="can_confirm_account",
                   label=_("Erstatt kontonummeret"), action="bank_account.confirmed"),
    ],
    tones={KS.PENDING: SOON, KS.CONFIRMED: OPEN, KS.REJECTED: CLOSED, KS.REPLACED: CLOSED},
)
# fmt: on

register_actions(
    {
        "payment.proposed": Action(_("Utbetaling foreslått")),
        "payment.attested": Action(_("Utbetaling attestert")),
        "payment.approved": Action(_("Utbetaling godkjent av budsjettdisponent")),
        "payment.rejected": Action(_("Utbetaling avvist")),
        "payment_batch.created": Action(_("Betalingsfil laget")),
        "payment_batch.sent": Action(_("Betalingsfil lastet ned og sendt til banken")),
        "payment_batch.confirmed": Action(_("Bankens bekreftelse av betalingsfilen registrert")),
        "bank_account.registered": Action(_("Kontonummer registrert"), county=True),
        "bank_account.confirmed": Action(_("Kontonummer bekreftet"), county=True),
        "bank_account.rejected": Action(_("Kontonummer avvist"), county=True),
        "bank_account.changed": Action(_("Kontonummeret for utbetaling ble endret"), county=True),
    }
)
register_states({**dict(PS.choices), **dict(BS.choices), **dict(KS.choices)})

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


# --- The history as people read it (portal.history) -------------------------------------------


def _application_field(name: str) -> str:
    """A field as the section's form labels it; the budget's lines have their own table."""
    return str(_("Budsjettlinjer")) if name == "budget_lines" else field_label(name)


def _decision_sentence(proposed: bool):
    def sentence(changes: dict) -> str:
        if changes.get("kind") == Decision.Kind.GRANT:
            return (
                _("Vedtak foreslått: %(kind)s på %(amount)s.")
                if proposed
                else _("Vedtak fattet: %(kind)s på %(amount)s.")
            )
        return _("Vedtak foreslått: %(kind)s.") if proposed else _("Vedtak fattet: %(kind)s.")

    return sentence


def _appeal_decided(changes: dict) -> str:
    if changes.get("upheld"):
        return _("Departementet opprettholdt vedtaket %(decided_on)s.")
    return _("Departementet omgjorde vedtaket %(decided_on)s.")


register_sentences(
    {
        "application.section_saved": _("En del av søknaden ble lagret: «%(section)s» (%(fields)s)."),
        "application.agreement_added": _("Samarbeidsavtale lastet opp: %(partner_name)s (%(partner_kind)s)."),
        "application.agreement_removed": _("Samarbeidsavtale fjernet fra utkastet: %(partner_name)s."),
        "application.confirmed": _("Bekreftet og sendt inn %(authority)s, med referanse %(reference)s."),
        "application.deadline_extended": _("Utsatt søknadsfrist registrert: ny frist %(deadline)s."),
        "case.assigned": _("Saken ble tildelt en saksbehandler: %(assignee)s."),
        "case.allocated": _("Beløp fordelt fra rammen: %(amount)s."),
        "case.assessed": _("Søknaden ble vurdert: anbefalt beløp %(recommended_total)s."),
        "decision.proposed": _decision_sentence(proposed=True),
        "decision.approved": _decision_sentence(proposed=False),
        "letter.issued": _("Vedtaksbrev %(letter)s sendt."),
        "letter.opened": _("Vedtaksbrev %(letter)s ble åpnet av fylkeskommunen."),
        "payment.registered": _("Utbetaling av %(amount)s registrert, utbetalt %(paid_on)s."),
        "payment.proposed": _("Utbetaling av %(amount)s foreslått til konto %(account)s."),
        "payment.attested": _("Utbetaling av %(amount)s attestert."),
        "payment.approved": _("Utbetaling av %(amount)s godkjent av budsjettdisponent."),
        "payment.rejected": _("Utbetaling av %(amount)s avvist: %(reason)s"),
        "bank_account.changed": _("Kontonummeret for utbetaling ble endret til %(account)s."),
        "appeal_letter.issued": _("Brev om klagen sendt: %(kind)s."),
        "appeal.decided": _appeal_decided,
    }
)
register_keys(
    {
        # the county's application
        "application.section_saved:section": Key(_("Del"), labelled(lambda slug: BY_SLUG[slug].title)),
        "application.section_saved:fields": Key(_("Felt"), labelled(_application_field)),
        "partner_kind": Key(_("Type samarbeidspartner"), choices(dict(PartnerKind.choices), lower=True)),
        "partner_name": Key(_("Samarbeidspartner")),
        "authority": Key(_("Myndighet")),
        "late": Key(_("Kom etter fristen")),
        "appeal.filed:deadline": Key(_("Klagefrist")),
        "appeal.registered:deadline": Key(_("Klagefrist")),
        "channel": Key(_("Kom per"), choices(dict(Channel.choices), lower=True)),
        "received_on": Key(_("Mottatt")),
        "copied_from": Key(_("Kopiert fra søknad"), county=False),
        "agreement": Key(_("Avtale (id)"), county=False),
        "call": Key(_("Utlysning (id)"), county=False),
        "extension": Key(_("Utsatt frist (id)"), county=False),
        "document": Key(_("Dokument (id)"), county=False),
        # IMDi's handling of the case
        "assignee": Key(_("Saksbehandler")),
        "case.assigned:previous": Key(_("Tidligere saksbehandler")),
        "previous": Key(_("Tidligere beløp"), money),
        "released": Key(_("Frigitt beløp"), money),
        "recommended_total": Key(_("Anbefalt beløp"), money),
        "scores": Key(_("Poeng"), county=False),
        "decision": Key(_("Vedtak (id)"), county=False),
        "kind": Key(_("Utfall"), choices(dict(Decision.Kind.choices), lower=True)),
        "appeal_letter.issued:kind": Key(_("Brev"), choices(dict(AppealLetter.Kind.choices), lower=True)),
        "paid_on": Key(_("Utbetalt")),
        "account": Key(_("Kontonummer")),
        "payment": Key(_("Utbetaling (id)"), county=False),
        "batch": Key(_("Betalingsfil")),
        "appeal": Key(_("Klage (id)"), county=False),
        "attachments": Key(_("Vedlegg (sjekksummer)"), county=False),
        "upheld": Key(_("Vedtaket opprettholdt")),
        "decided_on": Key(_("Avgjort")),
        "status": Key(_("Status for brevet"), county=False),
        "attempts": Key(_("Forsøk"), county=False),
    }
)

# How someone at IMDi hears of events (grants.services.notices): their own choice, IMDi's only.
register_actions({"notices.changed": Action(_("Varslene ble endret"))})
register_sentences({"notices.changed": _("Varslene ble endret: %(choice)s.")})
register_keys(
    {
        "notices.changed:choice": Key(_("Varsler"), choices(dict(User.NoticeChoice.choices), lower=True)),
        "notices.changed:previous": Key(_("Før"), choices(dict(User.NoticeChoice.choices), lower=True)),
        "notices.changed:followed": Key(_("Følger nå")),
        "notices.changed:unfollowed": Key(_("Følger ikke lenger")),
    }
)

# The archive (grants.services.journal): an admin orders a Noark 5 extract, written in the background.
register_actions({"archive.extract_ordered": Action(_("Arkivuttrekk bestilt"))})
register_sentences({"archive.extract_ordered": _("Arkivuttrekk av %(scheme)s for %(years)s ble bestilt.")})
register_keys({"archive.extract_ordered:scheme": Key(_("Ordning")), "archive.extract_ordered:years": Key(_("År"))})
