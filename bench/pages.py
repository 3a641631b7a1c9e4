"""The pages `make bench` loads, the users it loads them as, and their query counts.

A page is a ``Page(name, role, path)``; ``path`` is a string or a function of the seeded
``BenchData`` (which returns None when the data it needs was not seeded: the page is skipped). A
later issue appends its pages to ``PAGES`` (and, for a new kind of user, a function to ``ROLES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.data import BenchData
from portal.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from portal.models import AuditEvent, Membership, Role, User

AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
ANONYMOUS = "anonymous"

# Issue 16's goals: every page at >= 0.35 of the bare view with as many queries; the working pages
# (dashboards, inbox, allocation, case, payments due) at >= 150 req/s with p95 <= 60 ms at 4 clients;
# the audit log's search at >= 100 req/s and the statistics overview at >= 50 req/s.
RATIO_GOAL = 0.35
WORK = {"rps_goal": 150, "p95_goal": 60}


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # ANONYMOUS or a key of ROLES
    path: str | Callable[[BenchData], str | None]
    goal: float | None = RATIO_GOAL  # the lowest ratio to the bare view the issue accepts
    rps_goal: float | None = None  # the fewest requests a second at --concurrency clients, if the issue names it
    p95_goal: float | None = None  # the highest p95 in ms, if the issue names it

    def url(self, data: BenchData) -> str | None:
        return self.path(data) if callable(self.path) else self.path


def _open_call(data: BenchData) -> str:
    # A published, open call of the scale set (10 cost categories, 4 criteria, every bench county eligible).
    call = next(c for c in data.calls if c.is_published and c.is_open)
    return f"/utlysninger/{call.pk}/"


def _audit_old_page(data: BenchData) -> str:
    # Near the end of the log: the page of events older than the 51st oldest (keyset pagination).
    anchor = AuditEvent.objects.order_by("at", "id").values_list("pk", flat=True)[50:51].first()
    return f"/hendelseslogg/?eldre={anchor}" if anchor else "/hendelseslogg/"


def _audit_search(data: BenchData) -> str:
    return f"/hendelseslogg/?q={data.counties[0].director.email}"


# IMDi's case pages, on the call seeded with --per-call applications (bench/cases.py: seed_applications).


def _inbox(data: BenchData) -> str | None:
    call = data.extra.get("case_call")
    return f"/imdi/saker/?call={call.pk}" if call else None


def _inbox_all(data: BenchData) -> str | None:
    # "Alle utlysninger": every case in the database, 50 a page (without ?call= the inbox shows the
    # latest call that has cases).
    return "/imdi/saker/?call=" if data.extra.get("case_call") else None


def _allocation(data: BenchData) -> str | None:
    call = data.extra.get("case_call")
    return f"/imdi/utlysninger/{call.pk}/fordeling/" if call else None


def _case(data: BenchData) -> str | None:
    # An assessed case of that call assigned to the caseworker the bench logs in as: scores, budget,
    # allocation and history on one page.
    case = data.extra.get("case")
    return f"/imdi/saker/{case.pk}/" if case else None


def _payments_due(data: BenchData) -> str | None:
    return "/imdi/utbetalinger/" if data.extra.get("case_call") else None


def _statistics_call(data: BenchData) -> str | None:
    # The latest past year of a scheme with five years of paid grants, reports, carry-overs and
    # repayments (bench/statistics_data.py).
    call = data.extra.get("statistics_call")
    return f"/imdi/statistikk/{call.pk}/" if call else None


PAGES: list[Page] = [
    Page("call list", ANONYMOUS, "/utlysninger/"),
    Page("call detail", ANONYMOUS, _open_call),
    Page("call detail", Role.COUNTY_STAFF, _open_call),
    Page("dashboard", Role.COUNTY_STAFF, "/", **WORK),
    Page("dashboard", Role.COUNTY_DIRECTOR, "/", **WORK),
    Page("dashboard", Role.CASEWORKER, "/", **WORK),
    Page("dashboard", Role.ADMIN, "/", **WORK),
    Page("dashboard", Role.AUDITOR, "/", **WORK),
    Page("delegations", Role.COUNTY_DIRECTOR, "/fullmakter/"),
    Page("audit log", Role.AUDITOR, "/hendelseslogg/"),
    Page("audit log, last page", Role.AUDITOR, _audit_old_page),
    Page("audit log, search", Role.AUDITOR, _audit_search, rps_goal=100),
    Page("inbox, one call", Role.CASEWORKER, _inbox, **WORK),
    Page("inbox, all calls", Role.CASEWORKER, _inbox_all, **WORK),
    Page("allocation", Role.CASEWORKER, _allocation, **WORK),
    Page("case", Role.CASEWORKER, _case, **WORK),
    Page("payments due", Role.CASEWORKER, _payments_due, **WORK),
    Page("healthz", ANONYMOUS, "/healthz"),
    Page("statistikk, overview", Role.CASEWORKER, "/imdi/statistikk/", rps_goal=50),
    Page("statistikk, call", Role.CASEWORKER, _statistics_call),
]


# --- Who loads them ---------------------------------------------------------------------------


def _demo(email: str, role: str) -> Callable[[BenchData], Membership]:
    def pick(data: BenchData) -> Membership:
        return Membership.objects.select_related("user").get(user__email=email, role=role)

    return pick


def _county(attr: str, role: str) -> Callable[[BenchData], Membership]:
    def pick(data: BenchData) -> Membership:
        county = data.counties[0]
        user = county.director if attr == "director" else county.staff[0]
        return Membership.objects.select_related("user").get(user=user, organisation=county.organisation, role=role)

    return pick


# The membership each role acts in: county users from the first bench county (its staff member holds
# a delegation), IMDi users from the demo data (they have TOTP, so the MFA middleware lets them in).
ROLES: dict[str, Callable[[BenchData], Membership]] = {
    Role.COUNTY_STAFF: _county("staff", Role.COUNTY_STAFF),
    Role.COUNTY_DIRECTOR: _county("director", Role.COUNTY_DIRECTOR),
    Role.CASEWORKER: _demo("saksbehandler1@imdi.demo", Role.CASEWORKER),
    Role.ADMIN: _demo("admin@imdi.demo", Role.ADMIN),
    Role.AUDITOR: _demo("revisor@imdi.demo", Role.AUDITOR),
}


def make_session(user: User, membership: Membership) -> str:
    """A logged-in session, as allauth's login leaves it, acting in ``membership``."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
    store.save()
    return store.session_key


def make_sessions(data: BenchData, roles: set[str], per_role: int) -> dict[str, list[str]]:
    """``per_role`` sessions for each role (one per load thread: sessions are saved on every request,
    and one shared row would make the workers wait for each other's row lock)."""
    sessions: dict[str, list[str]] = {ANONYMOUS: []}
    for role in sorted(roles - {ANONYMOUS}):
        membership = ROLES[role](data)
        sessions[role] = [make_session(membership.user, membership) for _ in range(per_role)]
    return sessions


@dataclass
class Probe:
    status: int
    queries: int
    sql: list[str]
    bytes: int
    stable: bool  # the same count on two warm requests


def probe(url: str, session_key: str | None, host: str) -> Probe:
    """Request ``url`` in this process (same settings and database) and count its queries.

    The first request warms per-process caches; the count is from the next two, which must agree.
    """
    client = Client(HTTP_HOST=host)
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        counts.append(ctx)
    last = counts[-1]
    return Probe(
        status=response.status_code,
        queries=len(last.captured_queries),
        sql=[q["sql"] for q in last.captured_queries],
        bytes=len(response.content),
        stable=len(counts[0].captured_queries) == len(last.captured_queries),
    )
