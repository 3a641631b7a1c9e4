"""`make bench`: the portal's main pages next to bare views with the same queries, and its letters.

1. Drops and recreates the PostgreSQL database ``portal_bench`` on 127.0.0.1:5432, migrates it, loads
   the demo data (IMDi users with TOTP) and a scale data set (``bench/seed.py``) whose size the
   command line gives, and collects the static files (whitenoise's manifest storage, DEBUG off).
2. Counts each page's queries in this process (Django's test client, same settings and database).
3. Times a two-page grant letter (``bench/letters.py``): ``--letters`` renders through
   ``grants.letters.letter_pdf`` and as many of WeasyPrint alone on the same HTML, in this process.
4. Serves the portal with gunicorn (sync workers) on 127.0.0.1 with ``bench.settings``, and loads
   each page from a second process (``bench/load.py``) for ``--seconds``, in turns with the bare
   view ``/bench/bare/<queries>/`` that runs the page's number of queries, and with the replay
   ``/bench/replay/<page>/`` that sends the statements the probe recorded for the page.
5. Prints the tables (pages: req/s, median and p95 latency, queries per request, the bare view's
   figures and the ratio page req/s ÷ bare req/s, the figure to quote, and the ratio to the replay
   of its own SQL; letters: median and p95 per letter and the ratio to WeasyPrint alone) and writes
   ``var/bench/results.json``.

    make bench ARGS="--counties 3 --calls 5 --events 20000 --applications 20000 --per-call 50"
    .venv/bin/python bench/run.py --help

Later issues add seed steps (``bench/seed.py: STEPS``), pages (``bench/pages.py: PAGES``) and
measures of their own (``MEASURES`` below: a function that returns a table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

BASE_DIR = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script: import the project's packages, not bench/'s files as top-level modules
    sys.path[0] = str(BASE_DIR)

from bench.server import HOST, Gunicorn, free_port, port_is_free  # noqa: E402

if TYPE_CHECKING:
    from bench.seed import BenchData

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-anywhere-else-8d1f0c2b7a9e4d6f"


def server_args(argv=None) -> argparse.Namespace:
    """The options needed before Django starts (the settings name the port and the database)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database", default="portal_bench")
    return parser.parse_known_args(argv)[0]


def parse_args(argv=None) -> argparse.Namespace:
    from bench import seed

    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    seed.add_arguments(parser)
    group = parser.add_argument_group("load")
    group.add_argument("--seconds", type=float, default=3.0, help="timed load per page and per bare view (default 3)")
    group.add_argument("--warmup", type=float, default=0.5, help="untimed load before each timing (default 0.5)")
    group.add_argument("--concurrency", type=int, default=4, help="client threads, one session each (default 4)")
    group.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    group.add_argument("--max-requests", type=int, default=100_000, help="cap on requests per load run")
    group.add_argument(
        "--rounds", type=int, default=3, help="page and bare view take turns in this many slices each (default 3)"
    )
    group.add_argument(
        "--only", default="", help="load only pages whose name contains this text (or one of several, comma-separated)"
    )
    group.add_argument(
        "--letters", type=int, default=30, help="letter renders of each kind, 0 to skip the letter measure (default 30)"
    )
    group.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    group.add_argument("--database", default="portal_bench", help="database to drop and recreate")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.database):
        parser.error("--database must be a lower-case name containing 'bench' (it is dropped on every run)")
    if not 0.5 <= args.seconds <= 60 or not 0 <= args.warmup <= 10:
        parser.error("--seconds must be 0.5–60 and --warmup 0–10")
    if not 1 <= args.concurrency <= 32 or not 1 <= args.workers <= 16 or not 1 <= args.rounds <= 10:
        parser.error("--concurrency must be 1–32, --workers 1–16 and --rounds 1–10")
    if not 0 <= args.letters <= 1000:
        parser.error("--letters must be 0–1000")
    return args


def bench_env(port: int, database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # no broker: Celery runs eagerly, the cache is per process
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=BENCH_SECRET_KEY,
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{port}",
        EMAIL_HOST=HOST,  # required with DEBUG off; bench.settings drops every message (dummy backend)
        DATABASE_URL=f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}",
        VAR_DIR=env.get("VAR_DIR") or str(BASE_DIR / "var"),
        LOG_LEVEL=env.get("LOG_LEVEL") or "WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BASE_DIR), env.get("PYTHONPATH")])),
    )
    return env


