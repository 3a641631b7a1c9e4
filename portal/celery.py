"""The Celery app. Without REDIS_URL the settings make every task run eagerly, in process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work is defined here, in code, and scans the database when it runs: nothing is ever
# scheduled weeks ahead in the broker.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "sweep-confirmation-requests": {
        "task": "grants.tasks.sweep_confirmation_requests",
        "schedule": crontab(minute="*/5"),
    },
    "sweep-receipts": {
        "task": "grants.tasks.sweep_receipts",
        "schedule": crontab(minute="*/5"),
    },
    "sweep-letters": {
        "task": "grants.tasks.sweep_letters",
        "schedule": crontab(minute="*/5"),
    },
    "send-reminders": {
        "task": "reporting.tasks.send_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "sweep-claim-notices": {
        "task": "reporting.tasks.sweep_claim_notices",
        "schedule": crontab(minute="*/5"),
    },
    # IMDi's daily digest (grants.notice_digest): from 07:00 Oslo; the later runs send only what the
    # first could not (the broker was down), as each digest is claimed per person and day.
    "send-notice-digests": {
        "task": "grants.tasks.send_notice_digests",
        "schedule": crontab(hour="7-11", minute=0),
    },
    "sweep-exports": {
        "task": "reporting.tasks.sweep_exports",
        "schedule": crontab(minute="*/5"),
    },
}
