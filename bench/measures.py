"""The measures of `make bench`: each page loaded as its role next to its baselines
(``measure_pages``), the reminder sweep (``bench/reminders.py``), the exports (``bench/exports.py``),
the payment file (``bench/payment_file.py``), the archive extract (``bench/archive_extract.py``) and the
grant letter (``measure_letters``, before the server starts).

A measure is a function ``(Bench) -> Table`` in ``MEASURES``; a later issue appends its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import archive_extract, exports, letters, payment_file, reminders
from bench.data import BenchData
from bench.environment import BASE_DIR
from bench.tables import Column, Table


@dataclass
class Bench:
    """What a measure gets: the arguments, the seeded data, the running server and its sessions."""

    args: argparse.Namespace
    data: BenchData
    port: int
    sessions: dict[str, list[str]]
    probes: dict
    cookie_name: str
    replays: dict = field(default_factory=dict)  # (page, url) → path of the view replaying its statements

    def load(self, targets: list[tuple[str, str | None]]) -> list[dict]:
        """Load ``(path, role)`` targets from a second process, in turns, for ``--seconds`` each.

        A role's paths are sent with its session cookies (one per client thread); ``None`` means
        no cookie. Returns ``bench/load.py``'s figures for each target, in order."""
        roles = {role for _, role in targets if role}
        if len(roles) > 1:
            raise ValueError("one load run loads as one role (and anonymously)")
        command = [sys.executable, str(BASE_DIR / "bench" / "load.py"), "--port", str(self.port)]
        for path, role in targets:
            command += ["--target" if role else "--anonymous-target", path]
        for role in roles:
            command += [arg for key in self.sessions.get(role, []) for arg in ("--cookie", f"{self.cookie_name}={key}")]
        command += ["--seconds", str(self.args.seconds), "--warmup", str(self.args.warmup)]
        command += ["--rounds", str(self.args.rounds), "--concurrency", str(self.args.concurrency)]
        command += ["--max-requests", str(self.args.max_requests)]
        bound = len(targets) * (self.args.seconds + self.args.warmup + 12 * (self.args.rounds + 1)) + 30
        done = subprocess.run(command, capture_output=True, text=True, timeout=bound, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr.strip()}")
        return json.loads(done.stdout)["targets"]


PAGE_COLUMNS = [
    Column("page", "page", align="<"),
    Column("role", "role", align="<"),
    Column("queries", "queries"),
    Column("KB", "kb", "{:.1f}"),
    Column("req/s", "rps", "{:.0f}"),
    Column("median ms", "median_ms", "{:.1f}"),
    Column("p95 ms", "p95_ms", "{:.1f}"),
    Column("bare req/s", "bare_rps", "{:.0f}"),
    Column("bare p95 ms", "bare_p95_ms", "{:.1f}"),
    Column("ratio", "ratio", "{:.2f}"),
    Column("same-SQL req/s", "sql_rps", "{:.0f}"),
    Column("SQL ratio", "sql_ratio", "{:.2f}"),
    Column("errors", "errors"),
    Column("goals", "goal", align="<"),
]


def measure_pages(bench: Bench) -> Table:
    """Each page as its role, in turns with the bare view that runs as many queries and with the
    replay of the page's own statements."""
    table = Table("pages", list(PAGE_COLUMNS))
    for (page, url), probe in bench.probes.items():
        row = {"page": page.name, "role": page.role, "path": url, "queries": probe.queries, "kb": probe.bytes / 1024}
        row["sql"] = probe.sql
        if probe.status != 200:
            row["errors"] = f"in-process HTTP {probe.status}"
            table.rows.append(row)
            continue
        if not probe.stable:
            table.notes.append(f"{page.name} ({page.role}): the query count differed between two warm requests.")
        print(f"  {page.name} ({page.role}) {url} …", end="", flush=True)
        result = _load_page(bench, page, url, probe, row)
        table.notes += _page_notes(page, row, result)
        print(f" {result['rps']:.0f} req/s ({result['requests']} requests)", flush=True)
        table.rows.append(row)
    return table


