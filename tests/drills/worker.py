"""The Celery app a drill's worker runs (``celery -A tests.drills.worker worker``): the portal's own
app (``portal.celery.app``, every task and setting of the project), with two test-only additions:

- with DRILL_READY_FILE, the worker writes that file when it is ready to take tasks;
- with DRILL_SLOW_LETTER, the first decision letter is rendered as usual, then the worker process
  writes its id to that file and waits a minute before storing it: the drill kills the worker in
  that minute, with the letter made but not yet stored. Once the file exists, letters are stored at
  once (the run after the kill).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init, worker_ready

from portal.celery import app

__all__ = ["app"]


@worker_ready.connect
def say_ready(**kwargs) -> None:
    if os.environ.get("DRILL_READY_FILE"):
        Path(os.environ["DRILL_READY_FILE"]).write_text(str(os.getpid()))


@worker_process_init.connect
def slow_letters(**kwargs) -> None:
    marker = os.environ.get("DRILL_SLOW_LETTER")
    if not marker:
        return
    from grants import letters  # the worker process has set Django up by now

    render = letters.letter_pdf

    def rendered_then_stalled(letter):
        pdf = render(letter)
        if not Path(marker).exists():
            Path(marker).write_text(str(os.getpid()))
            time.sleep(60)
        return pdf

    letters.letter_pdf = rendered_then_stalled
