"""What the drills share: the fixed cast committed to the test database (the processes a drill starts
must see it), a throwaway Redis with the portal's Celery app pointed at it, and real Celery workers
started as separate processes."""

from __future__ import annotations

import email
import os
import re
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from celery import Celery, _state
from django.conf import settings
from django.db import connection

from tests.conftest import build_cast
from tests.drills.services import ThrowawayRedis, database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the processes a drill starts cannot see SQLite's in-memory test database (run with DATABASE_URL)",
)
needs_redis = [
    pytest.mark.redis,
    pytest.mark.skipif(not settings.REAL_REDIS_URL, reason="needs REDIS_URL (CI sets it)"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to start one of its own"),
]


@pytest.fixture
def committed_cast(transactional_db):
    """The fixed cast (tests.conftest), committed so that a worker or a server in another process sees it."""
    return build_cast()


@dataclass
class Broker:
    server: ThrowawayRedis
    app: Celery

    @contextmanager
    def in_use(self):
        """The portal sends its tasks to this broker (the project's tasks resolve to the current app);
        the suite's eager app is current again after."""
        previous = _state.get_current_app()
        self.app.set_current()
        _state.set_default_app(self.app)
        try:
            yield self.app
        finally:
            previous.set_current()
            _state.set_default_app(previous)


@pytest.fixture
def broker():
    """A Redis of the drill's own, and the portal's Celery app as it runs in production (its settings,
    not eager) sending to it while ``in_use``."""
    server = ThrowawayRedis().start()
    app = Celery("portal", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=server.url, task_always_eager=False)
    app.autodiscover_tasks(force=True)
    try:
        yield Broker(server=server, app=app)
    finally:
        app.close()
        server.stop()


@dataclass
class Workers:
    """Starts real Celery workers (prefork, one process) in a session of their own, so that a drill can
    SIGKILL the whole worker, its pool process included; stops whatever is left at the end."""

    broker_url: str
    folder: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.folder / "mail"

    def start(self, name: str, **env: str) -> subprocess.Popen:
        ready = self.folder / f"{name}.ready"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.drills.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": self.broker_url,
            "PRIVATE_FILES_DIR": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
            "DRILL_MAIL_DIR": str(self.mail_dir),
            "DRILL_READY_FILE": str(ready),
            "PYTHONPATH": str(ROOT),
            **env,
        }
        command = [str(CELERY), "-A", "tests.drills.worker", "worker", "--pool", "prefork", "--concurrency", "1"]
        command += ["--loglevel", "INFO", "-n", f"{name}@drill", "--without-gossip", "--without-mingle"]
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(process)
        wait_for(lambda: ready.exists() or process.poll() is not None, timeout=60, what=f"worker {name} to start")
        assert process.poll() is None, f"worker {name} exited:\n{self.log(name)}"
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def tasks(self, name: str) -> tuple[int, int]:
        """(tasks the worker received, tasks it finished: succeeded, failed or retried), from its log."""
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        received = len(re.findall(r"\] received$", text, re.MULTILINE))
        finished = len(re.findall(r"\] (succeeded in|raised|retry:) ", text))
        return received, finished

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once: nothing is acknowledged or cleaned up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(process)


@pytest.fixture
def workers(broker, tmp_path):
    found = Workers(broker_url=broker.server.url, folder=tmp_path)
    found.mail_dir.mkdir()
    yield found
    for process in found.started:
        found.stop(process)


def sent_mail(folder: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(subject, recipients) of every e-mail Django's file backend wrote to ``folder``, in order."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                subject = str(make_header(decode_header(message["Subject"])))
                to = tuple(sorted(address.strip() for address in message["To"].split(",")))
                messages.append((" ".join(subject.split()), to))
    return messages
