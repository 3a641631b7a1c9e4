"""The fixed cast every test can use, and helpers for logging in and counting queries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal import idle
from portal.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from portal.models import Organisation, Role
from tests import factories as f

SECRETS = {
    "caseworker": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "caseworker2": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    "admin": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
    "auditor": "ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU",
}


def build_cast() -> SimpleNamespace:
    imdi = f.make_org("IMDi", kind=Organisation.Kind.DIRECTORATE)
    ministry = f.make_org("Departementet", kind=Organisation.Kind.MINISTRY)
    county_a = f.make_org("Fylke A", standard="nn")
    county_b = f.make_org("Fylke B")
    county_c = f.make_org("Fylke C (ikke i forsøket)")
    c = SimpleNamespace(imdi=imdi, ministry=ministry, county_a=county_a, county_b=county_b, county_c=county_c)
    c.staff_a = f.make_user("staff.a@example.org", name="Stine Stab", roles=[(county_a, Role.COUNTY_STAFF)])
    c.director_a = f.make_user("director.a@example.org", name="Dag Direktør", roles=[(county_a, Role.COUNTY_DIRECTOR)])
    c.delegate_a = f.make_user("delegate.a@example.org", name="Frida Fullmakt", roles=[(county_a, Role.COUNTY_STAFF)])
    c.staff_b = f.make_user("staff.b@example.org", name="Bjørn B", roles=[(county_b, Role.COUNTY_STAFF)])
    c.director_b = f.make_user("director.b@example.org", name="Berit B", roles=[(county_b, Role.COUNTY_DIRECTOR)])
    c.staff_c = f.make_user("staff.c@example.org", name="Cecilie C", roles=[(county_c, Role.COUNTY_STAFF)])
    c.caseworker = f.make_user(
        "caseworker@example.org", name="Carl Case", roles=[(imdi, Role.CASEWORKER)], totp_secret=SECRETS["caseworker"]
    )
    c.caseworker2 = f.make_user(
        "caseworker2@example.org", name="Cora Case", roles=[(imdi, Role.CASEWORKER)], totp_secret=SECRETS["caseworker2"]
    )
    c.admin = f.make_user(
        "admin@example.org", name="Ada Admin", roles=[(imdi, Role.ADMIN)], totp_secret=SECRETS["admin"]
    )
    c.auditor = f.make_user(
        "auditor@example.org", name="Aud Revisor", roles=[(imdi, Role.AUDITOR)], totp_secret=SECRETS["auditor"]
    )
    c.stranger = f.make_user("stranger@example.org", name="Sofie Fremmed")
    c.delegation_a = f.make_delegation(grantor=c.director_a, grantee=c.delegate_a, organisation=county_a)
    c.scheme = f.make_scheme(imdi)
    c.call = f.make_call(c.scheme, year=2025, eligible=[county_a, county_b])
    # Both caseworkers hold budget authority for the scheme (issue 14), up to its pot: they approve grants.
    f.make_budget_holder(c.caseworker, c.scheme)
    f.make_budget_holder(c.caseworker2, c.scheme)
    return c


@pytest.fixture(autouse=True)
def bokmal_to_start():
    """Every test starts in bokmål, whatever language an earlier test's request left active: a text in
    both written standards (django-modeltranslation) is written to the active language's column, so a
    cast made in nynorsk would have no bokmål names."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: the database is rolled back after each test, and a
    cached page (the public call pages, grants.public_pages) must not outlive the rows it shows."""
    cache.clear()


@pytest.fixture
def cast(db):
    return build_cast()


ROLE_USERS = {
    "anonymous": None,
    "stranger": "stranger",
    "county_staff": "staff_a",
    "county_director": "director_a",
    "delegate": "delegate_a",
    "caseworker": "caseworker",
    "admin": "admin",
    "auditor": "auditor",
}


def login(client, user, membership=None):
    """Log a user in (MFA is taken as done for users that have an authenticator)."""
    client.force_login(user)
    session = client.session
    idle.wind(session)  # as the login page's answer does (portal.idle)
    if membership is not None:
        session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
    session.save()
    return client


@pytest.fixture
def login_as(client, cast):
    def _login(name: str):
        if name == "anonymous":
            return client
        return login(client, getattr(cast, ROLE_USERS.get(name, name)))

    return _login


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def assert_constant_queries(client, url: str, add_rows, *, small: int = 1, large: int = 50) -> int:
    """The page's query count is the same with ``small`` and with ``large`` rows.

    ``add_rows(n)`` must create n more rows of what the page lists.
    """
    add_rows(small)
    first = count_queries(client, url)
    add_rows(large - small)
    second = count_queries(client, url)
    assert first == second, f"{url}: {first} queries with {small} rows, {second} with {large}"
    return second
