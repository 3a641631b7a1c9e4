from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from portal.models import IMDI_ROLES


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by IMDi's administrators; ID-porten and staff SSO come later.
        return False


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """IMDi users must keep their authenticator app: MFA is required for their roles."""
        user = authenticator.user
        must_keep = user.is_staff or user.memberships.filter(role__in=IMDI_ROLES).exists()
        return not must_keep
