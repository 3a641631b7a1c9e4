"""Who may do what in grants, each rule with its reason (``portal.rules.Verdict``).

A transition of a table in ``grants.workflows`` names its rule here (``who="can_confirm"``):
``can_take`` looks it up by that name.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Appeal, AppealLetter, Application, Case, Decision, Letter
from grants.models.money import BankAccount, BudgetAuthority, Payment, PaymentBatch
from grants.workflows import ALLOCATABLE, APPLICATION, ASSIGNABLE
from portal.access import can_confirm_for, forbid_writes_for_readers, has_role
from portal.formats import date_time, kr
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership, Role, User
from portal.rules import Verdict, allow, deny

# --- Calls and applications -------------------------------------------------------------------


def can_apply(membership: Membership | None, call, at, *, deadline=None) -> Verdict:
    """May the active membership's organisation apply to ``call`` now (R3, R4)?

    ``deadline`` is the county's own deadline when IMDi has extended it.
    """
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare ansatte i en fylkeskommune kan søke."))
    # .all() uses the page's prefetched list when there is one
    if not any(org.pk == membership.organisation_id for org in call.eligible_organisations.all()):
        return deny(
            _("%(org)s kan ikke søke på denne utlysningen. Bare fylkeskommunene som deltar i forsøket, kan søke.")
            % {"org": membership.organisation.name}
        )
    deadline = max(deadline or call.application_deadline, call.application_deadline)
    if not call.has_opened_at(at):
        return deny(_("Utlysningen er ikke åpnet ennå."))
    if at < deadline:
        return allow(_("%(org)s kan søke.") % {"org": membership.organisation.name})
    if not call.is_receiving_at(at):
        return deny(_("Søknadsfristen er ute, og utlysningen tar ikke lenger imot søknader."))
    # A late application is received and flagged, then extended or dismissed by IMDi (R4, R15).
    return allow(
        _(
            "%(org)s kan søke, men søknadsfristen gikk ut %(deadline)s. En søknad som sendes nå, blir tatt imot "
            "og merket som mottatt etter fristen."
        )
        % {"org": membership.organisation.name, "deadline": date_time(deadline)}
    )


def can_extend_deadline(membership: Membership | None) -> Verdict:
    """IMDi's caseworkers record a county's later deadline (R4)."""
    return has_role(membership, Role.CASEWORKER)


def can_view_applications(membership: Membership | None) -> Verdict:
    return has_role(membership, *COUNTY_ROLES, *IMDI_ROLES)


def can_read_current(membership: Membership | None, application: Application) -> Verdict:
    """The county reads its application as it is now; IMDi only as it was submitted. After a
    withdrawal for correction, IMDi sees the submitted versions, not the draft being corrected."""
    if membership is not None and membership.role in COUNTY_ROLES:
        return allow()
    if application.state == Application.State.SUBMITTED:
        return allow()
    return deny(
        _(
            "Søknaden er trukket tilbake for retting og ikke sendt inn på nytt. IMDi ser den slik den ble "
            "sendt inn (se innsendte versjoner)."
        )
    )


def is_member_of_applicant(membership: Membership | None, application: Application) -> Verdict:
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som søker, kan endre søknaden."))
    if membership.organisation_id != application.organisation_id:
        return deny(_("Søknaden tilhører en annen fylkeskommune."))
    return allow()


def before_deadline(application: Application, at) -> Verdict:
    deadline = application.deadline()
    if at >= deadline:
        return deny(
            _("Søknadsfristen gikk ut %(deadline)s, og IMDi har ikke gitt utsatt frist.")
            % {"deadline": date_time(deadline)}
        )
    return allow()


def still_received(application: Application, at) -> Verdict:
    """The call still takes applications, late ones included (R4): before the county's deadline, and
    after it (received and flagged as late) until the end of the call's year."""
    if at >= application.deadline() and not application.call.is_receiving_at(at):
        return deny(_("Søknadsfristen er ute, og utlysningen tar ikke lenger imot søknader."))
    return allow()


def can_edit(membership: Membership | None, application: Application, at) -> Verdict:
    """May the county work on the draft now? Only a draft, while the call takes applications (also
    after the deadline: a late application is received and flagged, R4)."""
    verdict = is_member_of_applicant(membership, application)
    if not verdict:
        return verdict
    if application.state != Application.State.DRAFT:
        return deny(
            _("Søknaden kan ikke endres nå fordi den har status «%(state)s».")
            % {"state": application.get_state_display()}
        )
    return still_received(application, at)


