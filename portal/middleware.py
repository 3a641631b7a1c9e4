from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_cache_control

from portal.access import forbid_writes_for_readers
from portal.models import IMDI_ROLES

ACTIVE_MEMBERSHIP_SESSION_KEY = "portal.membership_id"

# Browser features the portal never uses, switched off for every page and any frame in it.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class PrivacyHeadersMiddleware:
    """Every response says which browser features it may use (none of the above), and a page for a
    logged-in user is neither stored by the browser nor by a cache on the way: on a shared PC, the
    next person must not find an application in the history or the disk cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


# What an IMDi user without a second factor may still reach: setting one up, and leaving.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_index",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "account_logout",
        "set_language",
        "healthz",
    }
)


class ActiveMembershipMiddleware:
    """Sets ``request.memberships`` and ``request.membership`` (the one the user acts in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        if request.user.is_authenticated:
            memberships = list(request.user.memberships.select_related("organisation"))
            request.memberships = memberships
            chosen = request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY)
            request.membership = next((m for m in memberships if m.pk == chosen), None) or (
                memberships[0] if memberships else None
            )
        return self.get_response(request)


def needs_mfa_setup(request) -> bool:
    if not request.user.is_authenticated:
        return False
    if not any(m.role in IMDI_ROLES for m in request.memberships) and not request.user.is_staff:
        return False
    return not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()


class MFARequiredMiddleware:
    """An IMDi user (or anyone with admin access) reaches nothing but MFA set-up until it is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.url_name in MFA_SETUP_URL_NAMES:
            return None
        if needs_mfa_setup(request):
            return redirect("mfa_activate_totp")
        return None


# What an auditor may still POST: what they need as a person, not as a reader of cases. Logging
# in and the second factor at login come before a membership is active (the user is anonymous
# until both are done), so they need no place here.
AUDITOR_WRITABLE_URL_NAMES = frozenset(
    {
        "account_logout",
        "set_language",
        "choose_role",  # an auditor who also holds another role switches to it
        "session_extend",
        # Their own password and second factor
        "account_change_password",
        "account_set_password",
        "account_reset_password",
        "account_reset_password_from_key",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "mfa_deactivate_totp",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
    }
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditorReadOnlyMiddleware:
    """Auditors read everything and change nothing (R23): any unsafe request by a user acting as
    auditor is a 403, whatever view it reaches, except the few pages about their own account.
    The views keep their own checks as well; this is the net under them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in UNSAFE_METHODS:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in AUDITOR_WRITABLE_URL_NAMES:
            return None
        decision = forbid_writes_for_readers(getattr(request, "membership", None))
        if not decision:
            raise PermissionDenied(decision.reason)
        return None


def language_for(request) -> str:
    """The language of the interface: the one the user picked with the switcher (a cookie, kept for
    a year), and before any choice the written standard of the organisation the user acts for (a
    nynorsk county's users start in nynorsk, IMDi's in bokmål, språklova); bokmål for everyone else.

    The browser's Accept-Language is not used: a public-sector portal in Norway speaks Norwegian
    to everyone who has not asked for something else, whatever language their browser is set to.
    """
    languages = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in languages:
        return chosen
    membership = getattr(request, "membership", None) if settings.LANGUAGE_FROM_ORGANISATION else None
    if membership is not None and membership.organisation.written_standard in languages:
        return membership.organisation.written_standard
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    """Activates ``language_for(request)``. It comes after ActiveMembershipMiddleware, which says
    whose organisation the user acts for."""

    def process_request(self, request):
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()


class HtmxRedirectMiddleware:
    """A redirect in answer to an htmx request (an autosave after the session expired: to login)
    becomes a full-page navigation (``HX-Redirect``) instead of a page swapped into a status line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true" and response.status_code in (301, 302, 303, 307, 308):
            location = response["Location"]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = location
        return response
