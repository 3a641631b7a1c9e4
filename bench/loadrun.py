"""`make loadtest` once Django is set up (``bench/loadtest.py`` sets it up and calls ``run``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from bench import deadline, seed, statistics_data
from bench.data import BenchData
from bench.environment import BASE_DIR, busy_warning, recreate_database
from bench.prepare import collect_static, load_demo
from bench.server import HOST, Gunicorn
from bench.tables import Column, Table, Timer, render
from grants.models import Application, Case, Submission

GOAL_MS = 150.0  # p95 of autosave and of every page load (a GET), at 190 users
# What the goal covers: autosave and the pages (GETs); the form posts are reported beside them.
POSTS = {"section save", "confirm", "budget totals"}
COLUMNS = [
    Column("kind", "kind", align="<"),
    Column("requests", "requests"),
    Column("req/s", "rps", "{:.1f}"),
    Column("p50 ms", "p50_ms", "{:.0f}"),
    Column("p95 ms", "p95_ms", "{:.0f}"),
    Column("p99 ms", "p99_ms", "{:.0f}"),
    Column("max ms", "max_ms", "{:.0f}"),
    Column("errors", "errors"),
    Column("goal", "goal", align="<"),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/loadtest.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    seed.add_arguments(parser)
    # A small scale set: the inbox needs its cases, the deadline-day users need the rest.
    parser.set_defaults(counties=3, calls=5, events=200, applications=2000, per_call=50)
    group = parser.add_argument_group("load")
    group.add_argument("--users", type=int, default=190, help="logged-in users, split 150:20:20 (default 190)")
    group.add_argument("--readers", type=int, default=10, help="anonymous readers of the calls (default 10)")
    group.add_argument("--seconds", type=int, default=300, help="how long locust runs (default 300)")
    group.add_argument(
        "--pace", type=float, default=5, help="seconds between a user's requests: the autosave's interval (default 5)"
    )
    group.add_argument("--spawn-rate", type=float, default=20, help="users started a second (default 20)")
    group.add_argument("--confirmations", type=int, default=15, help="applications awaiting each director (default 15)")
    group.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    group.add_argument("--celery-concurrency", type=int, default=1, help="Celery worker processes (default 1)")
    group.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="emptied on every run")
    group.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    group.add_argument("--database", default="portal_bench_load", help="database to drop and recreate")
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        parser.error("--database must contain 'bench' (it is dropped on every run)")
    if not 3 <= args.users <= 1000 or not 0 <= args.readers <= 200 or not 5 <= args.seconds <= 3600:
        parser.error("--users must be 3–1000, --readers 0–200 and --seconds 5–3600")
    return args


def run(argv, *, port: int, env: dict[str, str]) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    out_dir = Path(settings.BENCH_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    timer = Timer()
    counts = deadline.split(args.users)
    plan = prepare(args, timer, counts)
    plan_path, samples_path = out_dir / "loadtest-plan.json", out_dir / "loadtest-samples.json"
    plan_path.write_text(json.dumps(plan))
    samples_path.unlink(missing_ok=True)
    redis.Redis.from_url(args.redis_url).flushdb()
    served_env = {**env, "REDIS_URL": args.redis_url}
    connections.close_all()
    load_before = os.getloadavg()
    warning = busy_warning()
    total = sum(counts.values()) + args.readers
    print(
        f"gunicorn ({args.workers} sync workers) + Celery ({args.celery_concurrency}) on Redis {args.redis_url}; "
        f"locust: {counts['county']} county staff, {counts['directors']} directors, "
        f"{counts['caseworkers']} caseworkers, {args.readers} readers for {args.seconds} s"
    )
    log_path = out_dir / "gunicorn-load.log"
    with (
        Gunicorn(base_dir=BASE_DIR, port=port, workers=args.workers, env=served_env, log_path=log_path) as server,
        CeleryWorker(served_env, args.celery_concurrency, out_dir / "celery-load.log"),
    ):
        locust = run_locust(args, port, total, plan_path, samples_path, out_dir / "locust.log")
        background = wait_for_receipts(plan)
        server_log = server.log_tail()
    samples = json.loads(samples_path.read_text())["samples"] if samples_path.exists() else []
    table = summarise(samples, args.seconds)
    table.notes += background_notes(background)
    table.notes.append(offered_note(total, args.pace, len(samples) / args.seconds))
    if warning:
        table.notes.append(f"WARNING: {warning}")
    print()
    print(render(table))
    if server_log.strip():
        print(f"\ngunicorn log ({log_path}), last lines:\n{server_log}")
    results = {
        "started": started.isoformat(timespec="seconds"),
        "args": vars(args),
        "users": {**counts, "readers": args.readers},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "phases_s": timer.phases,
        "locust_exit": locust,
        "background": background,
        "rows": table.rows,
        "notes": table.notes,
    }
    out = out_dir / "loadtest.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nResults: {out}")
    errors = sum(row["errors"] for row in table.rows if row["kind"] != "all")
    return 1 if errors or not samples or locust != 0 or background["receipts_failed"] else 0


def prepare(args: argparse.Namespace, timer: Timer, counts: dict[str, int]) -> dict:
    timer.phase(f"database {args.database} (drop, create)", recreate_database, args.database)
    timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
    timer.phase("load_demo", load_demo)
    timer.phase("collectstatic", collect_static)
    data = timer.phase("seed", seed_scale, args)
    plan = timer.phase("deadline-day users", deadline.seed, args, data, counts)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    for name, count in data.summary.items():
        print(f"  {name:>16}: {count:,}".replace(",", " "))
    return plan


def seed_scale(args: argparse.Namespace) -> BenchData:
    """The bench's seed steps (``bench/seed.py: STEPS``) but the statistics' five years, which no one
    reads on deadline day."""
    data = BenchData()
    for step in seed.STEPS:
        if step is not statistics_data.seed_statistics:
            step(args, data)
    data.summary = {"applications": Application.objects.count(), "cases": Case.objects.count()}
    return data


class CeleryWorker:
    """``with CeleryWorker(...)``: a Celery worker on the broker until the block ends."""

    def __init__(self, env: dict[str, str], concurrency: int, log_path: Path):
        self.env, self.concurrency, self.log_path = env, concurrency, log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "WARNING"]
        command += ["--concurrency", str(self.concurrency), "--without-mingle", "--without-gossip"]
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def __exit__(self, *exc) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: the task at hand finishes
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this worker leads, started above
                process.wait(timeout=5)
        self._log.close()


def run_locust(args, port: int, total: int, plan_path: Path, samples_path: Path, log_path: Path) -> int:
    """Locust headless in its own process (gevent stays out of this one); returns its exit status."""
    command = [sys.executable, "-m", "locust", "-f", str(BASE_DIR / "bench" / "locustfile.py"), "--headless"]
    command += ["--users", str(total), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.seconds}s"]
    command += ["--host", f"http://{HOST}:{port}", "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"]
    command += ["--exit-code-on-error", "0"]  # errors are counted here, from the samples
    env = {**os.environ, "LOADTEST_PLAN": str(plan_path), "LOADTEST_SAMPLES": str(samples_path)}
    env["LOADTEST_PACE"] = str(args.pace)
    with open(log_path, "wb") as log:
        done = subprocess.run(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.seconds + 180
        )
    if done.returncode != 0:
        print(f"  locust exited with {done.returncode}; see {log_path}")
    return done.returncode


def wait_for_receipts(plan: dict, timeout: float = 120.0) -> dict:
    """The confirmations of the run and their receipts, once the worker has made them (or ``timeout``)."""
    awaiting = [pk for director in plan["directors"] for pk in director["applications"]]
    submissions = Submission.objects.filter(application__in=awaiting)
    deadline_at = time.monotonic() + timeout
    while True:
        confirmed = submissions.count()
        ready = submissions.filter(receipt_status=Submission.ReceiptStatus.READY).count()
        if ready >= confirmed or time.monotonic() > deadline_at:
            break
        time.sleep(1)
    failed = submissions.filter(receipt_status=Submission.ReceiptStatus.FAILED).count()
    still = Application.objects.filter(pk__in=awaiting, state=Application.State.AWAITING_CONFIRMATION).count()
    connections.close_all()
    return {
        "confirmed": confirmed,
        "receipts_ready": ready,
        "receipts_failed": failed,
        "awaiting_left": still,
        "seeded": len(awaiting),
    }


def background_notes(background: dict) -> list[str]:
    return [
        f"confirmations: {background['confirmed']} of {background['seeded']} seeded; receipts made by the Celery "
        f"worker: {background['receipts_ready']} ready, {background['receipts_failed']} failed"
    ]


def offered_note(users: int, pace: float, served: float) -> str:
    """What the users ask for (one request every ``pace`` seconds each) against what was served: below
    it, the server is saturated and the latencies are mostly time in gunicorn's queue."""
    offered = users / pace
    state = "saturated: latencies are mostly queueing" if served < 0.9 * offered else "kept up"
    asked = f"offered about {offered:.0f} req/s ({users} users, one request every {pace:g} s)"
    return f"{asked}, served {served:.1f}: {state}"


