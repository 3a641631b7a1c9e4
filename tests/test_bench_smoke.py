"""The bench cannot rot (issue 16): every page of `make bench`'s list (``bench/pages.py: PAGES``) loads
on a tiny bench data set, as the bench seeds it (``bench/seed.py``) and as the bench logs in (its
made sessions), with the answer 200 and the number of queries the bench reports for it.

The load test's own smoke (`make loadtest-smoke`: gunicorn, Redis, a Celery worker and locust for a few
seconds) runs in CI beside the suite, not here: locust's gevent must stay out of the test processes.
"""

from __future__ import annotations

import sys

import pytest

from bench import pages, seed
from bench.prepare import load_demo, parse_args

# Tiny: one bench county, five calls (four open), 50 applications in the inbox's call and a few more.
TINY = ["--counties", "1", "--staff", "2", "--calls", "5", "--events", "30", "--delegations", "4"]
TINY += ["--applications", "60", "--per-call", "50"]

# The queries of one warm request of each page, as `make bench` counts them, on the tiny data set
# (the session is not written: the idle clock, portal/idle.py; the anonymous call pages come from
# the cache); the list pages run as many with 50 rows (tests/test_query_counts.py). A page that
# needs more is a regression the bench would show; a page
# made cheaper lowers its figure here (the failure lists the new counts, ready to paste).
EXPECTED_QUERIES = {
    ("call list", "anonymous"): 0,
    ("call detail", "anonymous"): 0,
    ("call detail", "county_staff"): 7,
    ("dashboard", "county_staff"): 12,
    ("dashboard", "county_director"): 12,
    ("dashboard", "caseworker"): 19,
    ("dashboard", "admin"): 20,
    ("dashboard", "auditor"): 19,
    ("delegations", "county_director"): 5,
    ("audit log", "auditor"): 5,
    ("audit log, last page", "auditor"): 5,
    ("audit log, search", "auditor"): 5,
    ("inbox, one call", "caseworker"): 9,
    ("inbox, all calls", "caseworker"): 9,
    ("allocation", "caseworker"): 8,
    ("case", "caseworker"): 15,
    ("payments due", "caseworker"): 7,
    ("healthz", "anonymous"): 1,
    ("statistikk, overview", "caseworker"): 5,
    ("statistikk, call", "caseworker"): 10,
}


@pytest.fixture
def bench_data(transactional_db):
    # The bench's seed runs VACUUM, which needs autocommit: a transactional test, not one in a transaction.
    load_demo()
    return seed.run(parse_args(TINY))


def test_every_bench_page_loads_with_its_query_count(bench_data):
    sessions = pages.make_sessions(bench_data, {p.role for p in pages.PAGES}, 1)
    found, problems = {}, []
    for page in pages.PAGES:
        url = page.url(bench_data)
        assert url is not None, f"{page.name} ({page.role}): the tiny seed lacks its data"
        probe = pages.probe(url, (sessions.get(page.role) or [None])[0], "127.0.0.1")
        found[page.name, page.role] = probe.queries
        if probe.status != 200:
            problems.append(f"{page.name} ({page.role}) {url}: HTTP {probe.status}")
        elif not probe.stable:
            problems.append(f"{page.name} ({page.role}) {url}: the query count differs between two warm requests")
    assert problems == []
    listed = "\n".join(f"    ({name!r}, {str(role)!r}): {n}," for (name, role), n in found.items())
    assert found == EXPECTED_QUERIES, f"the bench's query counts now:\n{listed}"


def test_locust_stays_out_of_the_test_processes():
    # gevent patches the standard library when locust loads; only bench/loadtest.py's subprocess loads it.
    assert "locust" not in sys.modules
    assert "gevent.monkey" not in sys.modules or not sys.modules["gevent.monkey"].is_anything_patched()
