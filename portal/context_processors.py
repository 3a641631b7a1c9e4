from django.conf import settings


def portal(request):
    return {
        "active_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        "site_url": settings.SITE_URL,
        "session_seconds": settings.SESSION_COOKIE_AGE,
    }
