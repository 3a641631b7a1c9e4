"""Send background work only once the data it needs is committed."""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def _send(task, args, kwargs) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except OperationalError:
        # The data is committed; the row that asked for the work is the truth and a periodic
        # sweep picks it up. The user must not get a 500 because the broker is down.
        log.exception("Could not send task %s to the broker; it will be picked up by a sweep", task.name)


def send_after_commit(task, *args, using: str | None = None, **kwargs) -> None:
    """Queue ``task`` with the given arguments when the current transaction commits.

    If the transaction rolls back, nothing is sent. Outside a transaction it is sent at once. The
    data is committed by then, so a failure to send is logged, never turned into an error page.
    """

    def send() -> None:  # a named function: Django logs a robust hook's failure by its __qualname__
        _send(task, args, kwargs)

    transaction.on_commit(send, using=using, robust=True)
