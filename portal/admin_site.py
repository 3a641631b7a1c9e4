"""The Django admin, used by IMDi's administrators, behind the portal's own login and MFA."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def use_portal_login(site) -> None:
    """Send the admin's login to allauth's, so that throttling and MFA apply there too."""

    def login(request, extra_context=None):
        return redirect_to_login(request.GET.get("next", reverse("admin:index")))

    site.login = login
    site.site_header = "IMDi tilskuddsportal – administrasjon"
    site.site_title = "IMDi tilskuddsportal"