def percentile(values: list[float], q: float) -> float | None:
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else None


def summarise(samples: list, seconds: float) -> Table:
    """A row per request kind (and one for all): requests, req/s, p50/p95/p99, errors and the goal."""
    table = Table("deadline day", list(COLUMNS))
    kinds: dict[str, list] = {}
    for name, _method, ms, ok in samples:
        kinds.setdefault(name, []).append((ms, ok))
    every = [s for rows in kinds.values() for s in rows]
    for kind, rows in [*sorted(kinds.items()), ("all", every)]:
        times = sorted(ms for ms, _ok in rows)
        errors = sum(1 for _ms, ok in rows if not ok)
        p95 = percentile(times, 0.95)
        row = {
            "kind": kind,
            "requests": len(rows),
            "rps": len(rows) / seconds,
            "p50_ms": percentile(times, 0.50),
            "p95_ms": p95,
            "p99_ms": percentile(times, 0.99),
            "max_ms": times[-1] if times else None,
            "errors": errors,
        }
        if kind == "all":
            row["goal"] = "met: 0 errors" if not errors else f"MISSED: {errors} errors"
        elif kind not in POSTS and p95 is not None:
            row["goal"] = f"met (≤ {GOAL_MS:.0f})" if p95 <= GOAL_MS and not errors else f"MISSED (≤ {GOAL_MS:.0f})"
        table.rows.append(row)
    table.notes.append(
        f"goals: 0 errors; p95 ≤ {GOAL_MS:.0f} ms for autosave and every page load (GET); the form posts "
        f"({', '.join(sorted(POSTS))}) are shown beside them. Times in ms from locust's client, ramp-up included."
    )
    return table
