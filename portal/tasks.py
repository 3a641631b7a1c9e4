from celery import shared_task
from django.core import management


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Remove expired sessions (idempotent: running it twice removes nothing more)."""
    management.call_command("clearsessions")
