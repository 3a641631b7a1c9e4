"""Fuzzing (issue 17): odd input is never a server error, and nothing is stored that a form would refuse.

As each role, every form the role can reach is found by reading the pages of the URL × role matrix
(tests/url_matrix*.py) and the pages they link to, and is sent values that hypothesis generates:
text from every Unicode category (NUL bytes, right-to-left marks, combining characters), huge, tiny
and negative numbers, digits other than 0-9, long strings, odd dates and overlong ids. Every URL that
takes an id is asked with ids a database cannot hold. No answer may be a 500 (nor an exception the
test client re-raises), and afterwards every row of the portal's own models must pass its own
validation (max_length, choices, validators).

The examples are few per form (tests/fuzzing.py: ``MAX_EXAMPLES``, fewer for the admin's slow pages)
and derandomised, so a CI run is repeatable and takes a few minutes at most; ``FUZZ_EXAMPLES=50``
searches deeper by hand. The sample world (the cast, the matrix's sample objects and a few more
states) is built once for the module; each test runs in its own savepoint on top of it. Each input
the fuzzing found to be a server error is kept below as a plain test.
"""

from __future__ import annotations

import hashlib
import logging
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from grants import services as grant_services
from grants.models import Decision
from portal.middleware import AUDITOR_WRITABLE_URL_NAMES
from reporting.services import repayments
from tests import factories as f
from tests.conftest import ROLE_USERS, build_cast, login
from tests.fuzzing import (
    MAX_EXAMPLES,
    Form,
    FormReader,
    Session,
    fuzz_form,
    page_links,
    stored_row_problems,
    url_name,
)
from tests.grants import helpers_cases as h
from tests.grants.test_allocation_views import accepted
from tests.reporting.helpers import paid_grant
from tests.reporting.test_repayments import approved_with_unused, notice
from tests.reporting.test_review import submitted_report
from tests.url_matrix import ROLES, Redirect, url_entries
from tests.url_matrix_expected import EXPECTED
from tests.url_matrix_samples import sample_kwargs, sample_objects, url_for

ODD_IDS = [0, 2**31, 2**63 - 1, 2**63, 10**25]

# POSTs that are not fuzzed, and why:
# - the logouts (account_logout, admin:logout) end the session and take no input;
# - the admin's delete confirmations (admin:*_delete) have one input, post=yes, and deleting the sample
#   objects would leave the other URLs nothing to work on (their odd ids are asked all the same, in
#   test_ids_no_database_holds_are_never_a_server_error, where no such row exists to delete).
NOT_FUZZED = {"account_logout", "admin:logout"}
ADMIN_NO_FORM = ("_delete", "_history")  # admin pages not crawled: a delete confirmation, a list of changes


def not_fuzzed(name: str) -> bool:
    return name in NOT_FUZZED or (name.startswith("admin:") and name.endswith("_delete"))


# --- The sample world, once for the module ----------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The cast and the matrix's sample objects, built once; rolled back when the module is done.
    Each test's own ``db`` savepoint sits on top, so every test starts from the same world."""
    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:  # the samples' letters and receipts: not what is fuzzed
            patch.setattr("portal.pdf.HTML", QuickPDF)
            cast = build_cast()
            objects = sample_objects(cast)
            more_states(cast)
        yield SimpleNamespace(cast=cast, objects=objects)
        transaction.set_rollback(True)


class QuickPDF:
    """Stands in for WeasyPrint while the sample world is built: a tiny PDF of its own for each document
    (two dozen letters and receipts would otherwise take half the time the fuzzing may have)."""

    def __init__(self, *, string: str, **kwargs):
        self.string = string

    def write_pdf(self, **kwargs) -> bytes:
        return f.TINY_PDF + hashlib.sha256(self.string.encode()).hexdigest().encode()


