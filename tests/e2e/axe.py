"""Run axe-core on the page a browser test is looking at, and fail readably on any violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
# Every axe rule that is not experimental: the WCAG 2.x A/AA rules and axe's best practices.
_OPTIONS = {"resultTypes": ["violations"]}


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


def check_axe(page) -> None:
    """Assert that axe-core finds no violations on the page as it is now."""
    # Injected with page.evaluate, which the site's Content Security Policy does not apply to.
    violations = _AXE.run(page, options=_OPTIONS).response["violations"]
    assert not violations, format_violations(page.url, violations)
