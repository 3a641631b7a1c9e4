"""Run axe-core on the page a browser test is looking at, and fail readably on any violation.

``check_axe(page)`` runs axe on the page as it is and waits for it. The crawl
(tests/e2e/test_axe_crawl.py) keeps several pages busy at once: ``install_axe`` adds axe-core to every
page of a browser context as it opens (and may start a run once each has loaded), ``start_axe`` starts
a run without waiting, and ``axe_violations`` waits for the page's latest run and returns its violations.
"""

from __future__ import annotations

import json

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
# Every axe rule that is not experimental: the WCAG 2.x A/AA rules and axe's best practices.
_OPTIONS = {"resultTypes": ["violations"]}

# A run's violations are kept in the page (a promise) until axe_violations asks for them. A run starts
# after the page's previous one (axe runs one at a time). "Settled": the page has loaded (within the
# browser tests' 10 s, as a page.goto would wait) and the scripts it started on "load" have run (jQuery
# runs its ready handlers in a timeout).
_SETTLED = """new Promise((done, fail) => {
        if (document.readyState === "complete") return done();
        window.addEventListener("load", done, {once: true});
        setTimeout(() => fail(new Error("the page did not finish loading in 10 s")), 10000);
    })
    .then(() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0))))"""
_START = f"""([options, settle]) => {{
    const previous = window.__axeViolations ? window.__axeViolations.catch(() => null) : Promise.resolve();
    window.__axeViolations = previous
        .then(() => settle ? {_SETTLED} : null)
        .then(() => axe.run(options))
        .then(results => results.violations);
}}"""
# The same as start_axe(settle=True) at the start of each new document (top frame, not about:blank).
_RUN_ON_LOAD = f"""if (window === window.top && location.protocol.startsWith("http")) {{
    window.__axeViolations = {_SETTLED}
        .then(() => axe.run({json.dumps(_OPTIONS)}))
        .then(results => results.violations);
}}"""


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact') or 'no impact'}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def install_axe(context, *, run_on_load: bool = False) -> None:
    """Add axe-core to every page the browser context opens, before the page's own scripts run; with
    ``run_on_load``, also start a run on each page once it has settled (as ``start_axe(settle=True)``).

    Like page.evaluate, an init script is not subject to the site's Content Security Policy.
    """
    context.add_init_script(script=_AXE.axe_script)
    if run_on_load:
        context.add_init_script(script=_RUN_ON_LOAD)


def start_axe(page, *, settle: bool = False) -> None:
    """Start axe-core on the page (injecting it unless the context installed it); do not wait."""
    # Injected with page.evaluate, which the site's Content Security Policy does not apply to.
    if page.evaluate("() => typeof window.axe === 'undefined'"):
        page.evaluate(_AXE.axe_script)
    page.evaluate(_START, [_OPTIONS, settle])


def axe_violations(page) -> list[dict]:
    """Wait for the page's latest run (start_axe's, or the one install_axe started), return its violations."""
    return page.evaluate("() => window.__axeViolations")


def check_axe(page) -> None:
    """Assert that axe-core finds no violations on the page as it is now."""
    start_axe(page)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