# --- The application's transitions (grants.workflows.APPLICATION) -----------------------------


def _in_state_for(name: str, membership: Membership | None, application: Application) -> Verdict:
    verdict = is_member_of_applicant(membership, application)
    if not verdict:
        return verdict
    if not APPLICATION.allows(name, application.state):
        return deny(
            _("Dette kan ikke gjøres når søknaden har status «%(state)s».") % {"state": application.get_state_display()}
        )
    return allow()


def can_send(membership: Membership | None, application: Application, at) -> Verdict:
    """Any member of the applicant county sends the draft for confirmation, also after the deadline (R4)."""
    return _in_state_for("send", membership, application) and still_received(application, at)


def can_withdraw(membership: Membership | None, application: Application, at) -> Verdict:
    """Any member of the applicant county takes it back to correct it, before the deadline."""
    return _in_state_for("withdraw", membership, application) and before_deadline(application, at)


def can_confirm(membership: Membership | None, application: Application, at) -> Verdict:
    """Only the director or a holder of a valid fullmakt confirms; after the deadline too, and the
    submission is then marked late (R4). The reason of an allowed confirmation says on what authority
    (as director, or by fullmakt)."""
    verdict = _in_state_for("confirm", membership, application) and still_received(application, at)
    if not verdict:
        return verdict
    return can_confirm_for(membership.user, application.organisation, at)


def can_return(membership: Membership | None, application: Application, at) -> Verdict:
    """Whoever may confirm may send it back for correction, also after the deadline."""
    verdict = _in_state_for("return", membership, application)
    if not verdict:
        return verdict
    return can_confirm_for(membership.user, application.organisation, at)


def can_take(name: str, membership: Membership | None, application: Application, at) -> Verdict:
    """May the acting membership take transition ``name`` of APPLICATION on ``application`` at ``at``?"""
    return RULES[APPLICATION[name].who](membership, application, at)


def can_register(membership: Membership | None, application: Application | None = None, at=None) -> Verdict:
    """IMDi's caseworkers register an application that came by e-mail or post (R4): it is then
    received as submitted, on the day it came."""
    if not (verdict := is_caseworker(membership)):
        return verdict
    if application is not None and application.state != Application.State.DRAFT:
        return deny(_("Søknaden er allerede mottatt."))
    return allow()


RULES = {
    "can_register": can_register,
    "can_send": can_send,
    "can_return": can_return,
    "can_confirm": can_confirm,
    "can_withdraw": can_withdraw,
}


def application_transitions(membership: Membership | None, application: Application, at) -> dict[str, Verdict]:
    """Every transition of the application with its verdict, for the page's buttons."""
    return {t.name: can_take(t.name, membership, application, at) for t in APPLICATION.transitions}


# --- Cases, allocation, decisions, payments, appeals (G2 fills this block) -------------------


def can_view_cases(membership: Membership | None) -> Verdict:
    """IMDi's roles read every case; caseworkers act on them."""
    return has_role(membership, *IMDI_ROLES)


def can_work_cases(membership: Membership | None) -> Verdict:
    if not (verdict := forbid_writes_for_readers(membership)):
        return verdict
    return has_role(membership, Role.CASEWORKER)


def is_caseworker(membership: Membership | None) -> Verdict:
    return has_role(membership, Role.CASEWORKER)


def not_disqualified(user: User, case: Case) -> Verdict:
    """Whoever declared a conflict in a case takes no further part in it (fvl. §§ 6–10)."""
    if user.pk in case.disqualified_user_ids():
        return deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    return allow()


def can_assign(membership: Membership | None, user: User, case: Case) -> Verdict:
    """A caseworker without a conflict in the case gives it to a caseworker (or takes it)."""
    if not (result := is_caseworker(membership)):
        return result
    return not_disqualified(user, case)


def can_declare(membership: Membership | None, user: User, case: Case) -> Verdict:
    """The caseworker just assigned declares, before assessing, whether they are impartial."""
    if not (result := is_caseworker(membership)):
        return result
    if case.assigned_to_id != user.pk or case.state != Case.State.ASSIGNED:
        return deny(_("Bare saksbehandleren som nettopp er tildelt saken, kan erklære seg habil."))
    return allow()


