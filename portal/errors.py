"""Error pages. They render without the request context, so they work with the database down."""

import sys

from django.db import DatabaseError, DataError, IntegrityError, NotSupportedError, ProgrammingError
from django.http import HttpResponse
from django.template import loader


def server_error(request):
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError) and not _is_programming_error(exception):
        # The database is unreachable or restarting: a temporary condition, not a bug.
        return HttpResponse(loader.get_template("503.html").render({}), status=503, headers={"Retry-After": "30"})
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def _is_programming_error(exception) -> bool:
    return isinstance(exception, (DataError, IntegrityError, NotSupportedError, ProgrammingError))
