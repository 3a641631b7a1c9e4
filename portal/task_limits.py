"""Time limits per kind of Celery task (settings.CELERY_TASK_ANNOTATIONS). A task over its soft
limit gets SoftTimeLimitExceeded and ends like any failure (its row stays pending or failed for the
sweep); over the hard limit its worker process is replaced and, with late acknowledgement, the task
is delivered again. Tasks without a kind of their own have the defaults in settings."""

from __future__ import annotations

# (soft, hard) seconds, by the task's name within its module.
RENDERS_A_PDF = (90, 120)  # one receipt or letter: seconds for any text the forms let through
SENDS_MAIL = (30, 60)  # one e-mail, or one digest per person
BUILDS_AN_EXPORT = (600, 660)  # a whole call's spreadsheet


def limits_for(name: str) -> tuple[int, int] | None:
    short = name.rsplit(".", 1)[-1]
    if short.startswith("render_"):
        return RENDERS_A_PDF
    if short.startswith(("notify_", "send_notice")):
        return SENDS_MAIL
    if short == "build_export":
        return BUILDS_AN_EXPORT
    return None


class TimeLimits:
    """A Celery task annotation: ``annotate(task)`` gives the task's limits, or None for the defaults."""

    def annotate(self, task) -> dict | None:
        found = limits_for(task.name)
        if found is None:
            return None
        soft, hard = found
        return {"soft_time_limit": soft, "time_limit": hard}
