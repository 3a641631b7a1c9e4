import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils import translation

from portal.models import COUNTY_ROLES, IMDI_ROLES, User


def written_standard_of(user: User | None) -> str:
    """The written standard to write to ``user`` in: their county's (språklova), bokmål for everyone else."""
    if user is None or not user.pk:
        return settings.LANGUAGE_CODE
    standards = {
        membership.organisation.written_standard
        for membership in user.memberships.select_related("organisation")
        if membership.role in COUNTY_ROLES
    }
    return standards.pop() if len(standards) == 1 else settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """allauth's e-mails (password reset, changes to the account) in the recipient's written standard,
        whatever language the request that caused them was in; the texts are the portal's own
        (templates/account/email/, templates/mfa/email/): allauth has no nynorsk."""
        user = context.get("user") or User.objects.filter(email__iexact=email).first()
        with translation.override(written_standard_of(user)):
            super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject):
        return f"{settings.PORTAL_EMAIL_SUBJECT_PREFIX} {subject}"

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


def _fernet() -> MultiFernet:
    """Keys derived from SECRET_KEY (and its fallbacks, so that a key rotation keeps MFA working)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"portal.mfa:{key}".encode()).digest())) for key in keys]
    )


class MFAAdapter(DefaultMFAAdapter):
    PREFIX = "fernet:"

    def encrypt(self, text: str) -> str:
        """TOTP secrets are stored encrypted: a copy of the database alone does not give them away."""
        return self.PREFIX + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(self.PREFIX):
            return encrypted_text
        return _fernet().decrypt(encrypted_text.removeprefix(self.PREFIX).encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """IMDi users must keep their authenticator app: MFA is required for their roles."""
        user = authenticator.user
        must_keep = user.is_staff or user.memberships.filter(role__in=IMDI_ROLES).exists()
        return not must_keep