def can_declare_conflict(membership: Membership | None, user: User, case: Case) -> Verdict:
    """Anyone on IMDi's side who finds a conflict records it at any time, once."""
    if not (result := is_caseworker(membership)):
        return result
    if user.pk in case.disqualified_user_ids():
        return deny(_("Du har allerede erklært deg inhabil i saken."))
    return allow()


def can_assess(membership: Membership | None, user: User, case: Case) -> Verdict:
    """Only the assigned caseworker, after declaring impartiality, assesses (fvl. §§ 6–10)."""
    if not (result := is_caseworker(membership)):
        return result
    if case.assigned_to_id != user.pk:
        return deny(_("Bare saksbehandleren som er tildelt saken, kan vurdere den."))
    if case.state == Case.State.ASSIGNED:
        return deny(_("Erklær at du ikke er inhabil før du vurderer saken."))
    if case.state not in ALLOCATABLE:
        return deny(_("Saken kan ikke vurderes nå (%(state)s).") % {"state": case.get_state_display()})
    return allow()


def can_allocate(
    membership: Membership | None, user: User, case: Case, *, conflicts: set[int] | None = None
) -> Verdict:
    """``conflicts``: the ids of the cases where ``user`` declared a conflict, when a page that
    lists many cases has looked them up at once; otherwise they are looked up for this case."""
    if not (result := is_caseworker(membership)):
        return result
    if case.pk in conflicts if conflicts is not None else user.pk in case.disqualified_user_ids():
        return deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    if case.state not in ALLOCATABLE:
        if case.state in (Case.State.RECEIVED, Case.State.ASSIGNED):
            return deny(_("Søknaden må vurderes før det fordeles midler til den."))
        return deny(_("Det er foreslått eller fattet vedtak i saken: beløpet kan ikke endres."))
    return allow()


def can_propose(membership: Membership | None, user: User, case: Case) -> Verdict:
    """Whether ``user`` may propose a decision now. A dismissal may be proposed while the case is
    being assessed; a grant or rejection needs the finished assessment (``decision_propose``)."""
    if not is_caseworker(membership):
        return deny(
            _("Bare saksbehandleren i IMDi som er tildelt saken, kan foreslå vedtak. Rollen din gir ikke tilgang.")
        )
    if case.assigned_to_id != user.pk:
        if case.assigned_to_id is None:
            return deny(_("Saken er ikke tildelt en saksbehandler ennå. Den som blir tildelt, foreslår vedtak."))
        return deny(
            _("Bare saksbehandleren som er tildelt saken (%(name)s), kan foreslå vedtak.")
            % {"name": case.assigned_to.full_name}
        )
    if case.state not in ALLOCATABLE:
        if case.state in (Case.State.RECEIVED, Case.State.ASSIGNED):
            return deny(_("Erklær deg habil og vurder søknaden før du foreslår vedtak."))
        return deny(
            _("Saken har status «%(state)s». Det kan ikke foreslås et nytt vedtak nå.")
            % {"state": case.get_state_display()}
        )
    return allow()


def holds_budget_authority(user: User, scheme_id: int, amount, on=None) -> Verdict:
    """Money is committed only by a budget holder (budsjettdisponent) of the scheme whose limit covers
    ``amount`` on the day (økonomiregelverket, L4)."""
    on = on or timezone.localdate()
    mine = BudgetAuthority.objects.valid_on(on).filter(user=user, scheme_id=scheme_id).order_by("-limit").first()
    if mine is None:
        return deny(_("Du har ikke budsjettdisponeringsmyndighet for denne tilskuddsordningen."))
    if mine.limit < amount:
        return deny(
            _("Beløpsgrensen din er %(limit)s. %(amount)s må godkjennes av en budsjettdisponent med høyere grense.")
            % {"limit": kr(mine.limit), "amount": kr(amount)}
        )
    return allow(_("som budsjettdisponent med beløpsgrense %(limit)s") % {"limit": kr(mine.limit)})


