from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from portal.models import IMDI_ROLES


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by IMDi's administrators; ID-porten and staff SSO come later.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """The first authenticator is set up right after the password login that the MFA
        requirement sent the user to: asking for the password again there helps nobody. Any
        later change (a new app, new recovery codes) asks for the password as usual."""
        if app == "allauth.mfa":
            user = getattr(context.request, "user", None)
            if user is not None and user.is_authenticated and not Authenticator.objects.filter(user=user).exists():
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """IMDi users must keep their authenticator app: MFA is required for their roles."""
        user = authenticator.user
        must_keep = user.is_staff or user.memberships.filter(role__in=IMDI_ROLES).exists()
        return not must_keep