def collect_static() -> str:
    """collectstatic into the bench's STATIC_ROOT, skipped when nothing changed since the last run
    (whitenoise compresses every file again otherwise: 10 s here)."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join([repr(settings.STORAGES["staticfiles"]), *sorted(entries)]).encode()).hexdigest()
    root = Path(settings.STATIC_ROOT)
    stamp = root / ".bench-fingerprint"
    if (root / "staticfiles.json").exists() and stamp.exists() and stamp.read_text() == digest:
        return "up to date"
    call_command("collectstatic", interactive=False, clear=True, verbosity=0)
    stamp.write_text(digest)
    return f"{len(entries)} files"


def load_demo() -> None:
    """The demo data. Its twelve passwords are hashed with a fast hasher: PBKDF2 takes 0.4–0.8 s a
    password here and nothing in the bench logs in with a password (sessions are made directly)."""
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("load_demo", allow_without_debug=True, stdout=io.StringIO())


def busy_warning() -> str:
    """Other work on the machine skews every figure (the ratio less than the rest)."""
    load1 = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if load1 > cpus * 0.75:
        return (
            f"the machine was busy before the load started (load average {load1:.1f} on {cpus} CPUs): "
            "absolute figures are low and noisy; compare ratios, or run again when it is idle."
        )
    return ""


def recreate_database(name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


# --- Measures ---------------------------------------------------------------------------------


@dataclass
class Column:
    title: str
    key: str
    fmt: str = "{}"
    align: str = ">"


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Bench:
    """What a measure gets: the arguments, the seeded data, the running server and its sessions."""

    args: argparse.Namespace
    data: BenchData
    port: int
    sessions: dict[str, list[str]]
    probes: dict
    cookie_name: str
    replays: dict = field(default_factory=dict)  # (page, url) → path of the view replaying its statements

    def load(self, targets: list[tuple[str, str | None]]) -> list[dict]:
        """Load ``(path, role)`` targets from a second process, in turns, for ``--seconds`` each.

        A role's paths are sent with its session cookies (one per client thread); ``None`` means
        no cookie. Returns ``bench/load.py``'s figures for each target, in order."""
        roles = {role for _, role in targets if role}
        if len(roles) > 1:
            raise ValueError("one load run loads as one role (and anonymously)")
        command = [sys.executable, str(BASE_DIR / "bench" / "load.py"), "--port", str(self.port)]
        for path, role in targets:
            command += ["--target" if role else "--anonymous-target", path]
        for role in roles:
            command += [arg for key in self.sessions.get(role, []) for arg in ("--cookie", f"{self.cookie_name}={key}")]
        command += ["--seconds", str(self.args.seconds), "--warmup", str(self.args.warmup)]
        command += ["--rounds", str(self.args.rounds), "--concurrency", str(self.args.concurrency)]
        command += ["--max-requests", str(self.args.max_requests)]
        bound = len(targets) * (self.args.seconds + self.args.warmup + 12 * (self.args.rounds + 1)) + 30
        done = subprocess.run(command, capture_output=True, text=True, timeout=bound, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr.strip()}")
        return json.loads(done.stdout)["targets"]


def measure_pages(bench: Bench) -> Table:
    """Each page as its role, in turns with the bare view that runs as many queries and with the
    replay of the page's own statements."""
    table = Table(
        "pages",
        [
            Column("page", "page", align="<"),
            Column("role", "role", align="<"),
            Column("queries", "queries"),
            Column("KB", "kb", "{:.1f}"),
            Column("req/s", "rps", "{:.0f}"),
            Column("median ms", "median_ms", "{:.1f}"),
            Column("p95 ms", "p95_ms", "{:.1f}"),
            Column("bare req/s", "bare_rps", "{:.0f}"),
            Column("bare p95 ms", "bare_p95_ms", "{:.1f}"),
            Column("ratio", "ratio", "{:.2f}"),
            Column("same-SQL req/s", "sql_rps", "{:.0f}"),
            Column("SQL ratio", "sql_ratio", "{:.2f}"),
            Column("errors", "errors"),
        ],
    )
    for (page, url), probe in bench.probes.items():
        row = {"page": page.name, "role": page.role, "path": url, "queries": probe.queries, "kb": probe.bytes / 1024}
        row["sql"] = probe.sql
        if probe.status != 200:
            row["errors"] = f"in-process HTTP {probe.status}"
            table.rows.append(row)
            continue
        if not probe.stable:
            table.notes.append(f"{page.name} ({page.role}): the query count differed between two warm requests.")
        print(f"  {page.name} ({page.role}) {url} …", end="", flush=True)
        targets = [(url, page.role), (f"/bench/bare/{probe.queries}/", None)]
        replay = bench.replays.get((page, url))
        if replay:
            targets.append((replay, None))
        result, base, *same = bench.load(targets)
        same = same[0] if same else None
        errors = result["errors"] + base["errors"] + (same["errors"] if same else 0)
        row.update(
            rps=result["rps"],
            median_ms=result["median_ms"],
            p95_ms=result["p95_ms"],
            bare_rps=base["rps"],
            bare_median_ms=base["median_ms"],
            bare_p95_ms=base["p95_ms"],
            ratio=result["rps"] / base["rps"] if base["rps"] else None,
            errors=errors,
            load=result,
            bare_load=base,
        )
        if same:
            row.update(
                sql_rps=same["rps"],
                sql_p95_ms=same["p95_ms"],
                sql_ratio=result["rps"] / same["rps"] if same["rps"] else None,
                replay=replay,
                replay_load=same,
            )
        for key, label in (("ratio", "bare"), ("sql_ratio", "same-SQL")):
            if page.goal is not None and row.get(key) is not None and row[key] < page.goal:
                table.notes.append(
                    f"{page.name} ({page.role}): {label} ratio {row[key]:.2f} is below the goal of {page.goal}."
                )
        if result["requests"] < 20:
            table.notes.append(
                f"{page.name} ({page.role}): only {result['requests']} timed requests; "
                "raise --seconds for steadier figures."
            )
        if errors:
            first = result["first_error"] or base["first_error"] or (same["first_error"] if same else "")
            table.notes.append(f"{page.name} ({page.role}): {errors} errors; first: {first}")
        print(f" {result['rps']:.0f} req/s ({result['requests']} requests)", flush=True)
        table.rows.append(row)
    return table


