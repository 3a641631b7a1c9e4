"""Helpers that the browser journeys share: reading text as a person sees it, and waiting for htmx."""

from __future__ import annotations


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