def more_states(cast) -> None:
    """County A's applications, cases, decisions, reports and claims in the states whose forms the
    matrix's samples do not show (each in a call of its own), so that the crawl finds those forms too."""

    # County A gets grants in more calls of one scheme than the four funded years R16 allows: these calls
    # allow longer projects (the rule counts the years against the call's maximum).
    def new_call():
        return f.make_call(cast.scheme, eligible=[cast.county_a], max_project_years=20)

    def case():
        return h.submitted_case(cast, call=new_call())

    waiting = f.make_application(new_call(), cast.staff_a)  # sent, waiting for the director's confirmation
    grant_services.application_send(actor=f.actor_for(cast.staff_a), application_id=waiting.pk)
    f.make_application(new_call(), cast.staff_a)  # complete: the county may send it
    h.impartial(cast, case())  # the caseworker assesses it
    h.assessed(cast, case())  # the caseworker allocates and proposes
    h.proposed(cast, case(), user=cast.caseworker2)  # the caseworker approves or returns the proposal
    h.issued(h.decided(cast, case(), kind=Decision.Kind.DISMISSAL))  # the county appeals, IMDi registers one
    accepted(cast, h.decided(cast, case()))  # the caseworker registers a payment
    submitted_report(paid_grant(cast, call=new_call()))  # the caseworker approves or returns the report
    notice(cast, approved_with_unused(cast, call=new_call()))  # the county comments on the notice
    claim = notice(cast, approved_with_unused(cast, call=new_call()))
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Ingen merknader.")


@pytest.fixture(autouse=True)
def quiet_4xx(caplog):
    """Thousands of refused requests: only the server errors (ERROR) are logged."""
    caplog.set_level(logging.ERROR, logger="django.request")


def user_of(world, role: str):
    return None if role == "anonymous" else getattr(world.cast, ROLE_USERS[role])


def may_post(role: str, name: str | None) -> bool:
    """The table says the role's POST reaches the view: an answer, or a redirect that is not to login."""
    if name not in EXPECTED:
        return False
    expected = EXPECTED[name]["POST"][role]
    if isinstance(expected, Redirect):
        return expected.path not in ("/konto/login/", "/admin/login/")
    return expected < 403


def may_get(role: str, name: str | None) -> bool:
    return name in EXPECTED and EXPECTED[name]["GET"][role] == 200


def crawl(session: Session, role: str, world) -> tuple[list[Form], list[str]]:
    """Every form on the role's pages: the matrix's pages, and the pages they link to (a few of each kind)."""
    problems, forms, seen, per_name = [], [], set(), {}
    queue = [url_for(e, world.cast, world.objects) for e in url_entries() if may_get(role, e.key)]
    while queue:
        url = queue.pop(0)
        name = url_name(url)
        if url in seen or not may_get(role, name) or per_name.get(name, 0) >= 6 or name.endswith(ADMIN_NO_FORM):
            continue
        seen.add(url)
        per_name[name] = per_name.get(name, 0) + 1
        response, problem = session.send("get", url)
        if problem:
            problems.append(f"GET {url} as {role}: {problem}")
        if response is None or response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        reader = FormReader(url)
        reader.feed(html)
        forms += reader.targets()
        if not name.startswith("admin:"):  # the admin's own pages are all in the matrix
            queue += [link for link in page_links(html, url) if urlsplit(link).path.startswith("/")]
    return forms, problems


def fuzz_targets(forms: list[Form], role: str) -> dict[tuple[str, str], Form]:
    """The forms to fuzz, one per (method, URL), with the fields of every form sent there."""
    targets: dict[tuple[str, str], Form] = {}
    for form in forms:
        parts = urlsplit(form.action)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        name = url_name(url)
        if name is None or not_fuzzed(name):
            continue
        if form.method == "post" and not may_post(role, name):
            continue
        target = targets.setdefault((form.method, url), Form(form.method, url, hx=form.hx))
        for key, item in form.fields.items():
            target.fields.setdefault(key, item)
    # The same form on several objects (a case's declaration on four cases) is fuzzed on the first.
    kinds: dict[tuple, tuple[str, str]] = {}
    for (method, url), target in sorted(targets.items()):
        kinds.setdefault((method, url_name(url), frozenset(target.fields)), (method, url))
    return {key: targets[key] for key in kinds.values()}


def posted_forms(session: Session, role: str, world, targets) -> tuple[list[Form], list[str]]:
    """For each URL the role may post to that no page showed a form for (the samples are not in the
    state that shows it), an empty POST: the forms on its answer (the form with its errors)."""
    reached = {url_name(url) for _, url in targets}
    forms, problems = [], []
    for entry in url_entries():
        if entry.key in reached or not may_post(role, entry.key) or not_fuzzed(entry.key):
            continue
        url = url_for(entry, world.cast, world.objects)
        response, problem = session.send("post", url)
        if problem:
            problems.append(f"POST {url} as {role}: {problem}")
        if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
            reader = FormReader(url)
            reader.feed(response.content.decode())
            forms += [form for form in reader.targets() if url_name(form.action) == entry.key]
    return forms, problems


