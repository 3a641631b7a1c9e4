"""`make loadtest`: deadline day with locust against gunicorn, PostgreSQL, Redis and a Celery worker.

1. Drops and recreates the PostgreSQL database ``portal_bench_load``, migrates it, loads the demo data
   and a small scale data set (``bench/seed.py``: the inbox's cases), then the deadline-day users and
   their applications (``bench/deadline.py``), each user with a session of its own.
2. Empties Redis database 7 (``--redis-url``), starts gunicorn (``--workers`` sync workers) and a Celery
   worker on it: the cache, the broker and the confirmations' receipts and e-mails are real.
3. Runs locust headless (``bench/locustfile.py``) for ``--seconds`` with ``--users`` logged-in users
   (150 county staff autosaving every 5 s, 20 directors confirming, 20 caseworkers in the inbox, in
   that proportion) and ``--readers`` anonymous readers of the calls.
4. Waits for the worker to finish the receipts, stops everything, prints per request kind: requests,
   req/s, p50/p95/p99 and errors, the goals met or missed, and writes ``var/bench/loadtest.json``.

    make loadtest                                  # 5 minutes, 190 users (the issue's scenario)
    make loadtest ARGS="--seconds 60 --users 40"   # shorter, fewer
    .venv/bin/python bench/loadtest.py --help

This script only sets Django up for the load database; ``bench/loadrun.py`` runs the rest.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: import the project's packages, not bench/'s files as top-level modules
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.environment import use_bench_settings
from bench.server import HOST, free_port, port_is_free


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database", default="portal_bench_load")
    early = parser.parse_known_args(argv)[0]
    port = early.port or free_port()
    if not port_is_free(port):
        print(f"Port {port} on {HOST} is in use; choose another with --port, or leave it out.", file=sys.stderr)
        return 2
    env = use_bench_settings(port, early.database)
    # Imported here, once Django is set up: the rest imports the models.
    from bench import loadrun

    return loadrun.run(argv, port=port, env=env)


def _terminate(signum, frame):
    print(f"\nStopped by signal {signum}.", file=sys.stderr)
    raise SystemExit(128 + signum)  # unwinds through the `with` blocks, which stop gunicorn and the worker


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
