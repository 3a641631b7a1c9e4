"""The baseline: a Django view that runs ``queries`` trivial queries and returns a few bytes.

It goes through the same server, middleware and database connection handling as the portal's
pages, so ``page req/s ÷ bare req/s`` at the same query count shows what the page itself costs
(templates, ORM, Python) beyond the round trips to the database.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

MAX_QUERIES = 1000


@login_not_required
@require_GET
def bare(request, queries: int):
    if queries > MAX_QUERIES:
        raise Http404
    with connection.cursor() as cursor:
        for _ in range(queries):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return HttpResponse(f"{queries} queries\n", content_type="text/plain; charset=utf-8")