def _load_page(bench: Bench, page, url: str, probe, row: dict) -> dict:
    """Load the page, its bare view and its replay in turns; their figures go on ``row``. Returns the
    page's own figures."""
    targets = [(url, page.role), (f"/bench/bare/{probe.queries}/", None)]
    replay = bench.replays.get((page, url))
    if replay:
        targets.append((replay, None))
    result, base, *same = bench.load(targets)
    same = same[0] if same else None
    errors = result["errors"] + base["errors"] + (same["errors"] if same else 0)
    row.update(
        rps=result["rps"],
        median_ms=result["median_ms"],
        p95_ms=result["p95_ms"],
        bare_rps=base["rps"],
        bare_median_ms=base["median_ms"],
        bare_p95_ms=base["p95_ms"],
        ratio=result["rps"] / base["rps"] if base["rps"] else None,
        errors=errors,
        load=result,
        bare_load=base,
    )
    if same:
        row.update(
            sql_rps=same["rps"],
            sql_p95_ms=same["p95_ms"],
            sql_ratio=result["rps"] / same["rps"] if same["rps"] else None,
            replay=replay,
            replay_load=same,
        )
    return result


def missed_goals(page, row: dict) -> list[str]:
    """The goals of issue 16 the page missed in this run (``[]``: all met)."""
    missed = []
    if page.goal is not None and row.get("ratio") is not None and row["ratio"] < page.goal:
        missed.append(f"ratio {row['ratio']:.2f} < {page.goal}")
    if page.rps_goal is not None and row.get("rps") is not None and row["rps"] < page.rps_goal:
        missed.append(f"{row['rps']:.0f} req/s < {page.rps_goal}")
    if page.p95_goal is not None and row.get("p95_ms") is not None and row["p95_ms"] > page.p95_goal:
        missed.append(f"p95 {row['p95_ms']:.0f} ms > {page.p95_goal}")
    return missed


def _page_notes(page, row: dict, result: dict) -> list[str]:
    """What to say under the table about a loaded page: its goals, too few requests, errors."""
    notes = []
    missed = missed_goals(page, row)
    row["missed"] = missed
    row["goal"] = ("MISSED: " + ", ".join(missed)) if missed else "met"
    if result["requests"] < 20:
        notes.append(
            f"{page.name} ({page.role}): only {result['requests']} timed requests; "
            "raise --seconds for steadier figures."
        )
    if row["errors"]:
        base, same = row["bare_load"], row.get("replay_load")
        first = result["first_error"] or base["first_error"] or (same["first_error"] if same else "")
        notes.append(f"{page.name} ({page.role}): {row['errors']} errors; first: {first}")
    return notes


MEASURES: list[Callable[[Bench], Table]] = [
    measure_pages,
    reminders.measure_reminders,
    exports.measure_exports,
    payment_file.measure_payment_file,
    archive_extract.measure_archive_extract,  # last: it files every call with cases under one scheme
]


def measure_letters(n: int) -> Table:
    """A two-page grant letter through ``letter_pdf``, next to WeasyPrint alone on its HTML
    (``bench/letters.py``; the letter is built in the bench database and rolled back). Runs before
    the server starts, so nothing else competes for the CPU."""
    result = letters.measure_letters(n, verbose=False)
    table = Table(
        "letters",
        [
            Column("renderer", "renderer", align="<"),
            Column("pages", "pages"),
            Column("median ms", "median_ms", "{:.1f}"),
            Column("p95 ms", "p95_ms", "{:.1f}"),
            Column("ratio", "ratio", "{:.2f}"),
        ],
        rows=letters.table_rows(result),
        notes=[
            f"{result['n']} renders of each, in turns; ratio = letter median ÷ WeasyPrint median; goal: median ≤ "
            f"{letters.TARGET_MEDIAN_MS:.0f} ms and ratio ≤ {letters.TARGET_RATIO} "
            f"({'met' if result['meets_goal'] else 'MISSED'})",
            *letters.table_notes(result),
        ],
    )
    table.rows[0]["result"] = result
    return table
