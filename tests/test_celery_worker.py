"""A real Celery worker on the real Redis: a task sent in a committed transaction runs once,
one sent in a rolled-back transaction never runs. Runs when REDIS_URL is set (as in CI)."""

import time
import uuid

import pytest
import redis
from celery import Celery, _state
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, transaction

from portal.background import send_after_commit
from portal.models import Organisation
from tests import factories as f

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not settings.REAL_REDIS_URL, reason="needs REDIS_URL (CI sets it)"),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="the worker thread cannot see SQLite's in-memory test database"
    ),
]

QUEUE = f"portal-test-{uuid.uuid4().hex[:8]}"
app = Celery("portal-test", set_as_current=False)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    broker_url=settings.REAL_REDIS_URL,
    task_always_eager=False,
    task_default_queue=QUEUE,
    result_backend=settings.REAL_REDIS_URL,  # only for the worker-ready ping
    task_ignore_result=False,
    worker_hijack_root_logger=False,
)
store = redis.Redis.from_url(settings.REAL_REDIS_URL) if settings.REAL_REDIS_URL else None


@app.task(name="tests.record_run")
def record_run(organisation_id: int, key: str) -> None:
    """Counts its runs, and whether the row written in the sender's transaction was visible."""
    seen = Organisation.objects.filter(pk=organisation_id).exists()
    store.hincrby(key, "runs", 1)
    store.hset(key, "saw_row", int(seen))


class Rollback(Exception):
    pass


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def project_app_stays_current():
    """A started worker makes its app the current one; the project's shared tasks (receipts) resolve
    to the current app, so later tests would send them to a broker nobody reads."""
    previous = _state.get_current_app()
    yield
    previous.set_current()
    _state.set_default_app(previous)


@pytest.mark.django_db(transaction=True)
def test_task_runs_once_after_commit_and_never_after_rollback():
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the ready check)

    committed_key, rolled_back_key = f"{QUEUE}:committed", f"{QUEUE}:rolled-back"
    with start_worker(app, pool="solo", perform_ping_check=True, loglevel="WARNING", shutdown_timeout=10):
        with transaction.atomic():
            org = f.make_org()
            send_after_commit(record_run, org.pk, committed_key)
            time.sleep(0.5)  # the task must not run while the transaction is open
            assert not store.exists(committed_key)

        with pytest.raises(Rollback), transaction.atomic():
            doomed = f.make_org()
            send_after_commit(record_run, doomed.pk, rolled_back_key)
            raise Rollback

        assert wait_for(lambda: store.hget(committed_key, "runs") is not None)
        time.sleep(1.0)  # give a wrongly sent task time to show up
    try:
        assert int(store.hget(committed_key, "runs")) == 1
        assert int(store.hget(committed_key, "saw_row")) == 1
        assert not store.exists(rolled_back_key)
    finally:
        store.delete(committed_key, rolled_back_key)
