"""Accessibility everywhere: every GET URL of the URL × role matrix, as each role that may see it.

The URLs, their sample arguments and who may see them come from the URL matrix
(tests/url_matrix.py, tests/url_matrix_expected.py, tests/url_matrix_samples.py): each role logs in
once and opens every URL whose expected GET answer for that role is 200 and runs axe-core on it
(tests/e2e/axe.py, every rule that is not experimental). Answers that are not HTML pages (PDF, CSV,
XLSX and ZIP files, JSON, JavaScript) are only checked for their status. Every violation and every
console error (CSP reports land there) on every page is collected, and the test fails listing them all.

To stay quick enough for `make test`, a role keeps a few pages busy at once, each in a browser context
of its own that shares the role's session: while axe runs on one page, the next page loads in another.
axe-core is added to each page as it opens (``install_axe``). IMDi's admin logs in through the login
pages and the code step (which are checked with axe on the way); the other roles get a session from
Django's test client, as the URL matrix does.

The admin's widgets that its scripts open on a click (calendar, clock, autocomplete list, an inline's
new row) are opened and checked too. `make crawl` runs this module alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from reporting.models import ReminderKind
from reporting.reminder_texts import text_for
from tests.conftest import ROLE_USERS, SECRETS, login
from tests.e2e.axe import axe_violations, check_axe, format_violations, install_axe, start_axe
from tests.e2e.conftest import TIMEOUT_MS, UI
from tests.url_matrix import ROLES, url_entries
from tests.url_matrix_expected import EXPECTED
from tests.url_matrix_samples import sample_objects, url_for

pytestmark = [pytest.mark.e2e, pytest.mark.crawl]

TABS = 3  # pages of one role open at once (each in a context of its own): one runs axe while the next loads
LOGS_IN_THROUGH_PAGES = "admin"  # the role that logs in as a person does (login page, code step)


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


def log_in(context, ui: UI, role: str, cast) -> None:
    if role == "anonymous":
        return
    user = getattr(cast, ROLE_USERS[role])
    if role == LOGS_IN_THROUGH_PAGES:
        cache.clear()  # allauth's rate limits and used TOTP codes live in the cache the live server shares
        ui.log_in(user.email, totp_secret=SECRETS.get(ROLE_USERS[role]))
        assert ui.path == "/", f"{user.email} was not let in: {ui.page.url}"
        return
    add_session(context, ui.base_url, user)


def add_session(context, base_url: str, user) -> None:
    """Log ``user`` in as the URL matrix does (Django's test client), and give the browser the session."""
    session = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def new_context(browser):
    """A browser context as the other browser tests have it, where axe-core runs on every page it opens."""
    context = browser.new_context(locale="en-US", timezone_id="Europe/Oslo")
    context.set_default_timeout(TIMEOUT_MS)
    install_axe(context, run_on_load=True)
    return context


@dataclass
class Tab:
    """A browser tab of the role's, and the page axe is running on there (if any)."""

    ui: UI
    running: tuple[str, str] | None = None


class Crawl:
    def __init__(self, files: set[str] | None = None) -> None:
        self.problems: list[str] = []
        self.checked = 0
        # URL names that answer with a file (PDF, CSV, XLSX, ZIP) or data (JSON, JavaScript), not a page:
        # learnt on the first visit, then only fetched. Chromium downloads most files rather than open them.
        self.files = set() if files is None else files

    def open(self, tab: Tab, key: str, url: str) -> None:
        """Open the URL in ``tab`` and check its answer; axe starts on an HTML page once it has settled
        (``install_axe(run_on_load=True)``), and ``finish`` collects what it found."""
        ui = tab.ui
        if key in self.files:
            self.fetch(ui, key, url)
            return
        try:
            # Handed over once the answer is in; the page goes on loading while the next one is opened.
            response = ui.page.goto(ui.base_url + url, wait_until="commit")
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            self.files.add(key)
            self.fetch(ui, key, url)
            return
        if response is None or response.status != 200 or response.request.redirected_from is not None:
            answer = f"{response.status} at {response.url}" if response is not None else "no answer"
            self.problems.append(f"GET {url} [{key}]: {answer}, expected 200 at the URL itself")
        elif response.headers.get("content-type", "").startswith("text/html"):
            tab.running = (key, url)
        else:
            self.files.add(key)

    def fetch(self, ui: UI, key: str, url: str) -> None:
        """Ask for a file with the browser's session, and check only its status."""
        answer = ui.page.request.get(ui.base_url + url, max_redirects=0)
        if answer.status != 200:
            self.problems.append(f"GET {url} [{key}]: {answer.status}, expected 200")

    def finish(self, tab: Tab) -> None:
        """Collect axe's violations and the console errors (CSP reports land there) of the tab's page."""
        if tab.running is None:
            return
        (key, url), tab.running = tab.running, None
        ui = tab.ui
        try:
            violations = axe_violations(ui.page)
        except PlaywrightError as error:  # the page went elsewhere, or its scripts broke axe
            self.problems.append(f"GET {url} [{key}]: axe did not finish at {ui.page.url}: {error}")
            ui.problems = []
            return
        problems, ui.problems = ui.problems, []
        self.checked += 1
        if problems:
            self.problems.append(f"[{key}] on {ui.page.url}:\n" + "\n".join(problems))
        if violations:
            self.problems.append(f"[{key}] " + format_violations(ui.page.url, violations))

    def run(self, tabs: list[Tab], pages) -> None:
        for number, (key, url) in enumerate(pages):
            tab = tabs[number % len(tabs)]
            self.finish(tab)
            self.open(tab, key, url)
        for tab in tabs:
            self.finish(tab)


def crawl_as(tabs: list[Tab], role: str, cast, pages, files: set[str]) -> tuple[list[str], int]:
    """Log ``role`` in once, give every tab's context the session, and crawl ``pages`` there."""
    contexts = [tab.ui.page.context for tab in tabs]
    for context in contexts:
        context.clear_cookies()  # the previous role's session, CSRF and language cookies
    log_in(contexts[0], tabs[0].ui, role, cast)
    for context in contexts[1:]:
        context.add_cookies(contexts[0].cookies())
    crawl = Crawl(files)
    crawl.run(tabs, pages)
    return crawl.problems, crawl.checked


def test_every_page_each_role_may_see_has_no_axe_violations(browser, live_server, e2e_cast):
    """The portal's pages as every role, anonymous included, and the Django admin's pages as IMDi's admin."""
    restore_reminder_texts()
    objects = sample_objects(e2e_cast)
    problems, summary, total, files = [], [], 0, set()
    started = time.monotonic()
    # One page per context: Chromium gives the renderer of a context's only page the priority of a page
    # in front, and a context's other tabs a lower one. The contexts go from role to role (the portal keeps
    # nothing in the browser but cookies), which spares a fresh renderer and cache for each role.
    contexts = [new_context(browser) for _ in range(TABS)]
    try:
        tabs = [Tab(UI(context.new_page(), live_server.url)) for context in contexts]
        for role in ROLES:
            pages = pages_for(role, e2e_cast, objects)
            role_started = time.monotonic()
            found, checked = crawl_as(tabs, role, e2e_cast, pages, files)
            summary.append(f"{role}: {checked} pages of {len(pages)} URLs in {time.monotonic() - role_started:.0f} s")
            assert checked or not pages, f"no page checked as {role}"
            problems += [f"as {role}: {problem}" for problem in found]
            total += checked
    finally:
        for context in contexts:
            context.close()
    print(f"axe crawl: {total} pages × roles in {time.monotonic() - started:.0f} s ({'; '.join(summary)})")
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


def axe_now(ui: UI, what: str) -> list[str]:
    """axe's violations and the console errors on the page as it is now, once its handlers have run."""
    start_axe(ui.page, settle=True)
    violations = axe_violations(ui.page)
    problems, ui.problems = ui.problems, []
    found = [f"{what}: " + format_violations(ui.page.url, violations)] if violations else []
    return found + [f"{what}: {problem}" for problem in problems]


def test_admin_widgets_have_no_axe_violations_when_open(browser, live_server, e2e_cast):
    """What the crawl's GETs do not show: the admin's calendar, clock and autocomplete list opened, and
    the rows an inline adds (each is built by the admin's scripts)."""
    context = new_context(browser)
    add_session(context, live_server.url, e2e_cast.admin)
    ui = UI(context.new_page(), live_server.url)
    page, found = ui.page, []
    try:
        page.goto(f"{live_server.url}/admin/grants/call/{e2e_cast.call.pk}/change/")
        add_rows = page.locator(".add-row a")
        assert add_rows.count() >= 2, "the call's inlines offer no 'add another' link"
        for number in range(add_rows.count()):
            add_rows.nth(number).click()
        found += axe_now(ui, "call with a row added to each inline")
        for shortcut in ("calendarlink", "clocklink"):
            page.locator(f"a[id^={shortcut}]").first.click()
            found += axe_now(ui, f"call with its first {shortcut} open")
            page.locator("#content h1").click()  # a click elsewhere closes it
        page.goto(f"{live_server.url}/admin/portal/membership/add/")
        page.locator("#id_user + .select2 .select2-selection").click()
        page.locator(".select2-results__option", has_text=e2e_cast.staff_a.full_name).wait_for()
        found += axe_now(ui, "membership with the user list open")
    finally:
        context.close()
    assert not found, "\n\n".join(found)


# Adds an image without a text alternative to the page once its "load" handlers have run.
IMAGE_AFTER_LOAD = """window.addEventListener("load", () => setTimeout(() => document.querySelector("main")
    .insertAdjacentHTML("beforeend", '<img src="/static/portal/favicon.svg">'), 0));"""


def test_axe_check_is_live(browser, ui, e2e_cast):
    """The checks fail on a page with a violation (a guard against a check that sees nothing): check_axe
    on the page as it is, and the crawl on a page that gets its fault from a script run on "load" and
    on a URL that redirects."""
    ui.visit("/utlysninger/")
    ui.page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    with pytest.raises(AssertionError, match="image-alt"):
        check_axe(ui.page)

    context = new_context(browser)
    context.add_init_script(script=IMAGE_AFTER_LOAD)
    try:
        crawl = Crawl()
        # The dashboard sends an anonymous visitor to the login page: not the 200 the crawl expects.
        crawl.run([Tab(UI(context.new_page(), ui.base_url))], [("call_list", "/utlysninger/"), ("dashboard", "/")])
    finally:
        context.close()
    assert crawl.checked == 1
    assert len(crawl.problems) == 2, crawl.problems
    assert crawl.problems[0].startswith("[call_list] axe found") and "image-alt" in crawl.problems[0]
    assert crawl.problems[1].startswith("GET / [dashboard]: 200 at ") and "/konto/login/" in crawl.problems[1]