def measure_reminders(bench: Bench) -> Table:
    """One reminder sweep over the bench's applications, and a second that finds nothing to send
    (``bench/reminders.py``; rolled back)."""
    from bench import reminders

    return reminders.measure_reminders(bench)


def measure_exports(bench: Bench) -> Table:
    """100,000 budget lines as CSV and XLSX next to PostgreSQL's COPY (``bench/exports.py``; rolled back)."""
    from bench import exports

    return exports.measure_exports(bench)


MEASURES: list[Callable[[Bench], Table]] = [measure_pages, measure_reminders, measure_exports]


def measure_letters(n: int) -> Table:
    """A two-page grant letter through ``letter_pdf``, next to WeasyPrint alone on its HTML
    (``bench/letters.py``; the letter is built in the bench database and rolled back). Runs before
    the server starts, so nothing else competes for the CPU."""
    from bench import letters

    result = letters.measure_letters(n, verbose=False)
    table = Table(
        "letters",
        [
            Column("renderer", "renderer", align="<"),
            Column("pages", "pages"),
            Column("median ms", "median_ms", "{:.1f}"),
            Column("p95 ms", "p95_ms", "{:.1f}"),
            Column("ratio", "ratio", "{:.2f}"),
        ],
        rows=letters.table_rows(result),
        notes=[
            f"{result['n']} renders of each, in turns; ratio = letter median ÷ WeasyPrint median; goal: median ≤ "
            f"{letters.TARGET_MEDIAN_MS:.0f} ms and ratio ≤ {letters.TARGET_RATIO} "
            f"({'met' if result['meets_goal'] else 'MISSED'})",
            *letters.table_notes(result),
        ],
    )
    table.rows[0]["result"] = result
    return table


# --- Output -----------------------------------------------------------------------------------


