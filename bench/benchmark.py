"""`make bench` once Django is set up (``bench/run.py`` sets it up and calls ``run``): prepare the
database, count each page's queries and record its statements in this process, time the letters,
then serve the portal with gunicorn and take the measures (``bench/measures.py``), print the tables
and write ``var/bench/results.json``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.db import connections
from django.utils.text import slugify

from bench import pages, profiles
from bench.data import BenchData
from bench.environment import BASE_DIR, busy_warning
from bench.measures import MEASURES, Bench, measure_letters
from bench.prepare import parse_args, prepare
from bench.server import HOST, Gunicorn
from bench.tables import Table, Timer, render
from bench.views import save_replay

LEGEND = (
    "\nqueries: statements Django sent for one warm request, BEGIN/COMMIT of the session save included;"
    "\nbare: /bench/bare/<queries>/ on the same server, loaded in turns with the page (--rounds slices each);"
    "\nratio = req/s ÷ bare req/s, the figure to quote; KB: size of the page's HTML;"
    "\nsame-SQL: /bench/replay/<page>/ sends the page's own statements (as the probe recorded them) and"
    "\nnothing else; SQL ratio = req/s ÷ same-SQL req/s: what the page costs beyond its SQL."
)


@dataclass
class Served:
    """What the measures under gunicorn left: their tables, the server's log and the machine's load."""

    tables: list[Table]
    server_log: str
    log_path: Path
    warning: str
    load_before: tuple[float, float, float]


def run(argv, *, port: int, env: dict[str, str], started: dt.datetime, begin: float) -> int:
    """The whole bench after Django's setup; returns the exit status (1 when a page had errors)."""
    args = parse_args(argv)
    timer = Timer()
    pg_version, static, data = prepare(args, timer)
    selected = select_pages(args, data)
    sessions = pages.make_sessions(data, {p.role for p in selected}, args.concurrency)
    host = f"{HOST}:{port}"
    probes = timer.phase("queries per page (in process)", probe_pages, selected, data, sessions, host)
    replays = timer.phase(
        "record each page's statements for its replay", record_replays, probes, data, selected, sessions, args
    )
    letter_tables = (
        [timer.phase(f"letters ({args.letters} renders each)", measure_letters, args.letters)] if args.letters else []
    )
    connections.close_all()

    bench = Bench(args, data, port, sessions, probes, settings.SESSION_COOKIE_NAME, replays)
    served = serve_and_measure(bench, env, host)
    timer.phase("profile each page that missed a goal (in process)", profile_missed, served.tables, sessions, host)
    tables = served.tables + letter_tables
    load_after = os.getloadavg()
    print_report(data, tables, served, pg_version)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - begin, 1),
        "args": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": pg_version,
            "loadavg_before": served.load_before,
            "loadavg_after": load_after,
        },
        "settings": {"conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"), "debug": settings.DEBUG},
        "phases_s": timer.phases,
        "static": static,
        "warnings": [served.warning] if served.warning else [],
        "seed": data.summary,
        "notes": data.notes,
        "measures": {t.name: {"rows": t.rows, "notes": t.notes} for t in tables},
    }
    write_results(results)
    failed = any(isinstance(r.get("errors"), str) or r.get("errors") for t in tables for r in t.rows)
    return 1 if failed else 0


def select_pages(args: argparse.Namespace, data: BenchData) -> list[pages.Page]:
    """The pages ``--only`` names (all without it) whose data was seeded."""
    only = [term.strip().lower() for term in args.only.split(",") if term.strip()]
    selected = [p for p in pages.PAGES if not only or any(term in p.name.lower() for term in only)]
    skipped = [p for p in selected if p.url(data) is None]
    for page in skipped:
        print(f"  NOTE: {page.name} ({page.role}) skipped: its data was not seeded")
    return [p for p in selected if p not in skipped]


def probe_pages(selected: list[pages.Page], data: BenchData, sessions: dict[str, list[str]], host: str) -> dict:
    """Each page's queries, counted in this process: ``{(page, url): Probe}``."""
    return {
        (page, page.url(data)): pages.probe(page.url(data), (sessions.get(page.role) or [None])[0], host)
        for page in selected
    }


def record_replays(probes: dict, data: BenchData, selected, sessions, args: argparse.Namespace) -> dict:
    """Save each page's statements for its replay view: ``{(page, url): replay path}``."""
    keys = pages.make_sessions(data, {p.role for p in selected}, 4 * args.concurrency)
    replays = {}
    for n, ((page, url), probe) in enumerate(probes.items()):
        if probe.status == 200:
            name = slugify(f"{n:02d} {page.name} {page.role}").replace("_", "-")
            session = (sessions.get(page.role) or [None])[0]
            replays[page, url] = save_replay(name, probe.sql, session, keys.get(page.role, []))
    return replays


def serve_and_measure(bench: Bench, env: dict[str, str], host: str) -> Served:
    """Start gunicorn, take every measure of ``MEASURES`` and stop it again."""
    args = bench.args
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
    with Gunicorn(base_dir=BASE_DIR, port=bench.port, workers=args.workers, env=env, log_path=log_path) as server:
        for measure in MEASURES:
            tables.append(measure(bench))
        server_log = server.log_tail()
    return Served(tables, server_log, log_path, warning, load_before)


def profile_missed(tables: list[Table], sessions: dict[str, list[str]], host: str) -> str:
    """A profile of each page that missed one of its goals, under the pages table (issue 16: the
    profile that shows what is left and why); the full trees go to ``var/bench/profiles/``."""
    table = next((t for t in tables if t.name == "pages"), None)
    missed = [row for row in (table.rows if table else []) if row.get("missed")]
    out_dir = Path(settings.BENCH_DIR) / "profiles"
    for row in missed:
        session = (sessions.get(row["role"]) or [None])[0]
        found = profiles.profile_page(row["page"], row["role"], row["path"], session, host, out_dir)
        row["profile"] = {"ms": found.ms, "kinds_ms": found.kinds, "slowest": found.slowest, "hot": found.hot}
        table.notes.append(found.summary())
    connections.close_all()
    return f"{len(missed)} pages" if missed else "every page met its goals"


def print_report(data: BenchData, tables: list[Table], served: Served, pg_version: str) -> None:
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
    print(LEGEND)
    if served.warning:
        print(f"\nWARNING: {served.warning}")
    if served.server_log.strip():
        print(f"\ngunicorn log ({served.log_path}), last lines:\n{served.server_log}")


def write_results(results: dict) -> None:
    out = Path(settings.BENCH_DIR) / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nResults: {out} · {results['duration_s']:.0f} s in all")
