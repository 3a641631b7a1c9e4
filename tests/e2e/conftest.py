"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every page a test reaches goes through ``ui.visit`` or ``ui.submit``, which run axe-core on it and
fail on any accessibility violation, on any JavaScript error and on any Content Security Policy
violation the browser reports.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

from tests import factories as f
from tests.conftest import build_cast
from tests.e2e.axe import check_axe

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test, and runs after all the other tests.

    Once the browser is started, Playwright's event loop runs in the test thread until the session
    ends (see ``browser``), which would break other tests that use ``async_to_sync``.
    """
    here = Path(__file__).parent
    browser_tests, others = [], []
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)
            browser_tests.append(item)
        else:
            others.append(item)
    items[:] = others + browser_tests


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    # Playwright's sync API keeps an event loop running in the test thread, and Django then refuses
    # database access from that thread (SynchronousOnlyOperation). The browser tests need both.
    # Django reads this variable on each database call, so it applies while the browser runs only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def e2e_cast(transactional_db):
    """The fixed cast (see tests.conftest), committed so that the live server sees it."""
    return build_cast()


class UI:
    """One browser tab, and the steps the tests take in it. Every page reached is checked with axe."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type not in ("error", "warning"):
            return
        url = message.location.get("url", "")
        if urlsplit(url).path == "/favicon.ico":  # asked for by the browser where a page links no icon
            return
        self.problems.append(f"console {message.type}: {message.text} ({url})")

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def check(self) -> None:
        """The page as it is now: no console errors (CSP reports land there) and no axe violations."""
        problems, self.problems = self.problems, []
        assert not problems, f"on {self.page.url}:\n" + "\n".join(problems)
        check_axe(self.page)
        assert not self.problems, f"on {self.page.url} (while axe ran):\n" + "\n".join(self.problems)

    def visit(self, path: str, *, expect_status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == expect_status, f"GET {path}: {response.status} at {self.page.url}"
        self.check()
        return response

    def submit(self, button) -> None:
        """Click a submit button, wait for the page it leads to and check that page."""
        with self.page.expect_navigation():
            button.click()
        self.check()

    def heading(self) -> str:
        return self.page.locator("h1").first.inner_text().strip()

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def log_in(self, email: str, *, totp_secret: str | None = None) -> None:
        """Log in through the login page, and through the code step when the user has an authenticator."""
        self.visit("/konto/login/")
        form = self.page.locator("main form[method=post]")
        form.locator("input[name=login]").fill(email)
        form.locator("input[name=password]").fill(f.PASSWORD)
        self.submit(form.locator("button[type=submit]"))
        if totp_secret is not None:
            assert self.path == "/konto/2fa/authenticate/", self.page.url
            self.enter_code(totp_secret)

    def enter_code(self, secret: str) -> None:
        """Enter a current code from the authenticator app on the page's code form."""
        code_input = self.page.locator("main input[name=code]")
        code_input.fill(fresh_totp_code(secret))
        self.submit(code_input.locator("xpath=ancestor::form").locator("button[type=submit]").first)

    def switch_language(self, code: str) -> None:
        """Choose a language in the header's language form (the page stays the same)."""
        before = self.path
        form = self.page.locator("form:has(#language-select)")
        form.locator("#language-select").select_option(code)
        self.submit(form.locator("button[type=submit]"))
        assert self.path == before, f"language switch led from {before} to {self.page.url}"
        assert self.page.locator("html").get_attribute("lang") == code


def fresh_totp_code(secret: str) -> str:
    """A code that stays valid for a few seconds more (the server accepts the current period only)."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    return f.totp_code(secret)


@pytest.fixture
def ui(browser, live_server):
    # An English browser: the portal must still answer in bokmål until the user picks a language.
    context = browser.new_context(locale="en-US", timezone_id="Europe/Oslo")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield UI(page, live_server.url)
    finally:
        context.close()
