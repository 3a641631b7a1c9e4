"""How fast the exports are, next to PostgreSQL's own COPY ... TO STDOUT (the floor).

``measure_exports(bench)`` builds one call with 100 submitted applications and, with COPY, first
10,000 and then 100,000 budget lines in the bench database, all inside a transaction that is rolled
back (the file the XLSX build stores is deleted). For each size it times:

- the CSV export to its last byte (``reporting.export_files.csv_stream``, what the view streams), and, in a
  second pass under ``tracemalloc``, its peak Python memory: the peak must not grow with the rows;
- the XLSX file made in the background (``reporting.tasks.build_export`` called directly: the
  query, xlsxwriter in constant-memory mode, storing the file, the e-mail);
- ``COPY (SELECT the same columns ...) TO STDOUT`` through psycopg's ``cursor.copy``.

Goals: CSV of 100,000 rows ≤ 1 s, XLSX ≤ 8 s. On its own, against a throw-away PostgreSQL test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exports_bench .venv/bin/python -m bench.exports
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import django

# Run on its own (``main``): import the project's packages, and set Django up with the test settings
# (DATABASE_URL names the PostgreSQL database) before the imports below load the models.
if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()

from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import setup_databases, setup_test_environment, teardown_databases
from django.urls import reverse
from django.utils import timezone

from bench.orgnr import orgnr_for
from bench.records import copy_rows
from bench.tables import Column, Table
from grants.models import Application, BudgetLine, Call, CostCategory, Scheme, Submission
from portal.models import Organisation, User
from reporting import datasets, tasks
from reporting.export_files import csv_stream
from reporting.models import ExportJob

if TYPE_CHECKING:
    from bench.measures import Bench

SIZES = (10_000, 100_000)
APPLICATIONS = 100
CSV_GOAL_S = 1.0
XLSX_GOAL_S = 8.0
DATASET = "budget_lines"


class _Rollback(Exception):
    pass


def build_call():
    """A call with ``APPLICATIONS`` submitted applications (one county each) and two categories."""
    now = timezone.now()
    stamp = now.strftime("%H%M%S%f")
    owner = Organisation.objects.create(
        kind=Organisation.Kind.DIRECTORATE,
        name=f"IMDi (eksport {stamp})",
        orgnr=orgnr_for(99_000_000 + int(stamp[-6:])),  # after every other bench range (93…97)
        letter_email="post@imdi.bench",
    )
    user = User.objects.create(email=f"eksport-{stamp}@imdi.bench", full_name="Eva Eksport")
    call = _call(owner, stamp, now)
    categories = [
        CostCategory.objects.create(call=call, order=1, name="Drift av samarbeidet"),
        CostCategory.objects.create(call=call, order=2, name="Lærer- og veiledningsressurser"),
    ]
    applications = _submitted_applications(call, user, stamp, now)
    return call, user, applications, categories


def _call(owner: Organisation, stamp: str, now: dt.datetime) -> Call:
    scheme = Scheme.objects.create(code=f"bench-eksport-{stamp}", name="Eksportordning", owner=owner)
    return Call.objects.create(
        scheme=scheme,
        year=2025,
        title="Eksport 2025",
        purpose="Formål",
        target_group="Målgruppe",
        who_may_apply="Fylkene",
        conditions="Vilkår",
        ineligible_costs="Drift",
        opens_at=now - dt.timedelta(days=60),
        application_deadline=now - dt.timedelta(days=30),
        report_deadline=now + dt.timedelta(days=300),
        pot=Decimal("5000000"),
        contact_email="tuki@imdi.no",
    )


def _submitted_applications(call: Call, user: User, stamp: str, now: dt.datetime) -> list[Application]:
    """``APPLICATIONS`` counties, each with a submitted application to ``call`` and its submission."""
    counties = Organisation.objects.bulk_create(
        Organisation(
            kind=Organisation.Kind.COUNTY,
            name=f"Eksportfylke {n:03d} {stamp}",
            orgnr=orgnr_for(98_000_000 + n * 1000 + int(stamp[-3:])),  # not the applicants (94…)
            letter_email=f"post{n}@county.bench",
        )
        for n in range(APPLICATIONS)
    )
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            organisation=county,
            created_by=user,
            state=Application.State.SUBMITTED,
            reference=f"2025-E{n:04d}",
            title=f"Fagbrev for voksne innvandrere {n}",
            submitted_at=now,
        )
        for n, county in enumerate(counties)
    )
    Submission.objects.bulk_create(
        Submission(
            application=a, number=1, snapshot={}, total=Decimal("0"), confirmed_by=user, confirmed_at=now, authority="-"
        )
        for a in applications
    )
    return applications


def add_lines(applications, categories, start: int, stop: int) -> None:
    """Budget lines ``start``..``stop`` over the applications, with COPY (``bench/records.py``)."""

    def rows():
        for n in range(start, stop):
            application = applications[n % len(applications)]
            category = categories[n % 2]
            amount = Decimal(1000 + (n * 7919) % 250_000) + Decimal(n % 100) / 100
            yield (application.pk, category.pk, amount, f"Lærer og veileder på Ørland, linje {n}", n % 30000)

    copy_rows(BudgetLine, ["application", "category", "amount", "description", "order"], rows())


def time_csv(dataset, call) -> tuple[float, int]:
    begin = time.perf_counter()
    size = sum(len(chunk) for chunk in csv_stream(dataset, call))
    return time.perf_counter() - begin, size


def peak_csv(dataset, call) -> int:
    tracemalloc.start()
    try:
        for _chunk in csv_stream(dataset, call):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def time_xlsx(call, user) -> tuple[float, int, int]:
    job = ExportJob.objects.create(user=user, call=call, dataset=DATASET, format="xlsx")
    begin = time.perf_counter()
    tasks.build_export(job.pk)
    seconds = time.perf_counter() - begin
    job.refresh_from_db()
    if job.status != ExportJob.Status.DONE:
        raise RuntimeError(f"the XLSX build failed: {job.error}")
    size = job.file.size
    job.file.storage.delete(job.file.name)
    return seconds, size, job.rows


def time_copy(dataset, call) -> tuple[float, int]:
    """COPY of the dataset's own query (the same columns, joins, filter and order) to STDOUT."""
    queryset = dataset.queryset(call).values_list(*(c.source for c in dataset.columns))
    statement, params = queryset.query.sql_with_params()
    size = 0
    begin = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({statement}) TO STDOUT", params) as copy:
        for data in copy:
            size += len(data)
    return time.perf_counter() - begin, size