def can_approve(membership: Membership | None, user: User, decision: Decision) -> Verdict:
    """Four eyes: another caseworker than the one who proposed, without a conflict; a grant commits
    money and needs a budget holder whose limit covers it."""
    if not (result := is_caseworker(membership)):
        return result
    if decision.state != Decision.State.PROPOSED:
        return deny(_("Vedtaket er ikke til godkjenning."))
    if decision.proposed_by_id == user.pk:
        return deny(_("Du foreslo dette vedtaket. En annen saksbehandler må godkjenne det."))
    if not (result := not_disqualified(user, decision.case)):
        return result
    if decision.kind == Decision.Kind.GRANT:
        return holds_budget_authority(user, decision.case.call.scheme_id, decision.amount)
    return allow()


def can_pay(decision: Decision) -> Verdict:
    """An approved grant, accepted by the county (R17), with something left to propose for payment."""
    if not decision.is_grant_in_force:
        return deny(_("Bare et fattet tilskuddsvedtak kan utbetales."))
    if decision.accepted_at is None:
        return deny(_("Fylkeskommunen har ikke akseptert tilskuddet. Det kan ikke utbetales før det er akseptert."))
    if decision.amount - decision.payments.committed() <= 0:
        return deny(_("Hele tilskuddet er utbetalt eller foreslått utbetalt."))
    return allow()


# --- Payments: attestation and approval by two people (økonomiregelverket, L4) ----------------


def can_attest(membership: Membership | None, user: User, payment: Payment) -> Verdict:
    """A caseworker attests that the amount, the recipient and the account are right."""
    if not (result := can_work_cases(membership)):
        return result
    if payment.state != Payment.State.PROPOSED:
        return deny(_("Utbetalingen venter ikke på attestasjon."))
    return not_disqualified(user, payment.decision.case)


def can_approve_payment(membership: Membership | None, user: User, payment: Payment) -> Verdict:
    """A budget holder of the scheme, whose limit covers the amount and who did not attest it; to the
    account the county has confirmed."""
    if not (result := can_work_cases(membership)):
        return result
    if payment.state != Payment.State.ATTESTED:
        return deny(_("Utbetalingen venter ikke på godkjenning."))
    if payment.attested_by_id == user.pk:
        return deny(_("Du attesterte utbetalingen. En annen må godkjenne den."))
    if payment.bank_account_id and payment.bank_account.state != BankAccount.State.CONFIRMED:
        return deny(_("Kontonummeret er endret etter forslaget. Avvis utbetalingen og foreslå den på nytt."))
    if not (result := not_disqualified(user, payment.decision.case)):
        return result
    return holds_budget_authority(user, payment.decision.case.call.scheme_id, payment.amount)


def can_reject_payment(membership: Membership | None, user: User, payment: Payment) -> Verdict:
    if not (result := can_work_cases(membership)):
        return result
    if payment.state not in (Payment.State.PROPOSED, Payment.State.ATTESTED):
        return deny(_("Bare en utbetaling som ikke er godkjent, kan avvises."))
    if payment.set_off_amount:
        return deny(_("Et krav om tilbakebetaling er motregnet i utbetalingen, så den kan ikke avvises."))
    return not_disqualified(user, payment.decision.case)


def can_send_batch(membership: Membership | None, batch: PaymentBatch) -> Verdict:
    if not (result := can_work_cases(membership)):
        return result
    if batch.state != PaymentBatch.State.CREATED:
        return deny(_("Betalingsfilen er allerede lastet ned og sendt. Den kan bare lastes ned én gang."))
    return allow()


def can_confirm_batch(membership: Membership | None, batch: PaymentBatch) -> Verdict:
    if not (result := can_work_cases(membership)):
        return result
    if batch.state != PaymentBatch.State.SENT:
        return deny(_("Bare en betalingsfil som er sendt til banken, kan bekreftes."))
    return allow()


# --- The county's bank account ----------------------------------------------------------------


def can_register_account(membership: Membership | None) -> Verdict:
    """Anyone in the county registers the account its grants are paid to."""
    if not (result := forbid_writes_for_readers(membership)):
        return result
    return has_role(membership, *COUNTY_ROLES)


