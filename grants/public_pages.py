"""The calls' public pages, cached per language (issue 16): the list of calls and the part of a call's
page that is the same for every reader. What depends on the reader (the menu, the CSRF token, whether
the county may apply) is rendered for each request around the cached part; no logged-in reader's
page is ever served to another.

A cached part is dropped when anything it shows changes: a call, scheme, cost category, criterion or
organisation saved or deleted, or a call's eligible counties changed, bump one version number that
is part of every key. It is also rendered again when a call it shows opens or reaches its deadline
(its status changes with the clock): each entry keeps the first such moment after it was made.
An entry lives five minutes at most, so that a change made while Redis did not answer (the version
could not be bumped; ``portal.cache``) or a restored database shows within five minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from grants.models import Call, CostCategory, Criterion, Scheme
from portal.models import Organisation

VERSION_KEY = "grants:public-calls:version"
TIMEOUT = 5 * 60


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        current = int(timezone.now().timestamp() * 1000)  # a new number after a cache flush
        cache.add(VERSION_KEY, current, None)
        current = cache.get(VERSION_KEY, current)
    return current


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set (or the cache is away): the next reader sets a new one
        cache.set(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


def invalidate(**_kwargs) -> None:
    """Drop every cached public call page (connected to the models' signals below): now, and again
    when the change is committed, so that a page another reader rendered from the old rows while the
    transaction was open is not kept."""
    _bump()
    transaction.on_commit(_bump)


def next_change(calls: Iterable[Call], now: dt.datetime) -> dt.datetime | None:
    """The first moment after ``now`` at which one of ``calls`` opens or closes."""
    moments = [m for call in calls for m in (call.opens_at, call.application_deadline) if m is not None and m > now]
    return min(moments, default=None)


def cached_part(name: str, render: Callable[[], tuple[str, dict, dt.datetime | None]]) -> tuple[SafeString, dict]:
    """The cached HTML and facts of part ``name`` in the active language, or ``render()``'s:
    (html, facts, the moment it goes stale or None)."""
    key = f"grants:public-calls:{version()}:{translation.get_language()}:{name}"
    now = timezone.now()
    entry = cache.get(key)
    if entry is None or (entry["stale_at"] is not None and now >= entry["stale_at"]):
        html, facts, stale_at = render()
        entry = {"html": str(html), "facts": facts, "stale_at": stale_at}
        cache.set(key, entry, TIMEOUT)
    return mark_safe(entry["html"]), entry["facts"]  # noqa: S308 (our own template's output)


for model in (Call, Scheme, CostCategory, Criterion, Organisation):
    post_save.connect(invalidate, sender=model, dispatch_uid=f"public-calls-save-{model.__name__}")
    post_delete.connect(invalidate, sender=model, dispatch_uid=f"public-calls-delete-{model.__name__}")
m2m_changed.connect(invalidate, sender=Call.eligible_organisations.through, dispatch_uid="public-calls-eligible")
