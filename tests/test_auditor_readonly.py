"""Auditors read everything and change nothing (R23): every unsafe request an auditor makes, to
any URL of the portal, is refused with a 403 and leaves the database as it was, except the few
pages about their own account (portal.middleware.AUDITOR_WRITABLE_URL_NAMES). The pages they
read show them no form they could not send."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse
from django.urls.resolvers import RegexPattern

from grants import services
from grants.models import Decision
from portal.middleware import AUDITOR_WRITABLE_URL_NAMES
from portal.models import AuditEvent, Membership, Role
from portal.uploads import check_upload
from tests import factories as f
from tests.conftest import SECRETS, login
from tests.grants import helpers_cases as h
from tests.reporting.test_casefile import followed_up
from tests.url_matrix import Entry, param_names, url_entries

REFUSAL = "Revisorer kan lese alt, men ikke endre noe."


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth's rate limits and used TOTP codes live in the cache
    yield
    cache.clear()


@pytest.fixture
def samples(cast) -> dict:
    """A case with everything an auditor may try to change: a paid grant with its report,
    accounts and repayment claim; a dismissal with an appeal; a county's draft application."""
    objects = followed_up(cast)
    dismissal = h.decided(
        cast,
        h.submitted_case(cast, call=f.make_call(cast.scheme, eligible=[cast.county_a])),
        kind=Decision.Kind.DISMISSAL,
    )
    h.issued(dismissal)
    upload = f.pdf_upload("klage.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=dismissal.pk,
        reasons="Søknaden kom inn i tide.",
        files=[(upload, check_upload(upload))],
    )
    objects.update(
        appeal=appeal,
        dismissal=dismissal,
        draft=f.make_application(f.make_call(cast.scheme, eligible=[cast.county_a]), cast.staff_a, complete=False),
    )
    return objects


# Which object a URL's <pk> is, by where the URL starts; other parameters by their name.
PK_BY_PREFIX = [
    ("fullmakter/", lambda c, o: c.delegation_a.pk),
    ("utlysninger/", lambda c, o: c.call.pk),
    ("imdi/utlysninger/", lambda c, o: o["case"].call_id),
    ("imdi/saker/", lambda c, o: o["case"].pk),
    ("imdi/vedtak/", lambda c, o: o["decision"].pk),
    ("imdi/klager/", lambda c, o: o["appeal"].pk),
    ("soknader/", lambda c, o: o["case"].application_id),
]
BY_NAME = {
    "decision_pk": lambda c, o: o["decision"].pk,
    "appeal_pk": lambda c, o: o["appeal"].pk,
    "attachment_pk": lambda c, o: o["appeal"].attachments.get().pk,
    "agreement_pk": lambda c, o: o["case"].application.agreements.first().pk,
    "report_pk": lambda c, o: o["report"].pk,
    "claim_pk": lambda c, o: o["claim"].pk,
    "number": lambda c, o: 1,
    "section": lambda c, o: "prosjekt",
    "key": lambda c, o: "ugyldig-nokkel",
    "uidb36": lambda c, o: "zz",
    "app_label": lambda c, o: "portal",
}
UNNAMED_REGEX_URLS = {"admin/(?P<url>.*)$": "/admin/finnes-ikke/"}


def sample_value(entry: Entry, name: str, cast, objects):
    if "klage" in entry.route and entry.route.startswith("soknader/") and name in ("pk", "decision_pk"):
        dismissal = objects["dismissal"]  # the county's appeal pages are on the dismissal
        return dismissal.case.application_id if name == "pk" else dismissal.pk
    if name in BY_NAME:
        return BY_NAME[name](cast, objects)
    converter = getattr(entry.pattern.pattern, "converters", {}).get(name)
    kind = type(converter).__name__ if converter is not None else "StringConverter"
    if kind == "IntConverter":
        for prefix, value in sorted(PK_BY_PREFIX, key=lambda p: -len(p[0])):
            if entry.route.startswith(prefix):
                return value(cast, objects)
        return objects["case"].pk  # a new URL we have no better guess for: any existing id will do
    if kind == "UUIDConverter":
        return uuid.uuid4()
    return "1" if name in ("object_id", "id", "content_type_id") else "x"


