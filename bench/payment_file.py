"""How fast the payment file is made (issue 14): ``grants.payment_file.write_payment_file`` for a batch
of 1,000 and then 10,000 approved payments, to its last byte (hashed as the portal hashes it, not
written to disk), and in a second pass under ``tracemalloc`` its peak Python memory, which must not
grow with the payments. Also the whole ``services.batch_create`` (lock the approved payments, put them
in the batch, write and store the file) at the largest size.

The payments (100 accepted grants of 100 counties, each with its share) are made with COPY in the bench
database inside a transaction that is rolled back. Goal: 10,000 payments in under 2 s, memory constant.
On its own, against a throw-away PostgreSQL test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/payment_file_bench .venv/bin/python -m bench.payment_file
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import django

if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()

from django.db import connection, transaction
from django.test.utils import setup_databases, setup_test_environment, teardown_databases
from django.utils import timezone

from bench.exports import build_call
from bench.records import copy_records
from bench.tables import Column, Table
from grants import services
from grants.models import Case, Decision, Payment, PaymentBatch
from grants.payment_file import write_payment_file
from portal.audit import Actor
from portal.models import User

if TYPE_CHECKING:
    from bench.measures import Bench

SIZES = (1_000, 10_000)
GOAL_S = 2.0
ACCOUNT = "86011117947"


class _Rollback(Exception):
    pass


def _grants(applications, user: User, attester: User) -> list[Decision]:
    """An accepted grant of kr 100 000 000 on each application (room for any share of the payments)."""
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(application=a, call_id=a.call_id, state=Case.State.ACCEPTED) for a in applications
    )
    return Decision.objects.bulk_create(
        Decision(
            case=case,
            kind=Decision.Kind.GRANT,
            state=Decision.State.APPROVED,
            requested=Decimal("100000000"),
            amount=Decimal("100000000"),
            rules="Rundskrivet.",
            facts="Fakta.",
            considerations="Hensyn.",
            report_deadline=now,
            proposed_by=attester,
            proposed_at=now,
            approved_by=user,
            approved_at=now,
            accepted_by=user,
            accepted_at=now,
        )
        for case in cases
    )


def add_payments(decisions, attester: User, approver: User, start: int, stop: int) -> None:
    """Approved payments ``start``..``stop`` (not in a file), over the grants, with COPY."""
    now = timezone.now()
    copy_records(
        Payment,
        [
            {
                "decision_id": decisions[n % len(decisions)].pk,
                "state": Payment.State.APPROVED,
                "amount": Decimal(1000 + n % 997) + Decimal("0.50"),
                "reference": f"BENCH-U{n:06d}",
                "account": ACCOUNT,
                "recorded_by_id": attester.pk,
                "recorded_at": now,
                "attested_by_id": attester.pk,
                "attested_at": now,
                "approved_by_id": approver.pk,
                "approved_at": now,
            }
            for n in range(start, stop)
        ],
    )


def _batch_of_all(message_id: str) -> PaymentBatch:
    """A batch holding every approved payment (not stored: the measure times the file alone)."""
    rows = Payment.objects.filter(state=Payment.State.APPROVED)
    total = sum(rows.values_list("amount", flat=True), Decimal("0"))
    batch = PaymentBatch.objects.create(
        message_id=message_id, count=rows.count(), total=total, created_at=timezone.now()
    )
    rows.update(batch=batch)
    return batch


def time_file(batch: PaymentBatch) -> tuple[float, int]:
    digest, size = hashlib.sha256(), 0
    begin = time.perf_counter()
    for chunk in write_payment_file(batch):
        digest.update(chunk)
        size += len(chunk)
    return time.perf_counter() - begin, size


def peak_file(batch: PaymentBatch) -> int:
    tracemalloc.start()
    try:
        for _chunk in write_payment_file(batch):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _measure_size(decisions, attester, approver, made: int, size: int) -> dict:
    add_payments(decisions, attester, approver, made, size)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grants_payment")
    row = {"payments": size}
    try:  # a savepoint: the payments are back to "approved, not in a file" afterwards
        with transaction.atomic():
            batch = _batch_of_all(f"BENCH-{size}")
            time_file(batch)  # warm the cache and the plan
            seconds, size_bytes = min(time_file(batch) for _ in range(3))
            row.update(file_s=seconds, file_mb=size_bytes / 1e6, peak_kb=peak_file(batch) / 1024)
            raise _Rollback
    except _Rollback:
        pass
    if size == SIZES[-1]:
        try:
            with transaction.atomic():
                begin = time.perf_counter()
                made = services.batch_create(actor=Actor.system())
                row["batch_create_s"] = time.perf_counter() - begin
                made.file.storage.delete(made.file.name)
                raise _Rollback
        except _Rollback:
            pass
    return row


def measure(sizes=SIZES, *, verbose: bool = True) -> list[dict]:
    results = []
    try:
        with transaction.atomic():
            _call, user, applications, _categories = build_call()
            attester = User.objects.create(email=f"attest-{user.pk}@imdi.bench", full_name="Ada Attest")
            approver = User.objects.create(email=f"godkjenn-{user.pk}@imdi.bench", full_name="Bo Budsjett")
            decisions = _grants(applications, user, attester)
            made = 0
            for size in sizes:
                row = _measure_size(decisions, attester, approver, made, size)
                made = size
                results.append(row)
                if verbose:
                    print(
                        f"{size:>6} payments: file {row['file_s']:.2f} s ({row['file_mb']:.1f} MB, "
                        f"peak {row['peak_kb']:.0f} KB)",
                        flush=True,
                    )
            raise _Rollback
    except _Rollback:
        pass
    return results


def table_notes(results: list[dict]) -> list[str]:
    largest, smallest = results[-1], results[0]
    met = largest["file_s"] < GOAL_S
    notes = [
        "pain.001.001.03 by grants.payment_file.write_payment_file to its last byte, hashed (best of 3); "
        "peak = tracemalloc's peak in a separate pass; payments made with COPY and rolled back",
        f"{largest['payments']:,} payments in {largest['file_s']:.2f} s, goal < {GOAL_S:.0f} s "
        f"({'met' if met else 'MISSED'})",
    ]
    if "batch_create_s" in largest:
        notes.append(
            f"services.batch_create of {largest['payments']:,} payments (lock, batch, store): "
            f"{largest['batch_create_s']:.2f} s"
        )
    if len(results) > 1:
        notes.append(
            f"peak memory {smallest['peak_kb']:.0f} KB at {smallest['payments']:,} payments and "
            f"{largest['peak_kb']:.0f} KB at {largest['payments']:,} (×{largest['peak_kb'] / smallest['peak_kb']:.2f} "
            f"for ×{largest['payments'] / smallest['payments']:.0f} the payments)"
        )
    return notes


def measure_payment_file(bench: Bench) -> Table:
    """For ``bench/measures.py: MEASURES``: the table of ``measure()``."""
    results = measure(verbose=False)
    return Table(
        "payment_file",
        [
            Column("payments", "payments", "{:,}"),
            Column("file s", "file_s", "{:.2f}"),
            Column("file MB", "file_mb", "{:.1f}"),
            Column("peak KB", "peak_kb", "{:.0f}"),
        ],
        rows=results,
        notes=table_notes(results),
    )


def main(argv=None) -> int:
    """Measure against a throw-away PostgreSQL test database (the test settings; DATABASE_URL)."""
    parser = argparse.ArgumentParser(prog="bench/payment_file.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="payment counts, comma-separated")
    args = parser.parse_args(argv)
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = measure(tuple(int(n) for n in args.sizes.split(",")))
    finally:
        teardown_databases(databases, verbosity=0)
    for note in table_notes(results):
        print(f"* {note}")
    return 0 if results[-1]["file_s"] < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