# --- The tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_form_answers_generated_input_without_a_server_error(world, db, client, role):
    started = time.process_time()
    session = Session(client, user_of(world, role))
    forms, problems = crawl(session, role, world)
    targets = fuzz_targets(forms, role)
    forms, found = posted_forms(session, role, world, targets)
    problems += found
    targets.update({k: v for k, v in fuzz_targets(forms, role).items() if k not in targets})
    for (method, url), form in sorted(targets.items()):
        problem = fuzz_form(session, form)
        if problem:
            problems.append(f"{method.upper()} {url} [{url_name(url)}] as {role}: {problem}")
    problems += stored_row_problems()
    reached = {url_name(url) for _, url in targets}
    empty_only = sorted(
        e.key for e in url_entries() if may_post(role, e.key) and e.key not in reached and not not_fuzzed(e.key)
    )
    print(
        f"\n{role}: {len(targets)} forms × ≤{MAX_EXAMPLES} examples, {session.requests} requests, "
        f"{time.process_time() - started:.1f} s CPU; posted empty (no form in these states): {empty_only}"
    )
    assert targets, f"no form found for {role}"
    assert not problems, f"{len(problems)} problems as {role}:\n" + "\n\n".join(problems)


def id_params(entry) -> list[str]:
    pattern = entry.pattern.pattern
    if not isinstance(pattern, RoutePattern):
        return []
    return [
        name
        for name, converter in pattern.converters.items()
        if isinstance(converter, IntConverter) or name.endswith("id")  # the admin's object_id, id
    ]


def methods_reaching_view(role: str, name: str) -> list[str]:
    """The methods whose request gets to where the view reads its ids: not sent to login first (by
    LoginRequiredMiddleware or the admin's own check), not refused for the method (405) or for an
    auditor's write, not a logout."""
    logins = ("/konto/login/", "/admin/login/")
    methods = []
    for method in ("GET", "POST"):
        expected = EXPECTED[name][method][role]
        if isinstance(expected, Redirect) and expected.path in logins or expected == 405:
            continue
        if method == "POST" and (name in NOT_FUZZED or role == "auditor" and name not in AUDITOR_WRITABLE_URL_NAMES):
            continue  # the auditor's POSTs: refused by AuditorReadOnlyMiddleware before any view
        methods.append(method.lower())
    return methods


def url_with(entry, kwargs: dict) -> str:
    if entry.named:
        return reverse(entry.key, kwargs=kwargs)
    return "/" + entry.route.replace("<path:object_id>", str(kwargs["object_id"]))


@pytest.mark.parametrize("role", ROLES)
def test_ids_no_database_holds_are_never_a_server_error(world, db, client, role):
    started = time.process_time()
    session = Session(client, user_of(world, role))
    problems = []
    for entry in url_entries():
        names = id_params(entry)
        if not names:
            continue
        kwargs = sample_kwargs(entry, world.cast, world.objects)
        for name in names:
            for odd in ODD_IDS:
                url = url_with(entry, {**kwargs, name: odd})
                for method in methods_reaching_view(role, entry.key):
                    problem = session.send(method, url)[1]
                    if problem:
                        problems.append(f"{method.upper()} {url} [{entry.key}] as {role}: {problem}")
    print(f"\n{role}: {session.requests} requests, {time.process_time() - started:.1f} s CPU")
    assert session.requests > 0
    assert not problems, f"{len(problems)} server errors as {role}:\n" + "\n\n".join(problems)


def test_the_stored_row_check_finds_a_value_no_form_would_take(world, db, monkeypatch):
    from portal.models import Delegation, Organisation

    assert stored_row_problems() == []
    Organisation.objects.filter(pk=world.cast.county_b.pk).update(orgnr="123456789")  # the check digit is wrong
    # A text field's max_length, which Django itself does not check on a model (here made small).
    monkeypatch.setattr(Delegation._meta.get_field("reason"), "max_length", 10)
    Delegation.objects.filter(pk=world.cast.delegation_a.pk).update(reason="x" * 11)
    problems = stored_row_problems()
    assert any(p.startswith(f"portal.Organisation {world.cast.county_b.pk}: {{'orgnr'") for p in problems), problems
    assert f"portal.Delegation {world.cast.delegation_a.pk}: reason has 11 > 10" in problems, problems


