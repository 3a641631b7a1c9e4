"""State changes of the portal's own objects. Each checks rights and state, writes in one
transaction and records the audit event."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access, audit
from portal.audit import Actor
from portal.dates import start_of_day
from portal.models import COUNTY_ROLES, Delegation, Membership, User


def delegation_grant(
    *, actor: Actor, grantee: User, valid_from: datetime, valid_to: datetime, reason: str
) -> Delegation:
    """The director gives ``grantee`` fullmakt to confirm the county's applications."""
    access.can_manage_delegations(actor.membership).or_403()
    organisation = actor.membership.organisation
    if grantee == actor.user:
        raise ValidationError({"grantee": _("Du kan ikke gi fullmakt til deg selv.")})
    if not Membership.objects.filter(user=grantee, organisation=organisation, role__in=COUNTY_ROLES).exists():
        raise ValidationError({"grantee": _("Fullmakt kan bare gis til ansatte i egen fylkeskommune.")})
    if valid_to <= valid_from:
        raise ValidationError({"valid_to": _("Sluttdatoen må være samme dag som eller etter startdatoen.")})
    now = timezone.now()
    if valid_from < start_of_day(timezone.localdate(now)):
        raise ValidationError({"valid_from": _("En fullmakt kan ikke gjelde fra før i dag.")})
    if valid_to - valid_from > Delegation.MAX_PERIOD + dt.timedelta(days=1):
        raise ValidationError({"valid_to": _("En fullmakt kan gjelde i høyst fem år.")})
    if not grantee.is_active:
        raise ValidationError({"grantee": _("Brukeren er deaktivert.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor fullmakten gis.")})
    with transaction.atomic():
        delegation = Delegation.objects.create(
            organisation=organisation,
            grantor=actor.user,
            grantee=grantee,
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason.strip(),
        )
        audit.record(
            actor=actor,
            action="delegation.granted",
            obj=delegation,
            subject_organisation=organisation,
            to_state="active",
            changes={
                "grantee": grantee.email,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
                "reason": delegation.reason,
            },
        )
    return delegation


def delegation_revoke(*, actor: Actor, delegation: Delegation) -> Delegation:
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        decision = access.can_revoke_delegation(actor.membership, delegation)
        if not decision:
            raise PermissionDenied(decision.reason)
        delegation.revoked_at = timezone.now()
        delegation.revoked_by = actor.user
        delegation.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="delegation.revoked",
            obj=delegation,
            subject_organisation=delegation.organisation,
            from_state="active",
            to_state="revoked",
        )
    return delegation


def membership_choose(*, actor: Actor, membership_id: int) -> Membership:
    """The user picks which of their memberships to act in; the caller keeps it in the session."""
    membership = Membership.objects.select_related("organisation").filter(user=actor.user, pk=membership_id).first()
    if membership is None:
        raise PermissionDenied(_("Du har ikke denne rollen."))
    audit.record(
        actor=Actor(user=actor.user, membership=membership, ip=actor.ip),
        action="membership.chosen",
        obj=membership,
        subject_organisation=membership.organisation,
        changes={"from": actor.role},
    )
    return membership