def sample_url(entry: Entry, cast, objects) -> str:
    if entry.key in UNNAMED_REGEX_URLS:
        return UNNAMED_REGEX_URLS[entry.key]
    kwargs = {name: sample_value(entry, name, cast, objects) for name in param_names(entry)}
    if entry.named:
        return reverse(entry.key, kwargs=kwargs)
    if isinstance(entry.pattern.pattern, RegexPattern):
        raise AssertionError(f"Unnamed regex pattern {entry.key!r}: give it a URL in UNNAMED_REGEX_URLS.")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), entry.route)


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table, but the sessions (requests renew the session's expiry: the idle
    clock, portal/idle.py, by design)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model is not Session
    }


def test_allowlist_names_only_urls_that_exist():
    keys = {entry.key for entry in url_entries()}
    assert keys >= AUDITOR_WRITABLE_URL_NAMES, AUDITOR_WRITABLE_URL_NAMES - keys


def test_auditor_post_to_every_url_is_refused_and_changes_nothing(client, cast, samples):
    login(client, cast.auditor)
    before = database_rows()
    events = AuditEvent.objects.count()
    problems, tried = [], 0
    for entry in url_entries():
        if entry.key in AUDITOR_WRITABLE_URL_NAMES:
            continue
        url = sample_url(entry, cast, samples)
        tried += 1
        response = client.post(url, {"confirm": "1", "amount": "1", "reasons": "x", "note": "x"})
        if response.status_code != 403:
            problems.append(f"POST {url} [{entry.key}]: {response.status_code}, expected 403")
        elif REFUSAL not in response.content.decode():
            problems.append(f"POST {url} [{entry.key}]: 403 without saying why")
    assert not problems, f"{len(problems)} of {tried} POSTs by the auditor were not refused:\n" + "\n".join(problems)
    assert tried > 100  # the whole URLconf was walked, the admin's pages included
    assert AuditEvent.objects.count() == events
    after = database_rows()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"the auditor's refused POSTs changed rows in {changed}"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_auditor_other_unsafe_methods_are_refused(client, cast, samples, method):
    login(client, cast.auditor)
    before = database_rows()
    for url in [
        reverse("case_assign", args=[samples["case"].pk]),
        reverse("decision_approve", args=[samples["decision"].pk]),
        reverse("delegation_revoke", args=[cast.delegation_a.pk]),
        reverse("case_detail", args=[samples["case"].pk]),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert REFUSAL in response.content.decode()
    assert database_rows() == before


def test_auditor_may_still_act_as_a_person(client, cast, samples):
    login(client, cast.auditor)
    membership = cast.auditor.memberships.get()
    answers = {
        "choose_role": client.post(reverse("choose_role"), {"membership": membership.pk}),
        "session_extend": client.post(reverse("session_extend")),
        "set_language": client.post(reverse("set_language"), {"language": "nn", "next": "/"}),
        "account_change_password": client.post(reverse("account_change_password"), {}),
        "account_reauthenticate": client.post(reverse("account_reauthenticate"), {}),
        "mfa_reauthenticate": client.post(reverse("mfa_reauthenticate"), {}),
    }
    refused = {name: r.status_code for name, r in answers.items() if r.status_code == 403}
    assert not refused, refused
    assert answers["choose_role"].status_code == 302
    assert client.session["portal.membership_id"] == membership.pk
    assert answers["session_extend"].json()["expires_in"] > 0
    assert client.cookies["django_language"].value == "nn"
    logout = client.post(reverse("account_logout"))
    assert logout.status_code == 302 and logout["Location"] == reverse("account_login")
    assert client.get(reverse("dashboard")).status_code == 302  # logged out


def test_auditor_logs_in_with_password_and_second_factor(client, cast):
    """Login and the second factor come before a membership is active: the refusal does not reach them."""
    response = client.post(reverse("account_login"), {"login": "auditor@example.org", "password": f.PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": f.totp_code(SECRETS["auditor"])})
    assert response.status_code == 302
    assert client.get(reverse("case_list")).status_code == 200


def test_views_refuse_the_auditor_without_the_middleware_too(client, cast, samples):
    """Defence in depth: the views' own checks still refuse an auditor's writes."""
    middleware = [m for m in settings.MIDDLEWARE if m != "portal.middleware.AuditorReadOnlyMiddleware"]
    login(client, cast.auditor)
    before = database_rows()
    with override_settings(MIDDLEWARE=middleware):
        for url in [
            reverse("case_assign", args=[samples["case"].pk]),
            reverse("decision_approve", args=[samples["decision"].pk]),
            reverse("payment_create", args=[samples["decision"].pk]),
            reverse("appeal_forward", args=[samples["appeal"].pk]),
            reverse("letter_retry", args=[samples["decision"].pk]),
            reverse("delegation_revoke", args=[cast.delegation_a.pk]),
        ]:
            assert client.post(url, {}).status_code == 403, url
    assert database_rows() == before


def test_auditor_who_also_holds_another_role_writes_in_that_role(client, cast, samples):
    """The refusal follows the active role, not the person: switching to caseworker lifts it."""
    other = Membership.objects.create(user=cast.auditor, organisation=cast.imdi, role=Role.CASEWORKER)
    login(client, cast.auditor, membership=cast.auditor.memberships.get(role=Role.AUDITOR))
    url = reverse("case_assign", args=[samples["dismissal"].case_id])
    assert client.post(url, {"assignee": cast.caseworker2.pk}).status_code == 403
    login(client, cast.auditor, membership=other)
    assert client.post(url, {"assignee": cast.caseworker2.pk}).status_code != 403


# --- What the auditor sees --------------------------------------------------------------------


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.posts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.posts.append(attrs.get("action") or "")


def post_forms(url: str, html: str) -> list[tuple[str, str]]:
    """The POST forms on a page, as (action, URL name)."""
    parser = Forms()
    parser.feed(html)
    found = []
    for action in parser.posts:
        path = urlsplit(action).path or urlsplit(url).path
        try:
            name = resolve(path).view_name
        except Resolver404:
            name = "?"
        found.append((action or url, name))
    return found


def test_pages_the_auditor_reads_show_no_form_they_could_not_send(client, cast, samples):
    login(client, cast.auditor)
    problems, read = [], []
    for entry in url_entries():
        if entry.key.startswith("admin:") or entry.route.startswith("admin/") or entry.key == "account_logout":
            continue
        url = sample_url(entry, cast, samples)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read.append(entry.key)
        for action, name in post_forms(url, response.content.decode()):
            if name not in AUDITOR_WRITABLE_URL_NAMES:
                problems.append(f"{entry.key} ({url}) shows a form to {action} [{name}]")
    for key in ("case_list", "case_detail", "case_assess", "allocation", "decision_detail", "appeal_detail"):
        assert key in read, f"the auditor could not read {key}"
    assert not problems, "\n".join(problems)


def test_form_check_sees_the_forms_a_caseworker_is_shown(client, cast):
    """The check above can fail: on the same page a caseworker is shown the assignment form."""
    case = h.submitted_case(cast, call=f.make_call(cast.scheme, eligible=[cast.county_a]))
    url = reverse("case_detail", args=[case.pk])
    login(client, cast.caseworker)
    names = [name for _action, name in post_forms(url, client.get(url).content.decode())]
    assert "case_assign" in names
    login(client, cast.auditor)
    names = [name for _action, name in post_forms(url, client.get(url).content.decode())]
    assert "case_assign" not in names and set(names) <= AUDITOR_WRITABLE_URL_NAMES
