"""The portal's own dashboard panels: delegations, MFA status of IMDi users, recent events."""

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.dashboard import register
from portal.models import IMDI_ROLES, AuditEvent, Delegation, Membership, Role, User


@register(Role.COUNTY_DIRECTOR, template="portal/panels/delegations_given.html", order=50)
def delegations_given(request):
    now = timezone.now()
    delegations = (
        Delegation.objects.filter(
            organisation=request.membership.organisation, revoked_at__isnull=True, valid_to__gt=now
        )
        .select_related("grantee")
        .order_by("valid_to")
    )
    return {"delegations": delegations}


@register(Role.COUNTY_STAFF, template="portal/panels/delegations_held.html", order=50)
def delegations_held(request):
    now = timezone.now()
    delegations = (
        Delegation.objects.filter(organisation=request.membership.organisation, grantee=request.user)
        .filter(revoked_at__isnull=True, valid_to__gt=now)
        .select_related("grantor")
        .order_by("valid_from")
    )
    return {"delegations": delegations}


@register(Role.ADMIN, template="portal/panels/users_without_mfa.html", order=60)
def users_without_mfa(request):
    has_totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
    imdi_member = Membership.objects.filter(user=OuterRef("pk"), role__in=IMDI_ROLES)
    users = (
        User.objects.filter(is_active=True).filter(Exists(imdi_member)).exclude(Exists(has_totp)).order_by("full_name")
    )
    return {"users": users}


@register(Role.AUDITOR, Role.ADMIN, template="portal/panels/recent_events.html", order=90)
def recent_events(request):
    return {"events": AuditEvent.objects.select_related("organisation")[:10]}