def can_confirm_account(membership: Membership | None, user: User, account: BankAccount, at=None) -> Verdict:
    """The director or a fullmakt holder confirms, and not the one who registered it (two people)."""
    if membership is None or membership.organisation_id != account.organisation_id:
        return deny(_("Bare fylkeskommunen selv kan bekrefte kontonummeret."))
    if account.state != BankAccount.State.PENDING:
        return deny(_("Kontonummeret venter ikke på bekreftelse."))
    if account.registered_by_id == user.pk:
        return deny(_("Du registrerte kontonummeret. Direktøren eller en annen med fullmakt må bekrefte det."))
    return can_confirm_for(user, membership.organisation, at or timezone.now())


def is_applicant_member(membership: Membership | None, case: Case) -> Verdict:
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    if membership.organisation_id != case.application.organisation_id:
        return deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    return allow()


def can_withdraw_case(membership: Membership | None, case: Case) -> Verdict:
    """The county takes its application back to correct it (``application_withdraw`` has the
    rule); its case is assessed again. Not after IMDi has proposed a decision."""
    if not (result := is_applicant_member(membership, case)):
        return result
    if case.state not in ASSIGNABLE:
        return deny(_("IMDi har foreslått eller fattet vedtak: søknaden kan ikke trekkes tilbake nå."))
    return allow()


def can_accept(membership: Membership | None, user: User, decision: Decision, at) -> Verdict:
    """The grant is accepted on the county's behalf by whoever may confirm for it (R12, R17)."""
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if not decision.is_grant_in_force:
        return deny(_("Bare et fattet tilskuddsvedtak kan aksepteres."))
    if decision.accepted_at:
        return deny(_("Tilskuddet er allerede akseptert."))
    letter = decision.letter_or_none
    if letter is None or letter.status != Letter.Status.READY:
        return deny(_("Tilskuddsbrevet er ikke klart ennå. Prøv igjen om litt."))
    authority = can_confirm_for(user, membership.organisation, at)  # its reason says on what authority
    if not authority:
        return deny(
            _(
                "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan akseptere "
                "tilskuddet."
            )
        )
    return authority


def can_appeal(membership: Membership | None, decision: Decision) -> Verdict:
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if not decision.is_appealable or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return deny(_("Bare en avvisning kan påklages (forvaltningsloven § 28)."))
    if decision.case.state != Case.State.DECIDED:
        return deny(_("Saken har allerede en klage."))
    letter = decision.letter_or_none
    if letter is None or letter.issued_at is None:
        return deny(_("Vedtaksbrevet er ikke sendt ennå."))
    # IMDi dismissed the last appeal: the county may appeal that dismissal once its letter is out.
    if decision.appeals.filter(
        state=Appeal.State.DISMISSED, letters__kind=AppealLetter.Kind.DISMISSAL, letters__issued_at__isnull=True
    ).exists():
        return deny(_("Vedtaket om å avvise klagen er ikke sendt ennå."))
    return allow()


def is_open_to_appeal(decision: Decision) -> Verdict:
    """A dismissal in force whose case waits for no appeal: an appeal can be filed or registered."""
    if not decision.is_appealable or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return deny(_("Bare en avvisning kan påklages (forvaltningsloven § 28)."))
    if decision.case.state != Case.State.DECIDED:
        return deny(_("Saken har allerede en klage, eller vedtaket kan ikke påklages nå."))
    return allow()


def can_register_appeal(membership: Membership | None, user: User, case: Case) -> Verdict:
    """A caseworker without a conflict in the case registers an appeal that came by e-mail or post."""
    return can_handle_appeal(membership, user, case)


def can_handle_appeal(membership: Membership | None, user: User, case: Case) -> Verdict:
    """A caseworker without a conflict in the case reverses, forwards or records the outcome."""
    if not (result := is_caseworker(membership)):
        return result
    return not_disqualified(user, case)


# --- Notices ----------------------------------------------------------------------------------


def can_read_notice_choices(membership: Membership | None) -> Verdict:
    """IMDi's people see the page where one chooses how to hear of events and which calls to follow."""
    return has_role(membership, *IMDI_ROLES)


def can_choose_notices(membership: Membership | None) -> Verdict:
    """IMDi's caseworkers and admins choose how they hear of events in the calls they follow (auditors
    read, and change nothing)."""
    if not (result := forbid_writes_for_readers(membership)):
        return result
    return has_role(membership, Role.CASEWORKER, Role.ADMIN)
