"""Sending e-mail once: the intent is claimed on its row before the e-mail goes, and given back
if sending fails, so that a sweep tries again (NOTES.md: at most one duplicate, and it is visible)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone


def send_once(rows: QuerySet, field: str, send: Callable[[], object]) -> bool:
    """Set ``field`` (a time) on ``rows`` where it is still empty; if that claimed anything, call
    ``send``. True when this run sent. A failure to send clears the claim again and is raised."""
    claimed_at = timezone.now()
    if not rows.filter(**{f"{field}__isnull": True}).update(**{field: claimed_at}):
        return False  # another run has sent it, or there is nothing to send
    try:
        send()
    except Exception:
        rows.filter(**{field: claimed_at}).update(**{field: None})
        raise
    return True
