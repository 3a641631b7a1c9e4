"""The Django admin, used by IMDi's administrators, behind the portal's own login and MFA."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from portal.models import Role


def use_portal_login(site) -> None:
    """Send the admin's login to allauth's, so that throttling and MFA apply there too."""

    def login(request, extra_context=None):
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if site.has_permission(request):
            return redirect(next_url)
        # Logged in but not an admin: the portal's login would send them straight back here.
        raise PermissionDenied(gettext("Bare administratorer i IMDi har tilgang til administrasjonen."))

    def has_permission(request):
        """Staff status alone is not enough: the user must hold the admin role."""
        user = request.user
        return (
            user.is_active and user.is_staff and any(m.role == Role.ADMIN for m in getattr(request, "memberships", []))
        )

    site.login = login
    site.has_permission = has_permission
    site.site_header = "IMDi tilskuddsportal – administrasjon"
    site.site_title = "IMDi tilskuddsportal"
