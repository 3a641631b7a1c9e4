"""Who may do what with a case, as permission functions returning a ``Decision`` with its reason;
and the small facts the rights and the views share (the current submission, the appeal deadline)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from grants.casework._common import (
    ALLOCATABLE,
    APPEAL_WEEKS,
    S,
)
from grants.models import (
    Application,
    Case,
    Decision,
    Letter,
    Submission,
)
from portal import access
from portal.models import COUNTY_ROLES, Membership, Role, User

# --- Rights -----------------------------------------------------------------------------------


def is_caseworker(membership: Membership | None) -> access.Decision:
    return access.has_role(membership, Role.CASEWORKER)


def disqualified_user_ids(case: Case) -> set[int]:
    return set(case.declarations.filter(disqualified=True).values_list("user_id", flat=True))


def not_disqualified(user: User, case: Case) -> access.Decision:
    if user.pk in disqualified_user_ids(case):
        return access.deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    return access.allow()


def can_assess(membership: Membership | None, user: User, case: Case) -> access.Decision:
    """Only the assigned caseworker, after declaring impartiality, assesses (fvl. §§ 6–10)."""
    if not (decision := is_caseworker(membership)):
        return decision
    if case.assigned_to_id != user.pk:
        return access.deny(_("Bare saksbehandleren som er tildelt saken, kan vurdere den."))
    if case.state == S.ASSIGNED:
        return access.deny(_("Erklær at du ikke er inhabil før du vurderer saken."))
    if case.state not in ALLOCATABLE:
        return access.deny(_("Saken kan ikke vurderes nå (%(state)s).") % {"state": case.get_state_display()})
    return access.allow()


def can_allocate(
    membership: Membership | None, user: User, case: Case, *, conflicts: set[int] | None = None
) -> access.Decision:
    """``conflicts``: the ids of the cases where ``user`` declared a conflict, when a page that
    lists many cases has looked them up at once; otherwise they are looked up for this case."""
    if not (decision := is_caseworker(membership)):
        return decision
    if case.pk in conflicts if conflicts is not None else user.pk in disqualified_user_ids(case):
        return access.deny(_("Du har erklært deg inhabil i denne saken og kan ikke behandle den."))
    if case.state not in ALLOCATABLE:
        if case.state in (S.RECEIVED, S.ASSIGNED):
            return access.deny(_("Søknaden må vurderes før det fordeles midler til den."))
        return access.deny(_("Det er foreslått eller fattet vedtak i saken: beløpet kan ikke endres."))
    return access.allow()


def can_propose(membership: Membership | None, user: User, case: Case) -> access.Decision:
    """Whether ``user`` may propose a decision now. A dismissal may be proposed while the case is
    being assessed; a grant or rejection needs the finished assessment (``decision_propose``)."""
    if not is_caseworker(membership):
        return access.deny(
            _("Bare saksbehandleren i IMDi som er tildelt saken, kan foreslå vedtak. Rollen din gir ikke tilgang.")
        )
    if case.assigned_to_id != user.pk:
        if case.assigned_to_id is None:
            return access.deny(_("Saken er ikke tildelt en saksbehandler ennå. Den som blir tildelt, foreslår vedtak."))
        return access.deny(
            _("Bare saksbehandleren som er tildelt saken (%(name)s), kan foreslå vedtak.")
            % {"name": case.assigned_to.full_name}
        )
    if case.state not in ALLOCATABLE:
        if case.state in (S.RECEIVED, S.ASSIGNED):
            return access.deny(_("Erklær deg habil og vurder søknaden før du foreslår vedtak."))
        return access.deny(
            _("Saken har status «%(state)s». Det kan ikke foreslås et nytt vedtak nå.")
            % {"state": case.get_state_display()}
        )
    return access.allow()


def can_pay(decision: Decision) -> access.Decision:
    """An approved grant, accepted by the county (R17), not yet paid in full."""
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare et fattet tilskuddsvedtak kan utbetales."))
    if decision.accepted_at is None:
        return access.deny(
            _("Fylkeskommunen har ikke akseptert tilskuddet. Det kan ikke utbetales før det er akseptert.")
        )
    if decision.outstanding <= 0:
        return access.deny(_("Tilskuddet er utbetalt i sin helhet."))
    return access.allow()


def can_approve(membership: Membership | None, user: User, decision: Decision) -> access.Decision:
    if not (result := is_caseworker(membership)):
        return result
    if decision.state != Decision.State.PROPOSED:
        return access.deny(_("Vedtaket er ikke til godkjenning."))
    if decision.proposed_by_id == user.pk:
        return access.deny(_("Du foreslo dette vedtaket. En annen saksbehandler må godkjenne det."))
    return not_disqualified(user, decision.case)


def is_applicant_member(membership: Membership | None, case: Case) -> access.Decision:
    if membership is None or membership.role not in COUNTY_ROLES:
        return access.deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    if membership.organisation_id != case.application.organisation_id:
        return access.deny(_("Bare fylkeskommunen som søkte, kan gjøre dette."))
    return access.allow()


def can_accept(membership: Membership | None, user: User, decision: Decision, at) -> access.Decision:
    """The grant is accepted on the county's behalf by whoever may confirm for it (R12, R17)."""
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if decision.kind != Decision.Kind.GRANT or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare et fattet tilskuddsvedtak kan aksepteres."))
    if decision.accepted_at:
        return access.deny(_("Tilskuddet er allerede akseptert."))
    letter = getattr(decision, "letter", None)
    if letter is None or letter.status != Letter.Status.READY:
        return access.deny(_("Tilskuddsbrevet er ikke klart ennå. Prøv igjen om litt."))
    authority = access.can_confirm_for(user, membership.organisation, at)  # its reason says on what authority
    if not authority:
        return access.deny(
            _(
                "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan akseptere "
                "tilskuddet."
            )
        )
    return authority


def can_appeal(membership: Membership | None, decision: Decision) -> access.Decision:
    if not (result := is_applicant_member(membership, decision.case)):
        return result
    if not decision.is_appealable or decision.state != Decision.State.APPROVED or decision.reversed_at:
        return access.deny(_("Bare en avvisning kan påklages (forvaltningsloven § 28)."))
    if decision.case.state != S.DECIDED:
        return access.deny(_("Saken har allerede en klage."))
    letter = getattr(decision, "letter", None)
    if letter is None or letter.issued_at is None:
        return access.deny(_("Vedtaksbrevet er ikke sendt ennå."))
    return access.allow()


# --- Small helpers the views share ------------------------------------------------------------


def current_submission(application: Application) -> Submission | None:
    return application.submissions.filter(withdrawn_at__isnull=True).order_by("-number").first()


def appeal_deadline(letter: Letter) -> datetime.date:
    """Three weeks from the day the letter reached the county (fvl. §§ 29–30): when the county was
    told it is in the portal (or, before that e-mail went, when it was put there). A deadline that
    ends on a Saturday or Sunday moves to the Monday."""
    received_at = letter.notified_at or letter.issued_at
    day = timezone.localdate(received_at) + datetime.timedelta(weeks=APPEAL_WEEKS)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