def measure(sizes=SIZES, *, verbose: bool = True) -> list[dict]:
    """The rows of the table: per size, CSV (time, size, peak memory), XLSX and COPY."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the export bench needs PostgreSQL (COPY)")
    dataset = datasets.DATASETS[DATASET]
    reverse("export_index")  # the e-mail's link loads the URLconf: 2 s the first time in a process, not the export's
    results = []
    try:
        with transaction.atomic(), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            call, user, applications, categories = build_call()
            made = 0
            for size in sizes:
                add_lines(applications, categories, made, size)
                made = size
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE grants_budgetline")
                time_csv(dataset, call)  # warm the cache and the plan
                csv_s, csv_bytes = min(time_csv(dataset, call) for _ in range(3))
                peak = peak_csv(dataset, call)
                xlsx_s, xlsx_bytes, rows = time_xlsx(call, user)
                copy_s, copy_bytes = min(time_copy(dataset, call) for _ in range(3))
                assert rows == size, (rows, size)
                row = {
                    "rows": size,
                    "csv_s": csv_s,
                    "csv_mb": csv_bytes / 1e6,
                    "csv_peak_kb": peak / 1024,
                    "xlsx_s": xlsx_s,
                    "xlsx_mb": xlsx_bytes / 1e6,
                    "copy_s": copy_s,
                    "copy_mb": copy_bytes / 1e6,
                    "csv_ratio": csv_s / copy_s,
                }
                results.append(row)
                if verbose:
                    print(
                        f"{size:>7} rows: CSV {csv_s:.2f} s ({csv_bytes / 1e6:.1f} MB, peak {peak / 1024:.0f} KB), "
                        f"XLSX {xlsx_s:.2f} s ({xlsx_bytes / 1e6:.1f} MB), "
                        f"COPY {copy_s:.2f} s ({copy_bytes / 1e6:.1f} MB)",
                        flush=True,
                    )
            raise _Rollback
    except _Rollback:
        pass
    return results


def table_notes(results: list[dict]) -> list[str]:
    largest, smallest = results[-1], results[0]
    notes = [
        f"{DATASET} of one call ({APPLICATIONS} applications), built with COPY and rolled back; CSV = "
        "reporting.export_files.csv_stream to the last byte (best of 3), peak = tracemalloc's peak in a separate pass, "
        "XLSX = build_export called directly (file stored, e-mail sent), COPY = the same query to STDOUT (best of 3)",
        f"CSV {largest['csv_s']:.2f} s for {largest['rows']:,} rows, goal ≤ {CSV_GOAL_S:.0f} s "
        f"({'met' if largest['csv_s'] <= CSV_GOAL_S else 'MISSED'}); XLSX {largest['xlsx_s']:.2f} s, goal ≤ "
        f"{XLSX_GOAL_S:.0f} s ({'met' if largest['xlsx_s'] <= XLSX_GOAL_S else 'MISSED'})",
    ]
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus * 0.75:
        notes.append(f"the machine was busy (load average {load:.1f} on {cpus} CPUs): the times are high and noisy")
    if len(results) > 1:
        growth = largest["csv_peak_kb"] / smallest["csv_peak_kb"]
        notes.append(
            f"CSV peak memory {smallest['csv_peak_kb']:.0f} KB at {smallest['rows']:,} rows and "
            f"{largest['csv_peak_kb']:.0f} KB at {largest['rows']:,} rows (×{growth:.2f} for ×"
            f"{largest['rows'] / smallest['rows']:.0f} the rows)"
        )
    return notes


def measure_exports(bench: Bench) -> Table:
    """For ``bench/measures.py: MEASURES``: the table of ``measure()``."""
    results = measure(verbose=False)
    return Table(
        "exports",
        [
            Column("rows", "rows", "{:,}"),
            Column("CSV s", "csv_s", "{:.2f}"),
            Column("CSV MB", "csv_mb", "{:.1f}"),
            Column("CSV peak KB", "csv_peak_kb", "{:.0f}"),
            Column("XLSX s", "xlsx_s", "{:.2f}"),
            Column("XLSX MB", "xlsx_mb", "{:.1f}"),
            Column("COPY s", "copy_s", "{:.2f}"),
            Column("COPY MB", "copy_mb", "{:.1f}"),
            Column("CSV ÷ COPY", "csv_ratio", "{:.1f}"),
        ],
        rows=results,
        notes=table_notes(results),
    )


def main(argv=None) -> int:
    """Measure against a throw-away PostgreSQL test database (the test settings; DATABASE_URL)."""
    parser = argparse.ArgumentParser(prog="bench/exports.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="row counts, comma-separated")
    args = parser.parse_args(argv)
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = measure(tuple(int(n) for n in args.sizes.split(",")))
    finally:
        teardown_databases(databases, verbosity=0)
    for note in table_notes(results):
        print(f"* {note}")
    largest = results[-1]
    return 0 if largest["csv_s"] <= CSV_GOAL_S and largest["xlsx_s"] <= XLSX_GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
