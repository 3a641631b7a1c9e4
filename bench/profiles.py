"""Where a page's time goes, for a page that misses its goal (issue 16: "for a goal missed, the
profile that shows what is left and why").

``profile_page`` requests the page ``REQUESTS`` times in this process (Django's test client, the
bench settings and database, the role's session) under pyinstrument and splits the time into kinds
of work: each sample goes to the innermost frame that belongs to a kind (SQL sent from a template
counts as SQL, the template's own work as templates). Next to that: the slowest statements, timed by
Django, and the project's functions that took the most time with what they called. The full
pyinstrument tree is written beside the results (``var/bench/profiles/<page>.txt``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from bench.environment import BASE_DIR

REQUESTS = 12

# (kind, path fragments of the files whose frames do that kind of work); the first match wins.
ORM_SQL = ("/django/db/models/sql/", "/django/db/models/expressions.py", "/django/db/models/lookups.py")
TEMPLATES = ("/django/template/", "/django/templatetags/", "/templatetags/", "/crispy_forms/")
FORMATS = ("/django/utils/translation/", "/django/utils/formats.py", "/django/utils/numberformat.py")
REQUEST = ("/django/contrib/sessions/", "/django/contrib/auth/", "/allauth/", "/django/middleware/", "/portal/")
# (portal/ here only counts frames no other kind claimed first: the middleware and the idle clock)
KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("SQL (driver and database)", ("/django/db/backends/", "/psycopg/", "/psycopg_pool/")),
    ("ORM: building SQL", ORM_SQL),
    ("ORM: querysets, rows to objects", ("/django/db/models/",)),
    ("templates", TEMPLATES),
    ("translation, formats", FORMATS),
    ("middleware, session, login", REQUEST),
]
OTHER = "other (views, request handling)"


@dataclass
class Profile:
    page: str
    role: str
    ms: float  # wall time a request, in this process
    kinds: dict[str, float]  # kind -> ms a request
    slowest: list[tuple[float, str]]  # (ms, statement) of one request
    queries: int
    hot: list[tuple[float, str]] = field(default_factory=list)  # (ms a request, project function)
    path: Path | None = None

    def summary(self) -> str:
        largest = sorted(self.kinds.items(), key=lambda kv: -kv[1])
        kinds = ", ".join(f"{kind} {ms:.0f}" for kind, ms in largest if ms >= 1)
        slowest = "; ".join(f"{ms:.1f} ms {sql[:90]}" for ms, sql in self.slowest)
        hot = ", ".join(f"{name} {ms:.0f}" for ms, name in self.hot)
        lines = [
            f"{self.page} ({self.role}): {self.ms:.0f} ms a request in one process, of which (ms) {kinds}.",
            f"  slowest of its {self.queries} statements: {slowest or '–'}",
            f"  project code taking the most (ms a request, callees included): {hot or '–'}",
        ]
        if self.path:
            lines.append(f"  full profile: {self.path}")
        return "\n".join(lines)


def _kind(file_path: str) -> str | None:
    for kind, fragments in KINDS:
        if any(fragment in file_path for fragment in fragments):
            return kind
    return None


def _project_function(frame) -> str | None:
    path = frame.file_path or ""
    if not path.startswith(str(BASE_DIR)) or "/.venv/" in path or "/bench/" in path:
        return None
    return f"{Path(path).relative_to(BASE_DIR)}:{frame.function}"


def split(root) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per kind (innermost kind wins) and seconds per project function (outermost call of
    each, callees included) in the pyinstrument frame tree under ``root``."""
    kinds: dict[str, float] = defaultdict(float)
    functions: dict[str, float] = defaultdict(float)

    def walk(frame, kind: str, seen: frozenset[str]) -> None:
        kind = _kind(frame.file_path or "") or kind
        name = _project_function(frame)
        if name and name not in seen:  # a recursive call is counted once, at its outermost frame
            functions[name] += frame.time
            seen = seen | {name}
        kinds[kind] += frame.total_self_time
        for child in frame.children:
            if not child.is_synthetic:  # their time is in total_self_time already
                walk(child, kind, seen)

    walk(root, OTHER, frozenset())
    return kinds, functions


def profile_page(name: str, role: str, url: str, session_key: str | None, host: str, out_dir: Path) -> Profile:
    from pyinstrument import Profiler

    client = Client(HTTP_HOST=host)
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.get(url)  # warm the process's caches, as a gunicorn worker is warm
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    captured = list(ctx.captured_queries)  # the log is emptied when the next request starts
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(REQUESTS):
        client.get(url)
    profiler.stop()
    session = profiler.last_session
    root = profiler.last_session.root_frame() if session else None
    kinds, functions = split(root) if root else ({}, {})
    per_request = 1000 / REQUESTS
    hottest = sorted(((seconds * per_request, fn) for fn, seconds in functions.items()), reverse=True)
    # The views and panels, not the URL resolver or middleware wrappers that enclose everything.
    hot = [(ms, fn) for ms, fn in hottest if not fn.startswith(("portal/middleware", "portal/idle"))][:6]
    statements = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured), reverse=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{slugify(f'{name} {role}')}.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return Profile(
        page=name,
        role=role,
        ms=(session.duration if session else 0) * per_request,
        kinds={kind: seconds * per_request for kind, seconds in kinds.items()},
        slowest=statements[:3],
        queries=len(captured),
        hot=hot,
        path=path,
    )
