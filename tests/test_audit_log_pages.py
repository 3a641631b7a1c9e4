"""The audit log's pages (issue 16): keyset pagination over (time, id), newest first, with links to
older and newer events, the same cost on every page; and the search's trigram indexes on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from tests.conftest import count_queries, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(cast):
    """120 events a minute apart, the newest first by time (ids in another order for some, as after
    an import), with every third about county A's 'Budsjett'."""
    start = timezone.now() - dt.timedelta(days=1)
    rows = [
        AuditEvent(
            at=start + dt.timedelta(minutes=(i * 7) % 120),
            action="application.saved",
            object_type="grants.application",
            object_id=str(i),
            object_repr=f"Budsjett {i}" if i % 3 == 0 else f"Søknad {i}",
            actor_label="Kari Nordmann",
        )
        for i in range(120)
    ]
    AuditEvent.objects.bulk_create(rows)
    return list(AuditEvent.objects.order_by("-at", "-id").values_list("pk", flat=True))


def shown(html: str) -> list[str]:
    return re.findall(r">((?:Budsjett|Søknad) \d+)<", html)


def link(html: str, name: str) -> str | None:
    found = re.search(rf'href="\?q=[^"]*&amp;{name}=(\d+)"', html)
    return found[1] if found else None


def test_walking_older_then_newer_shows_every_event_once_in_order(client, cast, events):
    login(client, cast.auditor)
    url = reverse("audit_log")
    reprs = dict(AuditEvent.objects.values_list("pk", "object_repr"))
    expected = [reprs[pk] for pk in events if re.fullmatch(r"(Budsjett|Søknad) \d+", reprs[pk])]
    assert len(expected) == 120
    seen, html, pages = [], client.get(url).content.decode(), 0
    first_page = shown(html)
    while True:
        pages += 1
        seen += shown(html)
        older = link(html, "eldre")
        if older is None:
            break
        html = client.get(url, {"eldre": older}).content.decode()
    assert seen == expected  # every event once, newest first, though the ids are in another order
    assert pages == 3
    # Back from the last page to the first with the "newer" links.
    while (newer := link(html, "nyere")) is not None:
        html = client.get(url, {"nyere": newer}).content.decode()
    assert shown(html) == first_page


def test_a_search_pages_within_its_hits(client, cast, events):
    login(client, cast.auditor)
    url = reverse("audit_log")
    html = client.get(url, {"q": "budsjett"}).content.decode()
    hits = shown(html)
    older = link(html, "eldre")
    assert older is None and len(hits) == 40  # 120 / 3, on one page of 50
    assert all(hit.startswith("Budsjett") for hit in hits)


def test_the_last_page_costs_what_the_first_costs(client, cast, events):
    login(client, cast.auditor)
    url = reverse("audit_log")
    first = count_queries(client, url)
    assert count_queries(client, f"{url}?eldre={events[100]}") == first
    assert count_queries(client, f"{url}?nyere={events[10]}") == first


@pytest.mark.parametrize("value", ["abc", "-1", "١٢", "9" * 40, "1e5", ""])
def test_a_cursor_that_is_no_id_shows_the_first_page(client, cast, events, value):
    login(client, cast.auditor)
    response = client.get(reverse("audit_log"), {"eldre": value})
    assert response.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_the_search_uses_the_trigram_indexes(cast):
    from portal import audit

    now = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=now, action=f"application.saved.{i % 50}", object_repr=f"Søknad {i:05d}", actor_label=f"Bruker {i}"
        )
        for i in range(20000)
    )
    sql, params = audit.search("nad 01234").query.sql_with_params()
    with connection.cursor() as cursor:
        for column in ("action", "object_repr", "actor_label"):  # as autovacuum does after many inserts
            cursor.execute(f"SELECT gin_clean_pending_list('audit_{column}_trgm'::regclass)")
        cursor.execute("ANALYZE portal_auditevent")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for column in ("action", "object_repr", "actor_label"):
        assert f"audit_{column}_trgm" in plan, plan
