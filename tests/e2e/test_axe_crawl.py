"""Accessibility everywhere: every GET URL of the URL × role matrix, as each role that may see it.

The URLs, their sample arguments and who may see them come from the URL matrix
(tests/url_matrix.py, tests/url_matrix_expected.py, tests/url_matrix_samples.py): each role logs in
once (one browser context), then opens every URL whose expected GET answer for that role is 200 and
runs axe-core on it (tests/e2e/axe.py, every rule that is not experimental). Answers that are not
HTML pages (PDF, CSV, XLSX and ZIP files, JSON, JavaScript) are fetched only to check their status.
Every violation on every page is collected, and the test fails listing them all.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from reporting.models import ReminderKind
from reporting.reminder_texts import text_for
from tests.conftest import ROLE_USERS, SECRETS
from tests.e2e.axe import check_axe
from tests.e2e.conftest import TIMEOUT_MS, UI
from tests.url_matrix import ROLES, url_entries
from tests.url_matrix_expected import EXPECTED
from tests.url_matrix_samples import sample_objects, url_for

pytestmark = [pytest.mark.e2e, pytest.mark.crawl]


def restore_reminder_texts() -> None:
    """The reminder texts a data migration made: the flush after an earlier browser test removed them."""
    for kind in ReminderKind.values:
        text = text_for(kind)
        if text.pk is None:
            text.save()


def pages_for(role: str, cast, objects) -> list[tuple[str, str]]:
    """(URL pattern name, URL) of every GET the matrix expects to answer 200 for ``role``."""
    return [
        (entry.key, url_for(entry, cast, objects)) for entry in url_entries() if EXPECTED[entry.key]["GET"][role] == 200
    ]


def log_in(ui, role: str, cast) -> None:
    if role == "anonymous":
        return
    user = getattr(cast, ROLE_USERS[role])
    cache.clear()  # allauth's rate limits and used TOTP codes live in the cache the live server shares
    ui.log_in(user.email, totp_secret=SECRETS.get(ROLE_USERS[role]))
    assert ui.path == "/", f"{user.email} was not let in: {ui.page.url}"


def crawl(ui, pages) -> tuple[list[str], int]:
    """Open each page; return the problems found (wrong status, console errors, axe violations)."""
    problems, checked = [], 0
    for key, url in pages:
        # Ask with the browser's session first: files are not opened as pages (Chromium downloads them).
        answer = ui.page.request.get(ui.base_url + url, max_redirects=0)
        if answer.status != 200:
            problems.append(f"GET {url} [{key}]: {answer.status}, expected 200")
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        response = ui.page.goto(ui.base_url + url)
        if response is None or response.status != 200:
            problems.append(f"GET {url} [{key}]: {response and response.status} in the browser, expected 200")
            continue
        checked += 1
        # Let the scripts the page started on "load" finish (jQuery runs its ready handlers in a timeout).
        ui.page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")
        try:
            ui.check()
        except AssertionError as error:
            problems.append(f"[{key}] {error}")
            ui.problems = []
    return problems, checked


def crawl_as(browser, base_url: str, role: str, cast, pages) -> tuple[list[str], int]:
    """Log ``role`` in once, in a browser context of its own, and crawl ``pages`` there."""
    context = browser.new_context(locale="en-US", timezone_id="Europe/Oslo")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        ui = UI(context.new_page(), base_url)
        log_in(ui, role, cast)
        return crawl(ui, pages)
    finally:
        context.close()


def run_crawl(browser, base_url: str, cast, roles, *, admin: bool) -> None:
    restore_reminder_texts()
    objects = sample_objects(cast)
    problems, summary = [], []
    for role in roles:
        pages = [(key, url) for key, url in pages_for(role, cast, objects) if url.startswith("/admin/") == admin]
        started = time.monotonic()
        found, checked = crawl_as(browser, base_url, role, cast, pages)
        summary.append(f"{role}: {checked} pages checked of {len(pages)} URLs in {time.monotonic() - started:.1f} s")
        assert checked or not pages, f"no page checked as {role}"
        problems += [f"as {role}: {problem}" for problem in found]
    print("axe crawl: " + "; ".join(summary))
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


def test_every_portal_page_each_role_may_see_has_no_axe_violations(browser, live_server, e2e_cast):
    """The portal's own pages (everything outside /admin/), as every role, anonymous included."""
    run_crawl(browser, live_server.url, e2e_cast, ROLES, admin=False)


def test_every_admin_page_has_no_axe_violations(browser, live_server, e2e_cast):
    """The Django admin's pages, as IMDi's admin (the only role let in)."""
    run_crawl(browser, live_server.url, e2e_cast, ["admin"], admin=True)


def test_axe_check_is_live(ui, e2e_cast):
    """The crawl's check fails on a page with a violation (a guard against a check that sees nothing)."""
    ui.visit("/utlysninger/")
    ui.page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    with pytest.raises(AssertionError, match="image-alt"):
        check_axe(ui.page)
