"""Helpers that the browser journeys share: reading text as a person sees it, waiting for htmx, finding
a section or a fact on a page, and reading a PDF the page links to."""

from __future__ import annotations

import io
import re
import time

from pypdf import PdfReader


def normal(text: str) -> str:
    """Text with non-breaking spaces as spaces and every run of whitespace as one space."""
    return " ".join(text.replace("\u00a0", " ").split())


def wait_for_text(page, selector: str, expected: str) -> None:
    """Wait until the element's text, with whitespace normalised, is ``expected`` (htmx updates)."""
    try:
        page.wait_for_function(
            """([selector, expected]) => {
                const el = document.querySelector(selector);
                return el !== null && el.textContent.replace(/\\s+/g, " ").trim() === expected;
            }""",
            arg=[selector, expected],
        )
    except Exception as error:  # a readable failure: what the element said instead
        now = page.locator(selector).all_text_contents()
        raise AssertionError(f"{selector} never read {expected!r}; it reads {[normal(t) for t in now]}") from error


def messages_text(ui) -> str:
    return normal(" ".join(ui.page.locator("main .messages").all_inner_texts()))


def in_section(page, heading: str):
    """The <section> whose heading is ``heading``."""
    return page.locator("main section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def fact(page, term: str, *, within=None) -> str:
    """The text of the <dd> that follows the <dt> reading ``term`` (the first such pair)."""
    scope = within or page.locator("main")
    term_el = scope.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(term)}\s*$")).first
    return normal(term_el.locator("xpath=following-sibling::dd[1]").inner_text())


def fetch_pdf(ui, link) -> bytes:
    """The file behind ``link``, fetched with the browser's session (the letter opens inline)."""
    response = ui.page.request.get(ui.base_url + link.get_attribute("href"))
    assert response.status == 200, f"{link.get_attribute('href')}: {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    return body


def pdf_text(pdf: bytes) -> str:
    return normal("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def log_out(ui) -> None:
    ui.submit(ui.page.locator("header").get_by_role("button", name="Logg ut"))
    assert ui.path == "/konto/login/", ui.page.url


LETTER_WAIT_S = 20


def wait_for_letter_link(ui, path: str, name: str):
    """The decision page's link to the letter, reloading while it is being made (the eager Celery task
    runs after the approval commits, so it is normally there at once)."""
    link = ui.page.get_by_role("link", name=name)
    give_up = time.monotonic() + LETTER_WAIT_S
    while link.count() == 0:
        assert time.monotonic() < give_up, f"no letter after {LETTER_WAIT_S} s:\n{ui.text()}"
        time.sleep(1)
        ui.visit(path)
    return link
