"""The baselines the pages are compared with, served by the same server, middleware and database
connection handling as the portal's pages:

- ``bare``: a Django view that runs ``queries`` trivial queries (``SELECT 1``) and returns a few bytes,
  so ``page req/s ÷ bare req/s`` at the same query count shows what the page costs beyond as many
  round trips to the database;
- ``replay``: a Django view that sends the very statements one request of the page sent (recorded by
  the in-process probe, ``save_replay``) and returns a few bytes, so ``page req/s ÷ replay req/s``
  shows what the page costs beyond its SQL: ORM, forms, templates, Python.
"""

import json
import random
import re
from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

MAX_QUERIES = 1000
SESSION_MARKER = "{bench-session-key}"  # where the probe's session key stood in its statements
# ``QuerySet.iterator()`` reads through a named cursor; a replay runs the query itself instead.
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR (.*)$', re.DOTALL)
NAME = re.compile(r"[a-z0-9-]{1,80}")


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


def replay_file(name: str):
    return settings.BENCH_DIR / "replay" / f"{name}.json"


def save_replay(name: str, statements: list[str], session_key: str | None, session_keys: list[str]) -> str:
    """Record a page's statements for ``replay``. The probe's session key becomes a marker that each
    replay fills with one of ``session_keys`` at random (as the page's load threads hold a session
    each, so that replayed session saves do not queue on one row lock). Returns the replay's path."""
    if not NAME.fullmatch(name):
        raise ValueError(f"replay name {name!r}: lower-case letters, digits and hyphens only")
    recorded = []
    for sql in statements:
        match = DECLARE.match(sql)
        sql = match.group(1) if match else sql
        if session_key:
            sql = sql.replace(session_key, SESSION_MARKER)
        recorded.append(sql)
    path = replay_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"statements": recorded, "session_keys": session_keys if session_key else []}))
    return f"/bench/replay/{name}/"


@cache
def _recorded(name: str) -> tuple[list[str], list[str]]:
    try:
        recorded = json.loads(replay_file(name).read_text())
    except FileNotFoundError:
        raise Http404 from None
    return recorded["statements"], recorded["session_keys"]


@login_not_required
@require_GET
def replay(request, name: str):
    if not NAME.fullmatch(name):
        raise Http404
    statements, keys = _recorded(name)
    key = random.choice(keys) if keys else ""
    with connection.cursor() as cursor:
        try:
            for sql in statements:
                cursor.execute(sql.replace(SESSION_MARKER, key))
                if cursor.description is not None:
                    cursor.fetchall()
        except Exception:
            cursor.execute("ROLLBACK")  # never leave the persistent connection in a failed transaction
            raise
    return HttpResponse(f"{len(statements)} statements\n", content_type="text/plain; charset=utf-8")
