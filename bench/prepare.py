"""Before the measures: `make bench`'s options, and a fresh bench database with the demo data, the
scale data set (``bench/seed.py``) and the static files.

Imported once Django is set up (the seed steps import the models and add their own options).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.test import override_settings

from bench import seed
from bench.data import BenchData
from bench.environment import recreate_database
from bench.tables import Timer

# The first paragraph of bench/run.py's docstring: what `--help` says.
DESCRIPTION = "`make bench`: the portal's main pages next to bare views with the same queries, and its letters."


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
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


def collect_static() -> str:
    """collectstatic into the bench's STATIC_ROOT, skipped when nothing changed since the last run
    (whitenoise compresses every file again otherwise: 10 s here)."""
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
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("load_demo", allow_without_debug=True, stdout=io.StringIO())


def prepare(args: argparse.Namespace, timer: Timer) -> tuple[str, str, BenchData]:
    """Recreate, migrate and fill the bench database and collect the static files, each a phase of
    ``timer``; returns the PostgreSQL version, what collectstatic did and what the seed made."""
    pg_version = timer.phase(f"database {args.database} (drop, create)", recreate_database, args.database)
    timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
    timer.phase("load_demo", load_demo)
    static = timer.phase("collectstatic", collect_static)
    data = timer.phase("seed", seed.run, args)
    for name, count in data.summary.items():
        print(f"  {name:>16}: {count:,}".replace(",", " "))
    for note in data.notes:
        print(f"  NOTE: {note}")
    return pg_version, static, data