# --- What the fuzzing found: each input, as a plain test -----------------------------------------


@pytest.fixture
def cast(world, db):
    """In this module the cast is the sample world's (built once), not one of its own per test."""
    return world.cast


@pytest.mark.parametrize("odd", [str(10**25), str(2**63), "²", "2025-01-01"])
def test_following_a_call_by_an_id_no_database_holds_is_refused_on_the_page(client, cast, odd):
    """On SQLite an id past a bigint in the calls one follows was a server error (OverflowError)."""
    from grants.models import CallFollow

    followed = set(CallFollow.objects.filter(user=cast.caseworker).values_list("call_id", flat=True))
    other_call = f.make_call(cast.scheme)
    login(client, cast.caseworker)
    response = client.post("/imdi/varsler/", {"choice": "immediately", "calls": [str(other_call.pk), odd]})
    assert response.status_code == 200
    assert "er ikke en gyldig verdi" in response.content.decode()
    assert set(CallFollow.objects.filter(user=cast.caseworker).values_list("call_id", flat=True)) == followed


# The admin: Django's admin reads the ids a form posts back before it has checked them (the fix:
# portal/admin.py, WholeIds and AuditedAdmin.response_action).


def test_an_admin_action_on_rows_named_by_odd_ids_changes_nothing(client, cast):
    from portal.models import Organisation

    login(client, cast.admin)
    before = Organisation.objects.count()
    response = client.post(
        "/admin/portal/organisation/",
        {"action": "delete_selected", "index": "0", "_selected_action": ["2025-01-01", "²", str(10**25)]},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/portal/organisation/"
    assert Organisation.objects.count() == before


@pytest.mark.parametrize("odd", ["Ⅻ", "²", "2025-01-01", str(10**25)])
def test_the_admins_membership_form_with_an_odd_user_id_shows_its_errors(client, cast, odd):
    from portal.models import Membership

    login(client, cast.admin)
    before = Membership.objects.count()
    response = client.post("/admin/portal/membership/add/", {"user": odd, "organisation": odd, "role": "county_staff"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"user", "organisation"}
    assert Membership.objects.count() == before


def test_the_admins_call_form_with_an_organisation_id_no_database_holds_shows_its_errors(client, cast):
    login(client, cast.admin)
    response = client.post("/admin/grants/call/add/", {"eligible_organisations": [str(10**25)]})
    assert response.status_code == 200
    assert "eligible_organisations" in response.context["adminform"].form.errors


@pytest.mark.parametrize(("query", "found"), [("\x00", True), ("IMDi\x00", True), ("a\x00b", False)])
def test_a_nul_in_the_audit_log_search_is_left_out_not_a_server_error(client, cast, query, found):
    """On PostgreSQL a NUL in the search was a server error (text cannot hold one)."""
    from portal.models import AuditEvent

    AuditEvent.objects.create(action="test.event", object_repr="IMDi-hendelse")
    login(client, cast.auditor)
    response = client.get("/hendelseslogg/", {"q": query})
    assert response.status_code == 200
    assert ("IMDi-hendelse" in response.content.decode()) == found


@pytest.mark.parametrize("rows", ["5000", "1" * 4000])
def test_a_budget_posted_with_thousands_of_rows_builds_at_most_two_hundred(client, cast, rows):
    """TOTAL_FORMS=5000 built and showed 1,200 budget lines (Django's default cap): seconds of work."""
    draft = f.make_application(f.make_call(cast.scheme, eligible=[cast.county_a]), cast.staff_a, complete=False)
    login(client, cast.staff_a)
    data = {"version": "0", "lines-TOTAL_FORMS": rows, "lines-INITIAL_FORMS": "0", "lines-0-description": "Lærer"}
    response = client.post(f"/soknader/{draft.pk}/del/budsjett/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('name="lines-') <= 4 + 200 * 4  # the management form, and four inputs a row
    assert "maks 200 skjemaer" in page
    assert not draft.budget_lines.exists()
