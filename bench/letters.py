"""How long a decision letter takes to make, next to WeasyPrint rendering the same HTML alone.

``measure_letters(n)`` renders a two-page grant letter ``n`` times through ``grants.letters.letter_pdf``
(template, queries, translation, WeasyPrint) and ``n`` times as WeasyPrint alone on the letter's HTML
string, with the same base URL, URL fetcher and PDF options, in turns, after two untimed renders of each
(the first render in a process loads the fonts). The ratio (median of the letter ÷ median of WeasyPrint alone) is
the figure to quote: it says what the portal adds to the PDF engine.

Without a letter, one is built in the current database inside a transaction that is rolled back, so
the bench database is left as it was. On its own, against a throw-away test database:

    .venv/bin/python -m bench.letters --n 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

# Run on its own (``main``): import the project's packages, and set Django up with the test settings
# before the imports below load the models.
if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # fontTools logs every subset at INFO
    django.setup()

from django.db import transaction
from django.test.utils import setup_databases, setup_test_environment, teardown_databases
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.text import ffi

from bench.orgnr import orgnr_for
from grants import letters
from grants.models import Application, Call, Case, CostCategory, Decision, DecisionLine, Letter, Scheme
from portal.models import Organisation, User
from portal.pdf import PDF_OPTIONS, StaticFilesOnly

WARMUP = 2
TARGET_MEDIAN_MS = 200.0
TARGET_RATIO = 1.2


def build_letter():
    """A grant letter with two cost categories, written to the current database (the caller rolls back)."""
    now = timezone.now()
    stamp = now.strftime("%H%M%S%f")
    owner, county = _organisations(stamp)
    proposer = User.objects.create(email=f"brev-forslag-{stamp}@imdi.bench", full_name="Sara Saksbehandler")
    approver = User.objects.create(email=f"brev-godkjent-{stamp}@imdi.bench", full_name="Gunnar Godkjenner")
    call = _call(owner, stamp, now)
    drift = CostCategory.objects.create(call=call, order=1, name="Drift av samarbeidet")
    teachers = CostCategory.objects.create(call=call, order=2, name="Lærer- og veiledningsressurser")
    application = Application.objects.create(
        call=call,
        organisation=county,
        created_by=proposer,
        reference=f"B{stamp}",
        title="Fagbrev for voksne innvandrere",
        contact_email="kontakt@county.bench",
    )
    case = Case.objects.create(application=application, call=call)
    decision = _decision(case, proposer, approver, now)
    DecisionLine.objects.bulk_create(
        [
            DecisionLine(decision=decision, category=drift, requested=Decimal("250000"), granted=Decimal("0")),
            DecisionLine(
                decision=decision, category=teachers, requested=Decimal("1000000"), granted=Decimal("1000000")
            ),
        ]
    )
    return Letter.objects.create(decision=decision, reference=f"{application.reference}-1", language="nb")


def _organisations(stamp: str) -> tuple[Organisation, Organisation]:
    """IMDi (the letter's sender) and the county the letter goes to."""
    owner = Organisation.objects.create(
        kind=Organisation.Kind.DIRECTORATE,
        name=f"Integrerings- og mangfoldsdirektoratet (bench {stamp})",
        orgnr=orgnr_for(97_000_000 + int(stamp[-6:])),
        postal_address="Postboks 243 Sentrum\n0103 Oslo",
        letter_email="post@imdi.bench",
    )
    county = Organisation.objects.create(
        kind=Organisation.Kind.COUNTY,
        name=f"Benchfylke brev {stamp} fylkeskommune",
        orgnr=orgnr_for(96_000_000 + int(stamp[-6:])),
        postal_address="Postboks 1\n1000 Benchby",
        letter_email="post@county.bench",
    )
    return owner, county


def _call(owner: Organisation, stamp: str, now: dt.datetime) -> Call:
    """A published call of 2025 with the long texts a real one has (they fill the letter's two pages)."""
    scheme = Scheme.objects.create(
        code=f"bench-brev-{stamp}",
        name="Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak",
        priority_area="Satsingsområde 3",
        owner=owner,
    )
    return Call.objects.create(
        scheme=scheme,
        year=2025,
        title="Forsøk med nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring 2025",
        is_published=True,
        purpose="Å utvikle en nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring.",
        target_group="Voksne innvandrere med rett til videregående opplæring.",
        who_may_apply="Fylkeskommunene som deltar i forsøket.",
        conditions=(
            "Dere skal ha samarbeid med arbeidsgivere, opplæringskontor, NAV og kommuner om rekruttering til, "
            "og oppfølging av, klassen.\n\nDere skal bidra til erfaringsdeling fra og evaluering av forsøket."
        ),
        ineligible_costs="Ordinær drift, investeringer og anskaffelser som inngår i ordinær drift.",
        opens_at=now - dt.timedelta(days=60),
        application_deadline=now - dt.timedelta(days=30),
        report_deadline=now + dt.timedelta(days=300),
        pot=Decimal("5000000"),
        contact_email="tuki@imdi.no",
    )


def _decision(case: Case, proposer: User, approver: User, now: dt.datetime) -> Decision:
    """An approved grant of 1,000,000 kr of the 1,250,000 asked, with its reasons written out."""
    return Decision.objects.create(
        case=case,
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        requested=Decimal("1250000"),
        amount=Decimal("1000000"),
        rules="Rundskriv om tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak, "
        "satsingsområde 3, punktene om vilkår og om hvordan IMDi fordeler tilskuddet.",
        facts="Fylkeskommunen har avtaler med alle fire typer samarbeidspartnere, søkte i tide og har "
        "beskrevet hvordan deltakerne rekrutteres og følges opp.\n\n"
        "Budsjettet dekker ikke ordinær drift.",
        considerations="Modellen har stor overføringsverdi til andre fylker. Rammen for 2025 er 5 millioner "
        "kroner, fordelt mellom tre fylkeskommuner; derfor får dere mindre enn dere søkte om.",
        conditions="Tilskuddet skal brukes til klassen som starter høsten 2025, og til oppfølging av "
        "deltakerne i bedrift.",
        report_deadline=now + dt.timedelta(days=300),
        proposed_by=proposer,
        proposed_at=now,
        approved_by=approver,
        approved_at=now,
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def harfbuzz_subset_loaded() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz-Subset when the system has it (the Dockerfile installs
    ``libharfbuzz-subset0``); without it, fontTools takes about 0.15 s a font and dominates the time."""
    return ffi.harfbuzz_subset is not None


def _measure(letter, n: int) -> dict:
    fetcher = StaticFilesOnly()
    base_url = fetcher.roots[0].as_uri() + "/"
    html = letters.letter_html(letter)

    def alone() -> bytes:
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(**PDF_OPTIONS)

    def full() -> bytes:
        return letters.letter_pdf(letter)

    for _ in range(WARMUP):
        pdf = full()
        alone()
    timings: dict[str, list[float]] = {"letter": [], "weasyprint": []}
    cpu: dict[str, list[float]] = {"letter": [], "weasyprint": []}
    for _ in range(n):  # in turns, so that drift in the machine's load hits both alike
        for name, render in (("letter", full), ("weasyprint", alone)):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            render()
            timings[name].append((time.perf_counter() - begin) * 1000)
            cpu[name].append((time.process_time() - begin_cpu) * 1000)
    result = {
        "n": n,
        "harfbuzz_subset": harfbuzz_subset_loaded(),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "kb": len(pdf) / 1024,
        "letter_median_ms": statistics.median(timings["letter"]),
        "letter_p95_ms": _p95(timings["letter"]),
        "weasyprint_median_ms": statistics.median(timings["weasyprint"]),
        "weasyprint_p95_ms": _p95(timings["weasyprint"]),
        # CPU time of this process: what the render costs when other work on the machine slows the clock.
        "letter_cpu_median_ms": statistics.median(cpu["letter"]),
        "weasyprint_cpu_median_ms": statistics.median(cpu["weasyprint"]),
    }
    result["ratio"] = result["letter_median_ms"] / result["weasyprint_median_ms"]
    result["meets_goal"] = result["letter_median_ms"] <= TARGET_MEDIAN_MS and result["ratio"] <= TARGET_RATIO
    return result


def measure_letters(n: int = 30, letter=None, *, verbose: bool = True) -> dict:
    """Median and p95 (ms) of ``letter_pdf`` and of WeasyPrint alone on the same HTML, and their ratio.

    ``letter`` is a ``grants.models.Letter``; without one a two-page grant letter is built and rolled back.
    """
    if n < 1:
        raise ValueError("n must be 1 or more")
    if letter is not None:
        result = _measure(letter, n)
    else:
        with transaction.atomic():
            result = _measure(build_letter(), n)
            transaction.set_rollback(True)
    if verbose:
        print(report(result))
    return result


def table_rows(result: dict) -> list[dict]:
    """``result`` as rows for a ``bench/tables.py: Table`` (keys: renderer, median_ms, p95_ms, cpu_median_ms,
    ratio, pages)."""
    return [
        {
            "renderer": "letter_pdf",
            "median_ms": result["letter_median_ms"],
            "p95_ms": result["letter_p95_ms"],
            "cpu_median_ms": result["letter_cpu_median_ms"],
            "ratio": result["ratio"],
            "pages": result["pages"],
        },
        {
            "renderer": "WeasyPrint alone",
            "median_ms": result["weasyprint_median_ms"],
            "p95_ms": result["weasyprint_p95_ms"],
            "cpu_median_ms": result["weasyprint_cpu_median_ms"],
            "pages": result["pages"],
        },
    ]


def table_notes(result: dict) -> list[str]:
    notes = []
    if not result["harfbuzz_subset"]:
        notes.append("no HarfBuzz-Subset (libharfbuzz-subset0): fonts subset with fontTools, several times slower")
    if not result["meets_goal"]:
        notes.append(f"goal missed: letter median ≤ {TARGET_MEDIAN_MS:.0f} ms and ratio ≤ {TARGET_RATIO}")
    return notes


def report(result: dict) -> str:
    goal = "meets" if result["meets_goal"] else "MISSES"
    fonts = (
        ""
        if result["harfbuzz_subset"]
        else "\n  NOTE: no HarfBuzz-Subset library (libharfbuzz-subset0): WeasyPrint subsets fonts with fontTools, "
        "which is several times slower"
    )
    return (
        f"letter PDF ({result['pages']} pages, {result['kb']:.0f} KB), {result['n']} renders each:\n"
        f"  letter_pdf        median {result['letter_median_ms']:6.1f} ms   p95 {result['letter_p95_ms']:6.1f} ms"
        f"   CPU median {result['letter_cpu_median_ms']:6.1f} ms\n"
        f"  WeasyPrint alone  median {result['weasyprint_median_ms']:6.1f} ms   "
        f"p95 {result['weasyprint_p95_ms']:6.1f} ms   CPU median {result['weasyprint_cpu_median_ms']:6.1f} ms\n"
        f"  ratio {result['ratio']:.2f} — {goal} the goal (median ≤ {TARGET_MEDIAN_MS:.0f} ms, "
        f"ratio ≤ {TARGET_RATIO})" + fonts
    )


def main(argv=None) -> int:
    """Measure against a throw-away test database (the test settings, SQLite unless DATABASE_URL says)."""
    parser = argparse.ArgumentParser(prog="bench/letters.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="renders of each kind (default 30)")
    args = parser.parse_args(argv)
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        result = measure_letters(args.n)
    finally:
        teardown_databases(databases, verbosity=0)
    return 0 if result["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
