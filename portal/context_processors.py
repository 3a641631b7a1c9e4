from django.conf import settings

from portal import idle


def portal(request):
    session = getattr(request, "session", None)
    return {
        "active_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        "site_url": settings.SITE_URL,
        # What is left of the idle age (portal.idle); a callable, so a page that shows no warning
        # does not read the session.
        "session_seconds": (lambda: idle.seconds_left(session)) if session is not None else settings.SESSION_COOKIE_AGE,
    }
