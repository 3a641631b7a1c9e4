"""Drill: a Celery worker is killed with SIGKILL in the middle of a decision letter. The task is
acknowledged late (CELERY_TASK_ACKS_LATE) and rejected back to the queue when its pool process is
lost (CELERY_TASK_REJECT_ON_WORKER_LOST), and it is idempotent (grants.letters): after the restart
there is one letter, stored as recorded, and one e-mail about it.

Two ways to die:

- the pool process that renders is killed (as the kernel's OOM killer would): the worker's main
  process sees the loss and puts the message back at once; its new pool process makes the letter;
- the whole worker is killed (the machine's container is stopped): nobody can put the message back.
  It stays unacknowledged in Redis, and Redis hands it out again after the visibility timeout: 3600 s
  in production (settings.CELERY_BROKER_TRANSPORT_OPTIONS), 2 s for the worker started after the
  kill here (DRILL_VISIBILITY_TIMEOUT, tests/drills/settings.py), so that the drill takes seconds.

Runs on PostgreSQL where REDIS_URL is set (as in CI), with a Redis of its own.
"""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest
from django.conf import settings

from grants.models import Letter
from portal.models import AuditEvent
from tests.drills.conftest import needs_postgresql, needs_redis, sent_mail
from tests.drills.services import wait_for
from tests.grants import helpers_cases as h

pytestmark = [needs_postgresql, *needs_redis]

PRIVATE = Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def stored_files() -> set[str]:
    return {str(path.relative_to(PRIVATE)) for path in PRIVATE.rglob("*") if path.is_file()}


def held_by_redis(broker) -> tuple[int, int]:
    """(messages waiting, messages delivered but not acknowledged) in the broker."""
    client = broker.server.client()
    try:
        return client.llen("celery"), client.hlen("unacked")
    finally:
        client.close()


@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_worker_killed_mid_letter_leaves_one_letter(committed_cast, broker, workers, tmp_path, killed):
    cast = committed_cast
    decision = h.proposed(cast, h.submitted_case(cast, organisation=cast.county_b))
    files_before = stored_files()
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    rendering = tmp_path / "rendering"
    worker = workers.start("first", DRILL_SLOW_LETTER=str(rendering))

    with broker.in_use():
        h.approved(cast, decision)  # the approval sends render_letter to the broker after its commit
    pool_process = int(wait_for(lambda: rendering.exists() and rendering.read_text(), timeout=60, what="rendering"))
    letter = Letter.objects.get(decision=decision)
    assert letter.status == Letter.Status.PENDING

    if killed == "pool process":
        os.kill(pool_process, signal.SIGKILL)
    else:
        workers.kill(worker)
        # Nothing was stored or sent, and Redis still holds the message, unacknowledged.
        letter.refresh_from_db()
        assert letter.status == Letter.Status.PENDING and not letter.file
        assert stored_files() == files_before and sent_mail(workers.mail_dir) == []
        assert held_by_redis(broker) == (0, 1)
        workers.start("second", DRILL_VISIBILITY_TIMEOUT="2")

    def letter_made_and_told() -> bool:
        letter.refresh_from_db()
        return letter.notified_at is not None and held_by_redis(broker) == (0, 0)

    try:
        wait_for(letter_made_and_told, timeout=60, interval=0.2, what="the letter after the kill")
    except AssertionError as late:
        raise AssertionError(f"{late}\n{workers.log('first')}\n{workers.log('second')}") from None

    assert letter.status == Letter.Status.READY and letter.attempts == 1
    assert stored_files() - files_before == {letter.file.name}
    assert hashlib.sha256((PRIVATE / letter.file.name).read_bytes()).hexdigest() == letter.sha256
    assert len(sent_mail(workers.mail_dir)) == 1
    assert AuditEvent.objects.filter(pk__gt=last_event, action="letter.issued").count() == 1
