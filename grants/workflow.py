"""The states of an application and the transitions between them, with who may take each (R12).

Every change of ``Application.state`` goes through a service in ``grants.services`` that asks
``can_take`` first. A transition that is not in ``TRANSITIONS`` is impossible.

    draft ──send──▶ awaiting_confirmation ──confirm──▶ submitted
      ▲                    │                              │
      └──────return────────┘                              │
      └──────────────────withdraw (before the deadline)───┘
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.models import Application
from portal.access import Decision, allow, can_confirm_for, deny
from portal.models import COUNTY_ROLES, Membership

State = Application.State

# Who may take a transition: any member of the applicant county, or only one who may confirm on its
# behalf (the director, or the holder of a valid fullmakt: ``portal.access.can_confirm_for``).
COUNTY_MEMBER = "county_member"
CONFIRMER = "confirmer"


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    who: str
    label: str
    before_deadline: bool = True


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "send", State.DRAFT, State.AWAITING_CONFIRMATION, COUNTY_MEMBER, gettext_lazy("Send til bekreftelse")
        ),
        Transition("return", State.AWAITING_CONFIRMATION, State.DRAFT, CONFIRMER, gettext_lazy("Send tilbake"), False),
        Transition(
            "confirm", State.AWAITING_CONFIRMATION, State.SUBMITTED, CONFIRMER, gettext_lazy("Bekreft og send inn")
        ),
        Transition("withdraw", State.SUBMITTED, State.DRAFT, COUNTY_MEMBER, gettext_lazy("Trekk tilbake for å rette")),
    ]
}


def is_member_of_applicant(membership: Membership | None, application: Application) -> Decision:
    if membership is None or membership.role not in COUNTY_ROLES:
        return deny(_("Bare fylkeskommunen som søker, kan endre søknaden."))
    if membership.organisation_id != application.organisation_id:
        return deny(_("Søknaden tilhører en annen fylkeskommune."))
    return allow()


def before_deadline(application: Application, at) -> Decision:
    deadline = application.deadline()
    if at >= deadline:
        return deny(
            _("Søknadsfristen gikk ut %(deadline)s, og IMDi har ikke gitt utsatt frist.")
            % {"deadline": _format(deadline)}
        )
    return allow()


def can_edit(membership: Membership | None, application: Application, at) -> Decision:
    """May the county work on the draft now? Only a draft, only before the county's deadline."""
    decision = is_member_of_applicant(membership, application)
    if not decision:
        return decision
    if application.state != State.DRAFT:
        return deny(
            _("Søknaden kan ikke endres nå fordi den har status «%(state)s».")
            % {"state": application.get_state_display()}
        )
    return before_deadline(application, at)


def can_take(name: str, membership: Membership | None, application: Application, at) -> Decision:
    """May the acting membership take transition ``name`` on ``application`` at time ``at``?

    The reason of an allowed confirmation says on what authority (as director, or by fullmakt).
    """
    transition = TRANSITIONS[name]
    decision = is_member_of_applicant(membership, application)
    if not decision:
        return decision
    if application.state != transition.source:
        return deny(
            _("Dette kan ikke gjøres når søknaden har status «%(state)s».") % {"state": application.get_state_display()}
        )
    if transition.before_deadline:
        decision = before_deadline(application, at)
        if not decision:
            return decision
    if transition.who == CONFIRMER:
        return can_confirm_for(membership.user, application.organisation, at)
    return allow()


def _format(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d.m.Y H:i")
