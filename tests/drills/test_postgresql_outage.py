"""Drill: PostgreSQL stops under a running portal. /healthz and the pages answer 503 (the portal's
own page, "temporarily unavailable") within a second, not a 500 and not a hang; when PostgreSQL is
back, the same server process answers 200 again, without a restart.

The portal runs in gunicorn, as in production (DEBUG off), against a PostgreSQL cluster of the
drill's own (initdb in a temporary folder, on a free port), loaded with a copy of the test database:
the machine's shared PostgreSQL is never stopped.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.test import Client

from portal.env import parse_database_url
from tests.conftest import login
from tests.drills.conftest import ROOT, needs_postgresql
from tests.drills.services import ThrowawayPostgres, database_url, free_port, postgres_bin, wait_for

needs_a_cluster_of_its_own = [
    needs_postgresql,
    pytest.mark.skipif(postgres_bin() is None, reason="needs PostgreSQL's server programs (initdb, pg_ctl)"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore"),
]

GUNICORN = Path(sys.executable).parent / "gunicorn"
FAST = 1.0  # seconds: a stopped PostgreSQL refuses the connection, and the page must say so at once
CONNECT_TIMEOUT = settings.DATABASES["default"]["OPTIONS"].get("connect_timeout")


@pytest.fixture
def postgres():
    server = ThrowawayPostgres(postgres_bin()).init()
    server.start()
    yield server
    server.destroy()


def copy_test_database(server: ThrowawayPostgres) -> str:
    """The test database (migrated, with the committed cast and its sessions) as ``portal`` on ``server``."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE portal")
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "--dbname", database_url(connection.settings_dict)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--dbname", server.url("portal")],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return server.url("portal")


class Portal:
    """The portal in gunicorn (one sync worker), as ``get`` sees it over HTTP."""

    def __init__(self, database: str, folder: Path) -> None:
        self.port = free_port()
        self.cookies: list[str] = []
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.drills.settings",
            "DATABASE_URL": database,
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions copied with the database are signed with it
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "VAR_DIR": str(folder),
            "PYTHONPATH": str(ROOT),
        }
        environment.pop("REDIS_URL", None)
        self.log = folder / "gunicorn.log"
        command = [str(GUNICORN), "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        command += ["--timeout", "30", "--error-logfile", str(self.log)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(lambda: self._up() or self.process.poll() is not None, timeout=60, what="gunicorn")
        assert self.process.poll() is None, self.log.read_text()

    def _up(self) -> bool:
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def get(self, path: str, *, session: str | None = None) -> tuple[int, str, float]:
        """(status, body, seconds) of a GET; the response's cookies in ``self.cookies``."""
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            client.request("GET", path, headers={"Cookie": f"sessionid={session}"} if session else {})
            response = client.getresponse()
            self.cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, response.read().decode(), time.monotonic() - started
        finally:
            client.close()

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {int(pid) for pid in children}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Unanswered:
    """A port that takes connections and never answers, as a frozen host or a hung proxy does."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_server(("127.0.0.1", port), backlog=64)

    def close(self) -> None:
        self.socket.close()


@needs_a_cluster_of_its_own[0]
@needs_a_cluster_of_its_own[1]
@needs_a_cluster_of_its_own[2]
def test_postgresql_outage_answers_503_fast_and_recovers(committed_cast, postgres, tmp_path):
    client = login(Client(), committed_cast.staff_a)  # a session row, copied with the database
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    portal = Portal(copy_test_database(postgres), tmp_path)
    try:
        status, body, _ = portal.get("/", session=session)
        assert status == 200 and committed_cast.staff_a.full_name in body
        server_pids = {portal.process.pid, *portal.worker_pids()}

        # A restart between two requests goes unseen: the kept connection is checked before use.
        postgres.stop()
        postgres.start()
        assert portal.get("/", session=session)[0] == 200

        # Stopped: refused at once, told at once.
        postgres.stop()
        for path, who in [("/healthz", None), ("/", session), ("/soknader/", session)]:
            status, body, seconds = portal.get(path, session=who)
            assert status == 503, (path, status, body[:500])
            assert seconds < FAST, (path, seconds)
            if path == "/healthz":
                assert '"database": "error"' in body
            else:
                assert "midlertidig utilgjengelig" in body and "Traceback" not in body
                assert portal.cookies == []  # the session cookie is kept: nobody is logged out

        # Not answering: told after the connect timeout, not after the web server's own (30 s).
        silent = Unanswered(postgres.port)
        try:
            for path, who in [("/healthz", None), ("/", session)]:
                status, body, seconds = portal.get(path, session=who)
                assert status == 503, (path, status, body[:500])
                assert seconds < float(CONNECT_TIMEOUT) + FAST, (path, seconds)  # one try per request
                assert portal.cookies == []
        finally:
            silent.close()

        # Back: the same server processes answer again.
        postgres.start()
        status, body, _ = portal.get("/healthz")
        assert status == 200 and '"database": "ok"' in body
        status, body, _ = portal.get("/", session=session)
        assert status == 200 and committed_cast.staff_a.full_name in body
        assert {portal.process.pid, *portal.worker_pids()} == server_pids
    finally:
        portal.stop()


def test_the_connect_timeout_is_short_by_default_and_a_whole_number_of_seconds_in_database_url():
    assert parse_database_url("postgres://db/portal?connect_timeout=5")["OPTIONS"] == {"connect_timeout": 5}
    for wrong, message in [("2s", "whole number of seconds"), ("0", "at least 1 second")]:
        with pytest.raises(ImproperlyConfigured, match=message):
            parse_database_url(f"postgres://db/portal?connect_timeout={wrong}")
    if connection.vendor == "postgresql":
        assert 1 <= int(CONNECT_TIMEOUT) <= 5


def test_a_page_tries_a_database_that_does_not_answer_once_and_logs_nobody_out(client, cast, monkeypatch):
    """Each try waits connect_timeout: the 503 page must not send the user and the session back to
    the database on its way out (portal.errors), and must keep the session cookie."""
    login(client, cast.staff_a)
    tries = []

    def does_not_answer():
        tries.append(1)
        raise OperationalError("connection timeout expired")

    client.raise_request_exception = False
    with monkeypatch.context() as down:
        down.setattr(connection, "ensure_connection", does_not_answer)
        response = client.get("/")
    assert response.status_code == 503 and "midlertidig utilgjengelig" in response.content.decode()
    assert len(tries) == 1
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert response["Cache-Control"] == "no-store"
