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
5. Takes the other measures of ``bench/measures.py: MEASURES`` with the server idle: the reminder
   sweep, the exports, the payment file, and last the archive extract of every seeded case
   (``bench/archive_extract.py``, in a process of its own: seconds and peak RSS against its goal).
6. Prints the tables (pages: req/s, median and p95 latency, queries per request, the bare view's
   figures and the ratio page req/s ÷ bare req/s, the figure to quote, and the ratio to the replay
   of its own SQL; letters: median and p95 per letter and the ratio to WeasyPrint alone) and writes
   ``var/bench/results.json``.

    make bench ARGS="--counties 3 --calls 5 --events 20000 --applications 20000 --per-call 50"
    .venv/bin/python bench/run.py --help

Later issues add seed steps (``bench/seed.py: STEPS``), pages (``bench/pages.py: PAGES``) and
measures of their own (``bench/measures.py: MEASURES``: a function that returns a table).

This script only sets Django up for the bench database; ``bench/benchmark.py`` runs the rest (the
options and the database: ``bench/prepare.py``; the environment: ``bench/environment.py``).
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script: import the project's packages, not bench/'s files as top-level modules
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.environment import server_args, use_bench_settings
from bench.server import HOST, free_port, port_is_free


def main(argv=None) -> int:
    started = dt.datetime.now(dt.UTC)
    begin = time.perf_counter()
    early = server_args(argv)
    port = early.port or free_port()
    if not port_is_free(port):
        print(f"Port {port} on {HOST} is in use; choose another with --port, or leave it out.", file=sys.stderr)
        return 2
    env = use_bench_settings(port, early.database)  # before the full options: seed steps add theirs and import models
    # Imported here, once Django is set up: the rest of the bench imports the models.
    from bench import benchmark

    return benchmark.run(argv, port=port, env=env, started=started, begin=begin)


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
