"""Who may see and do what. Every view fetches objects through these helpers.

- An object of another organisation does not exist for you: 404.
- An object you may see but an action your role may not take: 403.
- Permission functions return a ``Verdict`` (portal.rules) with a reason that templates show and tests assert.
"""

from __future__ import annotations

from functools import wraps

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal.models import COUNTY_ROLES, IMDI_ROLES, Delegation, Membership, Organisation, Role, User
from portal.rules import Verdict, allow, deny

# --- Roles ------------------------------------------------------------------------------------


def has_role(membership: Membership | None, *roles: str) -> Verdict:
    if membership is None:
        return deny(_("Du har ingen rolle i portalen. Kontakt administratoren i din organisasjon."))
    if membership.role not in roles:
        return deny(_("Rollen din (%(role)s) gir ikke tilgang til dette.") % {"role": membership.get_role_display()})
    return allow()


def role_required(*roles: str):
    """View decorator: the active membership must hold one of ``roles``, otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            has_role(getattr(request, "membership", None), *roles).or_403()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def forbid_writes_for_readers(membership: Membership | None) -> Verdict:
    if membership is not None and membership.role == Role.AUDITOR:
        return deny(_("Revisorer kan lese alt, men ikke endre noe."))
    return allow()


# --- Objects owned by an organisation ---------------------------------------------------------


def scope_to_membership(queryset: QuerySet, membership: Membership | None, *, org_field: str) -> QuerySet:
    """IMDi roles see every organisation's objects; county roles only their own county's."""
    if membership is None:
        return queryset.none()
    if membership.role in IMDI_ROLES:
        return queryset
    return queryset.filter(**{org_field: membership.organisation_id})


def get_object_for(
    membership: Membership | None, queryset: QuerySet, *, org_field: str, write: bool = False, **lookup
) -> Model:
    obj = get_object_or_404(scope_to_membership(queryset, membership, org_field=org_field), **lookup)
    if write:
        forbid_writes_for_readers(membership).or_403()
    return obj


# --- Delegations (fullmakt) -------------------------------------------------------------------


def can_manage_delegations(membership: Membership | None) -> Verdict:
    return has_role(membership, Role.COUNTY_DIRECTOR)


def can_view_delegations(membership: Membership | None) -> Verdict:
    return has_role(membership, *COUNTY_ROLES, *IMDI_ROLES)


def get_delegation_for(membership: Membership | None, pk: int, *, write: bool = False) -> Delegation:
    can_view_delegations(membership).or_403()
    delegation = get_object_for(
        membership,
        Delegation.objects.select_related("grantor", "grantee", "organisation"),
        org_field="organisation",
        pk=pk,
    )
    if write:
        can_revoke_delegation(membership, delegation).or_403()
    return delegation


def can_revoke_delegation(membership: Membership | None, delegation: Delegation) -> Verdict:
    decision = can_manage_delegations(membership)
    if not decision:
        return decision
    if delegation.organisation_id != membership.organisation_id:
        return deny(_("Fullmakten gjelder en annen organisasjon."))
    if delegation.revoked_at is not None:
        return deny(_("Fullmakten er allerede trukket tilbake."))
    return allow()


def can_confirm_for(user: User, organisation: Organisation, at) -> Verdict:
    """May ``user`` confirm applications on behalf of ``organisation`` at time ``at`` (R12)?

    The reason says on what authority: as director, or by delegation from whom.
    """
    if not user.is_active:
        return deny(_("Brukeren er deaktivert."))
    if Membership.objects.filter(user=user, organisation=organisation, role=Role.COUNTY_DIRECTOR).exists():
        return allow(_("som fylkeskommunedirektør"))
    delegation = (
        Delegation.objects.valid_at(at)
        .filter(grantee=user, organisation=organisation)
        # the holder must still work in the county
        .filter(grantee__memberships__organisation=organisation, grantee__memberships__role__in=COUNTY_ROLES)
        .select_related("grantor")
        .order_by("valid_to")
        .first()
    )
    if delegation is not None:
        return allow(_("etter fullmakt fra %(name)s") % {"name": delegation.grantor.full_name})
    return deny(
        _("Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan bekrefte søknaden.")
    )


def confirmers_for(organisation: Organisation, at) -> list[User]:
    """Everyone who may confirm for ``organisation`` at ``at``: the rule of ``can_confirm_for`` as a
    list (the county's directors, and the holders of a valid fullmakt who still work there)."""
    directors = User.objects.filter(
        is_active=True, memberships__organisation=organisation, memberships__role=Role.COUNTY_DIRECTOR
    )
    delegates = User.objects.filter(
        is_active=True,
        pk__in=Delegation.objects.valid_at(at).filter(organisation=organisation).values("grantee"),
        memberships__organisation=organisation,
        memberships__role__in=COUNTY_ROLES,
    )
    return list((directors | delegates).distinct().order_by("full_name"))


# --- Audit log --------------------------------------------------------------------------------


def can_read_audit_log(membership: Membership | None) -> Verdict:
    return has_role(membership, Role.ADMIN, Role.AUDITOR)
