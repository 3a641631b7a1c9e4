"""Error pages. They render without the request context, so they work with the database down."""

import sys

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, DataError, IntegrityError, NotSupportedError, ProgrammingError
from django.http import HttpResponse
from django.template import loader


def server_error(request):
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError) and not _is_programming_error(exception):
        # The database is unreachable or restarting: a temporary condition, not a bug.
        _leave_the_database_alone(request)
        return HttpResponse(
            loader.get_template("503.html").render({}),
            status=503,
            headers={"Retry-After": "30", "Cache-Control": "no-store"},
        )
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def _is_programming_error(exception) -> bool:
    return isinstance(exception, (DataError, IntegrityError, NotSupportedError, ProgrammingError))


def _leave_the_database_alone(request) -> None:
    """On its way out, the response would meet the user and the session again (the privacy headers
    ask who is logged in, the session middleware reads the session's expiry), and each would try the
    database once more: with one that does not answer, connect_timeout each. The 503 page needs
    neither: the user is no one, and the session is left unread and unsaved (the session middleware
    passes over a request without one, and saves nothing on a 5xx anyway)."""
    request.user = AnonymousUser()
    if hasattr(request, "session"):
        del request.session
