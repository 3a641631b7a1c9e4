"""Every URL pattern × every role × GET and POST, against a table of expected answers.

The rules the table encodes (STYLE.md, "Access control"; DOMAIN.md, "Who uses it"):

- Deny by default: without login only the public call pages, login (and the pages of its flow),
  password reset, the language switch and /healthz answer; everything else redirects to login.
- An object of another organisation is a 404; an action the role may not take is a 403.
- Auditors read everything and change nothing: every POST they make to a portal write view is a 403.
- A POST with empty data gets a form with errors (200), or a 403/404/405: never a 500.

A URL pattern that is missing from the table fails the test ("add it to the table"), and so does an
entry for a pattern that no longer exists. Patterns are named by their full name with namespace
(``admin:portal_user_change``); unnamed ones by their route (``admin/portal/user/<path:object_id>/``).

The table states what is right, not what the code happens to do: where the two differ, the test
fails and says so.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.models import Delegation
from tests import factories as f
from tests.conftest import ROLE_USERS, login
from tests.url_matrix import (
    METHODS,
    ROLES,
    describe,
    mismatch,
    url_entries,
)
from tests.url_matrix_expected import EXPECTED, NON_ADMINS
from tests.url_matrix_samples import sample_objects, url_for

# --- Sample arguments: tests/url_matrix_samples.py ------------------------------------------

# --- Checks beyond the status -----------------------------------------------------------------


def signup_is_closed(response) -> str | None:
    names = [t.name for t in response.templates]
    if "account/signup_closed.html" not in names:
        return f"signup must show the 'closed' page, rendered {names[:3]}"
    return None


CONTENT_CHECKS = {("account_signup", "anonymous"): signup_is_closed}


def run_matrix(client, cast, role: str) -> tuple[list[str], int]:
    user = None if role == "anonymous" else getattr(cast, ROLE_USERS[role])
    objects = sample_objects(cast)
    problems, requests, logged_in = [], 0, False
    for entry in url_entries():
        if entry.key not in EXPECTED:
            problems.append(f"{entry.key!r} (/{entry.route}) is not in the table: add it to EXPECTED")
            continue
        url = url_for(entry, cast, objects)
        admin_model = re.match(r"admin/(\w+)/(\w+)/", entry.route)
        fill = {
            "delegation_a": cast.delegation_a.pk,
            "draft": objects["draft"].pk,
            "submitted": objects["submitted"].pk,
            "granted": objects["grant"].case.application_id,
            "grant": objects["grant"].pk,
            "paid": objects["paid"].pk,
            "paid_application": objects["paid"].case.application_id,
        }
        if admin_model and (admin_model[1], admin_model[2]) in objects:
            fill["object_id"] = objects[(admin_model[1], admin_model[2])].pk
        for method in METHODS:
            if user is not None and not logged_in:  # an earlier POST (a logout) ended the session
                login(client, user)
            expected = EXPECTED[entry.key][method][role]
            requests += 1
            try:
                response = client.get(url) if method == "GET" else client.post(url, {})
            except Exception as error:  # noqa: BLE001 - a crash is a result to report, with the rest
                problems.append(f"{method} {url} as {role}: raised {error!r} (expected {expected})")
                logged_in = False
                continue
            logged_in = response.wsgi_request.user.is_authenticated
            problem = mismatch(expected, response, url, fill)
            if problem is None and (check := CONTENT_CHECKS.get((entry.key, role))):
                problem = check(response)
            if problem:
                problems.append(f"{method} {url} [{entry.key}] as {role}: got {describe(response)}, {problem}")
    return problems, requests


# --- The tests --------------------------------------------------------------------------------


def test_table_lists_exactly_the_url_patterns():
    keys = {entry.key for entry in url_entries()}
    missing = sorted(keys - set(EXPECTED))
    stale = sorted(set(EXPECTED) - keys)
    messages = []
    if missing:
        messages.append(f"URL patterns missing from the table (add them to EXPECTED): {missing}")
    if stale:
        messages.append(f"Table entries for URL patterns that no longer exist (remove them): {stale}")
    assert not messages, "\n".join(messages)
    for key, methods in EXPECTED.items():
        assert set(methods) == set(METHODS), f"{key}: give both GET and POST"
        for method, row in methods.items():
            assert set(row) == set(ROLES), f"{key} {method}: give every role"


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(client, cast, role):
    cache.clear()  # allauth's rate limits live in the cache
    problems, requests = run_matrix(client, cast, role)
    assert not problems, f"{len(problems)} of {requests} requests as {role} differ from the table:\n" + "\n".join(
        problems
    )


def test_other_countys_delegation_is_404_and_lower_role_is_403(client, cast):
    detail = reverse("delegation_detail", args=[cast.delegation_a.pk])
    revoke = reverse("delegation_revoke", args=[cast.delegation_a.pk])
    unpublished = f.make_call(cast.scheme, is_published=False, eligible=[cast.county_a])
    cases = [
        # (who, method, url, status)
        ("director_b", "GET", detail, 404),
        ("director_b", "POST", revoke, 404),
        ("staff_b", "GET", detail, 404),
        ("staff_b", "POST", revoke, 404),
        ("staff_c", "GET", detail, 404),
        ("staff_a", "POST", revoke, 403),
        ("delegate_a", "POST", revoke, 403),
        ("caseworker", "POST", revoke, 403),
        ("auditor", "POST", revoke, 403),
        ("director_a", "GET", reverse("delegation_detail", args=[cast.delegation_a.pk + 10_000]), 404),
        ("anonymous", "GET", reverse("call_detail", args=[unpublished.pk]), 404),
        ("staff_a", "GET", reverse("call_detail", args=[unpublished.pk]), 404),
    ]
    problems = []
    for who, method, url, status in cases:
        if who == "anonymous":
            client.logout()
        else:
            login(client, getattr(cast, who))
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != status:
            problems.append(f"{method} {url} as {who}: got {describe(response)}, expected {status}")
    assert not problems, "\n".join(problems)
    cast.delegation_a.refresh_from_db()
    assert cast.delegation_a.revoked_at is None, "a refused revoke must leave the delegation as it was"

    # County B's director sees county B's delegations only.
    login(client, cast.director_b)
    response = client.get(reverse("delegation_list"))
    assert response.status_code == 200
    assert cast.delegate_a.full_name not in response.content.decode()

    # County A's director revokes once; a second revoke is refused.
    login(client, cast.director_a)
    assert client.post(revoke).status_code == 302
    assert Delegation.objects.get(pk=cast.delegation_a.pk).revoked_by == cast.director_a
    assert client.post(revoke).status_code == 403


def test_admin_turns_away_logged_in_non_admins_without_a_redirect_loop(client, cast):
    """A logged-in user without admin access who opens /admin/ must end on a 403, not circle."""
    problems = []
    for role in NON_ADMINS:
        login(client, getattr(cast, ROLE_USERS[role]))
        url, seen = "/admin/", []
        response = client.get(url)
        while response.status_code in (301, 302) and url not in seen and len(seen) < 10:
            seen.append(url)
            url = response["Location"]
            response = client.get(url)
        if response.status_code != 403:
            chain = " → ".join([*seen, url])
            problems.append(f"{role}: {chain} ends with {describe(response)}, expected 403")
    assert not problems, "\n".join(problems)
