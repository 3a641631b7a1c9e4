"""List pages and dashboards run the same number of queries with 1 row and with 50."""

import itertools

import pytest
from django.urls import reverse

from portal import audit
from portal.audit import Actor
from portal.models import Role
from tests import factories as f
from tests.conftest import assert_constant_queries, login


def add_calls(cast):
    def add(n):
        for _ in range(n):
            f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])

    return add


def add_events(cast):
    def add(n):
        for i in range(n):
            audit.record(
                actor=Actor(user=cast.staff_a), action="membership.chosen", obj=cast.county_a, changes={"n": i}
            )

    return add


def add_delegations(cast, *, counties=("a",)):
    """Adds fullmakter, given by each county's director in turn to a new member of staff."""
    cycle = itertools.cycle(counties)

    def add(n):
        for _ in range(n):
            key = next(cycle)
            county, director = getattr(cast, f"county_{key}"), getattr(cast, f"director_{key}")
            grantee = f.make_user(roles=[(county, Role.COUNTY_STAFF)])
            f.make_delegation(grantor=director, grantee=grantee, organisation=county)

    return add


def test_call_list(client, cast):
    assert_constant_queries(client, reverse("call_list"), add_calls(cast))


@pytest.mark.parametrize("name", ["staff_a", "director_a", "caseworker", "admin", "auditor"])
def test_dashboards_with_many_calls(client, cast, name):
    login(client, getattr(cast, name))
    assert_constant_queries(client, reverse("dashboard"), add_calls(cast))


def test_director_dashboard_with_many_delegations(client, cast):
    login(client, cast.director_a)
    assert_constant_queries(client, reverse("dashboard"), add_delegations(cast))


def test_delegation_list(client, cast):
    login(client, cast.director_a)
    assert_constant_queries(client, reverse("delegation_list"), add_delegations(cast))


def test_audit_log(client, cast):
    login(client, cast.auditor)
    assert_constant_queries(client, reverse("audit_log"), add_events(cast))


def test_auditor_dashboard_with_many_events(client, cast):
    login(client, cast.auditor)
    assert_constant_queries(client, reverse("dashboard"), add_events(cast))


def test_delegation_history_page(client, cast):
    login(client, cast.director_a)
    url = reverse("delegation_detail", args=[cast.delegation_a.pk])

    def add(n):
        for _ in range(n):
            audit.record(actor=Actor(user=cast.director_a), action="delegation.granted", obj=cast.delegation_a)

    assert_constant_queries(client, url, add)


def test_delegation_list_for_an_auditor_across_counties(client, cast):
    login(client, cast.auditor)
    assert_constant_queries(client, reverse("delegation_list"), add_delegations(cast, counties=("a", "b")))