def render(table: Table) -> str:
    def cell(column: Column, row: dict) -> str:
        value = row.get(column.key)
        if value is None or value == "":
            return "–"
        try:
            return column.fmt.format(value)
        except (ValueError, TypeError):
            return str(value)

    cells = [[cell(c, row) for c in table.columns] for row in table.rows]
    widths = [max([len(c.title)] + [len(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
    line = "  ".join(f"{c.title:{c.align}{w}}" for c, w in zip(table.columns, widths, strict=True))
    out = [line, "-" * len(line)]
    for r in cells:
        out.append("  ".join(f"{v:{c.align}{w}}" for v, c, w in zip(r, table.columns, widths, strict=True)))
    out += [f"* {note}" for note in table.notes]
    return "\n".join(out)


class Timer:
    def __init__(self):
        self.phases: dict[str, float] = {}

    def phase(self, name: str, func, *a, **kw):
        print(f"{name} …", end="", flush=True)
        begin = time.perf_counter()
        result = func(*a, **kw)
        self.phases[name] = round(time.perf_counter() - begin, 2)
        detail = f" ({result})" if isinstance(result, str) and result else ""
        print(f" {self.phases[name]:.1f} s{detail}", flush=True)
        return result


def main(argv=None) -> int:
    started = dt.datetime.now(dt.UTC)
    begin = time.perf_counter()
    early = server_args(argv)
    port = early.port or free_port()
    if not port_is_free(port):
        print(f"Port {port} on {HOST} is in use; choose another with --port, or leave it out.", file=sys.stderr)
        return 2
    env = bench_env(port, early.database)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(env)

    import django

    django.setup()  # before the full options: seed steps add theirs and import models
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.utils.text import slugify

    from bench import pages, seed

    args = parse_args(argv)
    timer = Timer()
    pg_version = timer.phase(f"database {args.database} (drop, create)", recreate_database, args.database)

    timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
    timer.phase("load_demo", load_demo)
    static = timer.phase("collectstatic", collect_static)
    data = timer.phase("seed", seed.run, args)
    for name, count in data.summary.items():
        print(f"  {name:>16}: {count:,}".replace(",", " "))
    for note in data.notes:
        print(f"  NOTE: {note}")

    only = [term.strip().lower() for term in args.only.split(",") if term.strip()]
    selected = [p for p in pages.PAGES if not only or any(term in p.name.lower() for term in only)]
    skipped = [p for p in selected if p.url(data) is None]
    for page in skipped:
        print(f"  NOTE: {page.name} ({page.role}) skipped: its data was not seeded")
    selected = [p for p in selected if p not in skipped]
    sessions = pages.make_sessions(data, {p.role for p in selected}, args.concurrency)
    host = f"{HOST}:{port}"

    def probe_all():
        return {
            (page, page.url(data)): pages.probe(page.url(data), (sessions.get(page.role) or [None])[0], host)
            for page in selected
        }

    probes = timer.phase("queries per page (in process)", probe_all)

    def record_replays():
        from bench.views import save_replay

        keys = pages.make_sessions(data, {p.role for p in selected}, 4 * args.concurrency)
        replays = {}
        for n, ((page, url), probe) in enumerate(probes.items()):
            if probe.status == 200:
                name = slugify(f"{n:02d} {page.name} {page.role}").replace("_", "-")
                session = (sessions.get(page.role) or [None])[0]
                replays[page, url] = save_replay(name, probe.sql, session, keys.get(page.role, []))
        return replays

    replays = timer.phase("record each page's statements for its replay", record_replays)
    letter_tables = (
        [timer.phase(f"letters ({args.letters} renders each)", measure_letters, args.letters)] if args.letters else []
    )
    connections.close_all()

    bench = Bench(args, data, port, sessions, probes, settings.SESSION_COOKIE_NAME, replays)
    log_path = Path(settings.BENCH_DIR) / "gunicorn.log"
    tables: list[Table] = []
    print(
        f"gunicorn on http://{host}/ ({args.workers} sync workers); load: {args.concurrency} threads, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s for each page and its bare view, in {args.rounds} turns"
    )
    load_before = os.getloadavg()
    warning = busy_warning()
    if warning:
        print(f"  WARNING: {warning}")
    with Gunicorn(base_dir=BASE_DIR, port=port, workers=args.workers, env=env, log_path=log_path) as server:
        for measure in MEASURES:
            tables.append(measure(bench))
        server_log = server.log_tail()
    tables += letter_tables
    load_after = os.getloadavg()

    conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE")
    print()
    print(
        f"{len(data.counties)} bench counties, {len(data.calls)} bench calls, "
        f"{data.summary.get('audit events', 0):,} audit events, "
        f"{data.summary.get('applications', 0):,} applications".replace(",", " ")
        + f" · PostgreSQL {pg_version} · {os.cpu_count()} CPUs · CONN_MAX_AGE={conn_max_age}"
    )
    for table in tables:
        print()
        print(render(table))
    print(
        "\nqueries: statements Django sent for one warm request, BEGIN/COMMIT of the session save included;"
        "\nbare: /bench/bare/<queries>/ on the same server, loaded in turns with the page (--rounds slices each);"
        "\nratio = req/s ÷ bare req/s, the figure to quote; KB: size of the page's HTML;"
        "\nsame-SQL: /bench/replay/<page>/ sends the page's own statements (as the probe recorded them) and"
        "\nnothing else; SQL ratio = req/s ÷ same-SQL req/s: what the page costs beyond its SQL."
    )
    if warning:
        print(f"\nWARNING: {warning}")
    if server_log.strip():
        print(f"\ngunicorn log ({log_path}), last lines:\n{server_log}")

    results = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - begin, 1),
        "args": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": pg_version,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
        },
        "settings": {"conn_max_age": conn_max_age, "debug": settings.DEBUG},
        "phases_s": timer.phases,
        "static": static,
        "warnings": [warning] if warning else [],
        "seed": data.summary,
        "notes": data.notes,
        "measures": {t.name: {"rows": t.rows, "notes": t.notes} for t in tables},
    }
    out = Path(settings.BENCH_DIR) / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nResults: {out} · {results['duration_s']:.0f} s in all")
    failed = any(isinstance(r.get("errors"), str) or r.get("errors") for t in tables for r in t.rows)
    return 1 if failed else 0


def _terminate(signum, frame):
    print(f"\nStopped by signal {signum}.", file=sys.stderr)
    raise SystemExit(128 + signum)  # unwinds through the `with Gunicorn(...)` block, which stops it


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started with SIGINT ignored
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
