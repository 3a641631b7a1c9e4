"""`make bench` says which of issue 16's goals a page missed, and profiles it (bench/measures.py,
bench/profiles.py)."""

from __future__ import annotations

import pytest

from bench import pages, profiles
from bench.measures import missed_goals


def row(**figures):
    return {"ratio": 0.5, "rps": 200.0, "p95_ms": 40.0, **figures}


def test_working_pages_carry_the_issues_goals():
    by_name = {(p.name, p.role): p for p in pages.PAGES}
    dashboard = by_name["dashboard", "caseworker"]
    assert (dashboard.goal, dashboard.rps_goal, dashboard.p95_goal) == (0.35, 150, 60)
    assert by_name["audit log, search", "auditor"].rps_goal == 100
    assert by_name["statistikk, overview", "caseworker"].rps_goal == 50
    assert all(p.goal == 0.35 for p in pages.PAGES)


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({}, []),
        ({"ratio": 0.2}, ["ratio 0.20 < 0.35"]),
        ({"rps": 149.4}, ["149 req/s < 150"]),
        ({"p95_ms": 61.0}, ["p95 61 ms > 60"]),
        ({"ratio": 0.1, "rps": 20.0, "p95_ms": 300.0}, ["ratio 0.10 < 0.35", "20 req/s < 150", "p95 300 ms > 60"]),
    ],
)
def test_missed_goals(figures, expected):
    page = pages.Page("dashboard", "caseworker", "/", **pages.WORK)
    assert missed_goals(page, row(**figures)) == expected


def test_a_page_without_speed_goals_is_held_to_its_ratio_only():
    page = pages.Page("delegations", "county_director", "/fullmakter/")
    assert missed_goals(page, row(rps=5.0, p95_ms=900.0)) == []
    assert missed_goals(page, row(ratio=0.3)) == ["ratio 0.30 < 0.35"]


@pytest.mark.django_db
def test_profile_of_a_page_splits_its_time(tmp_path):
    found = profiles.profile_page("healthz", "anonymous", "/healthz", None, "127.0.0.1", tmp_path)
    assert found.queries == 1 and found.slowest and found.slowest[0][1].upper().startswith("SELECT")
    assert found.ms > 0
    assert sum(found.kinds.values()) == pytest.approx(found.ms, rel=0.25)
    assert found.path.read_text().strip()
    assert found.summary().startswith("healthz (anonymous): ")
