"""The vocabulary of the URL × role matrix (tests/test_url_matrix.py): walking the URLconf, the
expected answers a table entry is written in, and comparing a response with one."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.conftest import ROLE_USERS

ROLES = list(ROLE_USERS)  # anonymous, stranger, county_staff, county_director, delegate, caseworker, admin, auditor
METHODS = ("GET", "POST")

# --- Walking the URLconf ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: str  # "namespace:name", or the route when the pattern has no name
    route: str  # the full route, e.g. "admin/portal/user/<path:object_id>/change/"
    pattern: URLPattern
    named: bool


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif p.name:
            yield Entry(f"{namespace}:{p.name}" if namespace else p.name, prefix + str(p.pattern), p, True)
        else:
            yield Entry(prefix + str(p.pattern), prefix + str(p.pattern), p, False)


def url_entries() -> list[Entry]:
    entries = list(walk(get_resolver().url_patterns))
    keys = [e.key for e in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"URL pattern names used twice (the matrix cannot tell them apart): {duplicates}"
    return entries


def param_names(entry: Entry) -> list[str]:
    pattern = entry.pattern.pattern
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


# --- Expected answers -------------------------------------------------------------------------


class _Self:
    def __repr__(self) -> str:
        return "<the requested URL>"


SELF = _Self()


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``path``; ``next`` is checked when given (SELF: the URL that was requested)."""

    path: str
    next: str | _Self | None = None

    def __str__(self) -> str:
        return f"302 → {self.path}" + (f"?next={self.next!r}" if self.next is not None else "")


LOGIN = Redirect("/konto/login/", next=SELF)  # LoginRequiredMiddleware, or a view's own login_required
ADMIN_LOGIN = Redirect("/admin/login/", next=SELF)  # the admin's own check (admin_view)


def by_role(default, **overrides) -> dict:
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: overrides.get(role, default) for role in ROLES}


def login_required(default, **overrides) -> dict:
    """Anonymous is sent to login; every logged-in role gets ``default`` unless overridden."""
    return by_role(default, **{"anonymous": LOGIN, **overrides})


def same(get, post=None) -> dict:
    return {"GET": get, "POST": post if post is not None else get}


# --- Comparing --------------------------------------------------------------------------------


def describe(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def mismatch(expected, response, url: str, fill: dict) -> str | None:
    if isinstance(expected, int):
        return None if response.status_code == expected else f"expected {expected}"
    path = expected.path.format(**fill)
    if response.status_code != 302:
        return f"expected 302 → {path}"
    location = urlsplit(response["Location"])
    if location.path != path:
        return f"expected 302 → {path}"
    if expected.next is not None:
        want = url if expected.next is SELF else expected.next
        got = parse_qs(location.query).get("next", [None])[0]
        if got != want:
            return f"expected 302 → {path}?next={want}"
    return None
