"""The idle clock: a session ends after ``SESSION_COOKIE_AGE`` seconds without a request.

Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) would wind the clock exactly,
but costs a database write per request, on every page and every autosave. Instead the session is
saved (its expiry moved to now + the idle age) when at least ``IDLE_WIND_SECONDS`` have passed since
it was last saved; the time of that save is kept in the session. Between two windings the session
expires up to ``IDLE_WIND_SECONDS`` before a full idle age after the last request, never later, so
the idle limit is never exceeded. The page's warning counts down the time that is really left
(``seconds_left``), so the "extend" button is offered before the session ends, whatever the clock.
"""

from __future__ import annotations

import time

from django.conf import settings

WOUND_AT = "portal.idle_wound_at"  # epoch seconds of the last save that moved the expiry
SECONDS_HEADER = "X-Session-Seconds"


def wind(session) -> None:
    """Move the session's expiry to now + the idle age (the session middleware saves it)."""
    session[WOUND_AT] = int(time.time())


def seconds_left(session) -> int:
    """The seconds until the session ends if no request winds the clock."""
    wound_at = session.get(WOUND_AT)
    if wound_at is None:
        return settings.SESSION_COOKIE_AGE
    return max(0, settings.SESSION_COOKIE_AGE - (int(time.time()) - int(wound_at)))


class IdleClockMiddleware:
    """Winds the clock of a logged-in session when it is due; placed after SessionMiddleware, so
    that its response step runs before the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.is_empty():
            return response
        due = int(time.time()) - int(session.get(WOUND_AT, 0)) >= settings.IDLE_WIND_SECONDS
        if due or session.modified:  # a modified session is saved anyway: record when
            wind(session)
        # The page's warning (static/portal/portal.js) restarts its countdown from this after an htmx request.
        response[SECONDS_HEADER] = str(seconds_left(session))
        return response
