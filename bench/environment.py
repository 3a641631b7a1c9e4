"""Where `make bench` runs: the PostgreSQL server and the bench database, the environment its Django
and gunicorn get (``bench.settings``, DEBUG off, no broker), and how busy the machine is.

Nothing here imports the models: ``bench/run.py`` uses it before Django is set up.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import django
import psycopg
from psycopg import sql

from bench.server import HOST

BASE_DIR = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-anywhere-else-8d1f0c2b7a9e4d6f"


def server_args(argv=None) -> argparse.Namespace:
    """The options needed before Django starts (the settings name the port and the database)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--database", default="portal_bench")
    return parser.parse_known_args(argv)[0]


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


def use_bench_settings(port: int, database: str) -> dict[str, str]:
    """Give this process the bench's environment (``bench_env``) and set Django up; returns the
    environment, for the server the bench starts."""
    env = bench_env(port, database)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    django.setup()
    return env


def recreate_database(name: str) -> str:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


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
