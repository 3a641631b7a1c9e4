"""Who may do what in reporting, each rule with its reason (``portal.rules.Verdict``).

A transition of a table in ``reporting.workflows`` names its rule here (``who="can_claim"``).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Decision, Payment
from grants.permissions import (
    can_view_cases,
    holds_budget_authority,
    is_applicant_member,
    is_caseworker,
    not_disqualified,
)
from portal.access import forbid_writes_for_readers, has_role
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership, Role, User
from portal.rules import Verdict, allow, deny
from reporting.models import (
    OPEN_CLAIM_STATES,
    RESULT_FIELDS,
    TEXT_FIELDS,
    AccountsApproval,
    AnnualReport,
    RepaymentClaim,
)

# --- The county's report ----------------------------------------------------------------------


def is_reporting_county(membership: Membership | None, report: AnnualReport) -> Verdict:
    if not (result := forbid_writes_for_readers(membership)):
        return result
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if membership.organisation_id != report.application.organisation_id:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    return allow()


def can_write_report(membership: Membership | None, report: AnnualReport) -> Verdict:
    if not (result := is_reporting_county(membership, report)):
        return result
    if not report.is_editable:
        return deny(_("Rapporten er sendt inn (%(state)s) og kan ikke endres.") % {"state": report.get_state_display()})
    return allow()


def can_approve_accounts(
    membership: Membership | None,
    user: User,
    report: AnnualReport,
    *,
    capacity: str | None = None,
    approvals: list[AccountsApproval] | None = None,
) -> Verdict:
    """Two people in the county approve the accounts as they stand (R21): the project owner and
    the responsible leader named in the application, each once, never the same person in both
    capacities."""
    if not (result := can_write_report(membership, report)):
        return result
    if not report.accounts_file:
        return deny(_("Last opp regnskapet før det godkjennes."))
    if approvals is None:
        approvals = list(report.approvals.all())
    if capacity is not None and capacity not in AccountsApproval.Capacity.values:
        return deny(_("Velg om du godkjenner som prosjektansvarlig i fylkeskommunen eller ansvarlig leder."))
    mine = next((a for a in approvals if a.user_id == user.pk), None)
    if mine is not None:
        return deny(
            _(
                "Du har allerede godkjent regnskapet som %(capacity)s. Prosjektansvarlig i fylkeskommunen og "
                "ansvarlig leder må være to forskjellige personer."
            )
            % {"capacity": mine.get_capacity_display().lower()}
        )
    taken = {a.capacity for a in approvals}
    if capacity is not None and capacity in taken:
        return deny(
            _("Regnskapet er allerede godkjent av %(capacity)s.")
            % {"capacity": AccountsApproval.Capacity(capacity).label.lower()}
        )
    if len(taken) >= len(AccountsApproval.Capacity.values):
        return deny(_("Regnskapet er godkjent av både prosjektansvarlig i fylkeskommunen og ansvarlig leder."))
    return is_named_approver(user, report, capacity, taken)


def accounts_capacities(user: User, report: AnnualReport) -> list[str]:
    """The capacities the application names ``user`` in to approve the accounts (R21)."""
    application = report.application
    held = []
    if user.pk in application.project_responsible_ids():
        held.append(AccountsApproval.Capacity.PROJECT_OWNER.value)
    if user.pk in application.responsible_leader_ids():
        held.append(AccountsApproval.Capacity.RESPONSIBLE_LEADER.value)
    return held


def is_named_approver(user: User, report: AnnualReport, capacity: str | None, taken: set[str]) -> Verdict:
    """Only the prosjektansvarlig and the ansvarlig leder the application names (the director, when
    it names no leader) approve the accounts, each in that capacity."""
    held = accounts_capacities(user, report)
    if capacity is not None and capacity not in held:
        application = report.application
        ids = (
            application.project_responsible_ids()
            if capacity == AccountsApproval.Capacity.PROJECT_OWNER
            else application.responsible_leader_ids()
        )
        names = ", ".join(User.objects.filter(pk__in=ids).order_by("full_name").values_list("full_name", flat=True))
        return deny(
            _("Søknaden navngir %(names)s som %(capacity)s. Bare den kan godkjenne regnskapet som %(capacity)s.")
            % {"names": names or _("ingen"), "capacity": AccountsApproval.Capacity(capacity).label.lower()}
        )
    if not [c for c in held if c not in taken]:
        return deny(
            _(
                "Bare prosjektansvarlig i fylkeskommunen og ansvarlig leder som søknaden navngir, kan godkjenne "
                "regnskapet."
            )
        )
    return allow()


def missing_for_submit(report: AnnualReport, approvals: list[AccountsApproval] | None = None) -> list[str]:
    """What must be in place before the report can be sent, in words."""
    missing = []
    if not all(getattr(report, name).strip() for name in TEXT_FIELDS):
        missing.append(_("Fyll ut alle spørsmålene i årsrapporten."))
    if any(getattr(report, name) is None for name in RESULT_FIELDS):
        missing.append(_("Fyll ut resultatene (skriv 0 der det ikke er noen)."))
    if not report.accounts_file:
        missing.append(_("Last opp regnskapet."))
    if approvals is None:
        approvals = list(report.approvals.all())
    taken = {a.capacity for a in approvals}
    for capacity in AccountsApproval.Capacity:
        if capacity not in taken:
            missing.append(_("Regnskapet må godkjennes av %(capacity)s.") % {"capacity": capacity.label.lower()})
    return missing


def can_submit_report(
    membership: Membership | None, report: AnnualReport, *, approvals: list[AccountsApproval] | None = None
) -> Verdict:
    if not (result := can_write_report(membership, report)):
        return result
    if missing := missing_for_submit(report, approvals):
        return deny(" ".join(missing))
    return allow()


def can_start_report(membership: Membership | None, decision: Decision) -> Verdict:
    if not (result := forbid_writes_for_readers(membership)):
        return result
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if membership.organisation_id != decision.case.application.organisation_id:
        return deny(_("Bare fylkeskommunen som fikk tilskuddet, kan skrive årsrapporten."))
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return deny(_("Det skrives årsrapport bare for et fattet tilskuddsvedtak."))
    if decision.accepted_at is None:
        return deny(_("Tilskuddet må aksepteres før dere kan skrive årsrapporten."))
    return allow()


# --- IMDi's review of the report --------------------------------------------------------------


def can_assess_report(membership: Membership | None, user: User, report: AnnualReport) -> Verdict:
    """A caseworker who has not declared a conflict on the case assesses a submitted report."""
    if not (result := is_caseworker(membership)):
        return result
    if not (result := not_disqualified(user, report.case)):
        return result
    if report.state != AnnualReport.State.SUBMITTED:
        return deny(
            _("Rapporten har status «%(state)s» og kan ikke behandles nå.") % {"state": report.get_state_display()}
        )
    return allow()


# --- Repayment claims -------------------------------------------------------------------------


def can_handle_claim(membership: Membership | None, user: User, claim_or_decision) -> Verdict:
    """A caseworker without a declared conflict on the case."""
    if not (result := is_caseworker(membership)):
        return result
    return not_disqualified(user, claim_or_decision.case)


def can_give_notice(membership: Membership | None, user: User, decision: Decision) -> Verdict:
    if not (result := can_handle_claim(membership, user, decision)):
        return result
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED:
        return deny(_("Det kan bare kreves tilbake tilskudd som er innvilget."))
    if decision.paid <= 0:
        return deny(_("Ingenting er utbetalt på dette vedtaket, så ingenting kan kreves tilbake."))
    return allow()


def can_comment(membership: Membership | None, claim: RepaymentClaim) -> Verdict:
    if not (result := is_applicant_member(membership, claim.case)):
        return result
    if claim.state != RepaymentClaim.State.NOTICE:
        return deny(_("Fristen for merknader er over: IMDi har behandlet forhåndsvarselet."))
    if claim.commented_at is not None:
        return deny(_("Fylkeskommunen har allerede sendt merknader til forhåndsvarselet."))
    if timezone.localdate() > claim.comment_deadline:
        return deny(
            _("Fristen for merknader gikk ut %(date)s.") % {"date": claim.comment_deadline.strftime("%d.%m.%Y")}
        )
    return allow()


def can_claim(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state != RepaymentClaim.State.NOTICE:
        return deny(_("Kravet er allerede sendt eller avsluttet."))
    if not claim.ready_to_claim():
        return deny(
            _(
                "Fylkeskommunen kan komme med merknader til og med %(date)s. Kravet kan sendes når fristen er ute "
                "eller merknadene er mottatt."
            )
            % {"date": claim.comment_deadline.strftime("%d.%m.%Y")}
        )
    return allow()


def _may_decide_proposal(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    """Four eyes: a caseworker without a conflict who did not propose the claim."""
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state != RepaymentClaim.State.CLAIM_PROPOSED:
        return deny(_("Kravet venter ikke på godkjenning."))
    if claim.proposed_by_id == user.pk:
        return deny(_("Du foreslo kravet. En annen budsjettdisponent må godkjenne det."))
    return allow()


def can_approve_claim(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    """A budget holder of the scheme whose limit covers the claim, not the proposer (økonomiregelverket)."""
    if not (result := _may_decide_proposal(membership, user, claim)):
        return result
    return holds_budget_authority(user, claim.case.call.scheme_id, claim.amount)


def can_send_back_claim(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    """A budget holder of the scheme, not the proposer, may send the proposal back with a reason."""
    if not (result := _may_decide_proposal(membership, user, claim)):
        return result
    return holds_budget_authority(user, claim.case.call.scheme_id, 0)


def can_record(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state != RepaymentClaim.State.CLAIMED:
        return deny(_("Tilbakebetaling kan bare registreres på et krav som er sendt."))
    return allow()


def can_set_off(
    membership: Membership | None, user: User, claim: RepaymentClaim, payment: Payment | None = None
) -> Verdict:
    """A sent claim may be set off against a later payment to the same county that is proposed and
    not yet attested (the attester then attests the net amount)."""
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state != RepaymentClaim.State.CLAIMED:
        return deny(_("Bare et krav som er sendt og ikke gjort opp, kan motregnes."))
    if payment is None:
        return allow()
    if payment.state != Payment.State.PROPOSED:
        return deny(_("Bare en utbetaling som er foreslått og ikke attestert, kan motregnes."))
    if payment.decision.case.application.organisation_id != claim.case.application.organisation_id:
        return deny(_("Utbetalingen går til en annen fylkeskommune enn kravet gjelder."))
    if claim.claimed_at is None or payment.recorded_at < claim.claimed_at:
        return deny(_("Kravet kan bare motregnes i en utbetaling som er foreslått etter at kravet ble sendt."))
    return not_disqualified(user, payment.decision.case)


def can_record_interest(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state != RepaymentClaim.State.REPAID or not claim.interest_open:
        return deny(_("Det er ingen ubetalte forsinkelsesrenter på kravet."))
    return allow()


def can_cancel(membership: Membership | None, user: User, claim: RepaymentClaim) -> Verdict:
    if not (result := can_handle_claim(membership, user, claim)):
        return result
    if claim.state not in OPEN_CLAIM_STATES:
        return deny(_("Kravet er avsluttet (%(state)s).") % {"state": claim.get_state_display()})
    if claim.repaid_amount:
        return deny(_("Deler av kravet er allerede gjort opp, så det kan ikke frafalles."))
    return allow()


# --- Exports, statistics, the case file, reminder texts ---------------------------------------


def can_export(membership: Membership | None) -> Verdict:
    """IMDi's caseworkers and admins export; auditors read every export too."""
    return has_role(membership, Role.CASEWORKER, Role.ADMIN, Role.AUDITOR)


def can_request_export(membership: Membership | None) -> Verdict:
    """Ordering a file made in the background is a write: not for auditors."""
    if not (result := forbid_writes_for_readers(membership)):
        return result
    return has_role(membership, Role.CASEWORKER, Role.ADMIN)


def can_view_statistics(membership: Membership | None) -> Verdict:
    """IMDi's roles (caseworkers, admins, auditors) read the statistics; the counties do not."""
    return has_role(membership, *IMDI_ROLES)


def can_export_case_file(membership: Membership | None, user, case) -> Verdict:
    """IMDi's roles read every case, and so may take it with them (an auditor's export is a read);
    but not one who declared a conflict in it, who takes no further part in the case."""
    if not (result := can_view_cases(membership)):
        return result
    return not_disqualified(user, case)


def can_read_texts(membership: Membership | None) -> Verdict:
    return has_role(membership, Role.ADMIN, Role.CASEWORKER, Role.AUDITOR)


def can_change_texts(membership: Membership | None) -> Verdict:
    if not has_role(membership, Role.ADMIN):
        return deny(_("Bare administratorer kan endre påminnelsestekstene."))
    return forbid_writes_for_readers(membership)
