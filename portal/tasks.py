from celery import shared_task
from django.core import management
from django.core.mail import EmailMessage


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Remove expired sessions (idempotent: running it twice removes nothing more)."""
    management.call_command("clearsessions")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=to).send()
