"""How fast the Noark 5 archive extract is (issue 15): ``grants.archive.extract.archive_extract`` of
every seeded case (20,000 with the defaults) in one extract, into a temporary directory. Goal: under
60 s and under 200 MB of memory.

The scale data set (``bench/cases.py``) is written with COPY and has no archive: this step first
gives each case without one its case folder and journal, as the stages would have made them (the
submission with its receipt and four agreements, incoming and answered; the receipt, outgoing; the
declaration of impartiality, a note not to be journaled; the assessment and the proposal, internal;
the decision letter, outgoing), with ``bulk_create`` a chunk of cases at a time. Then it files every
call with cases under one bench scheme (``one_scheme``: a scheme has one call a year, so the calls
moved get years of their own, which the extract does not read), so that one extract holds them all.
Every document points to one of the bench's placeholder PDFs: the extract copies and checks one file
per document, as it would real ones.

Under ``make bench`` the extract runs in a child process of its own (``run_child``) and its memory is
that process's peak resident set (``VmHWM``: Python, Django, psycopg and the buffers, everything),
read at its end, with the worker process that copies the documents reported beside it; the time is
the extract's own, Django's start-up left out, and the processor time counts both processes (not the
database's). Called without ``isolated`` (the smoke test), it runs in this process and the memory is
``tracemalloc``'s peak (Python's allocations only).

On its own, against the bench database ``make bench`` left (or one it makes first, with ``--reseed``):

    .venv/bin/python -m bench.archive_extract --database portal_bench_archive [--reseed --applications 20000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

if __name__ == "__main__":  # run as a script: the project's packages, and Django set up for the bench database
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from bench.environment import server_args, use_bench_settings

    use_bench_settings(0, server_args(sys.argv[1:]).database)

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from bench import prepare, seed
from bench.environment import recreate_database
from bench.tables import Column, Table, Timer
from grants.archive.copying import peak_rss_kb
from grants.archive.extract import archive_extract
from grants.archive.registry import LEGAL_BASIS, PORTAL_PDF, file_format
from grants.models import (
    ArchiveCounter,
    Call,
    Case,
    CaseFolder,
    CooperationAgreement,
    Decision,
    ImpartialityDeclaration,
    JournalDocument,
    JournalEntry,
    Letter,
    Scheme,
    Submission,
)
from grants.models.archive import ARCHIVAL_FORMATS

if TYPE_CHECKING:
    from bench.measures import Bench

GOAL_S = 60.0
GOAL_MB = 200.0
CHUNK = 1000  # cases seeded at a time
SCHEME = "bench-arkivuttrekk"
Type, Status, Access = JournalEntry.Type, JournalEntry.Status, JournalEntry.AccessCode


# --- Seeding: the archive the stages would have made ------------------------------------------------


class _Numbers:
    """The archive's counters, continued: the next case number per year and journal number per year."""

    def __init__(self):
        self.last = {(c.kind, c.year): c.last for c in ArchiveCounter.objects.all()}

    def take(self, kind: str, year: int) -> int:
        self.last[kind, year] = self.last.get((kind, year), 0) + 1
        return self.last[kind, year]

    def save(self) -> None:
        for (kind, year), last in self.last.items():
            ArchiveCounter.objects.update_or_create(kind=kind, year=year, defaults={"last": last})


def _case_rows(case_ids: list[int]) -> list[dict]:
    """What the journal of each case needs, in a few queries per chunk."""
    cases = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=case_ids).values(
            "pk", "application_id", "assessed_at", "assessed_by_id", "assigned_to_id",
            "application__organisation_id", "application__organisation__name", "call__title",
            "call__scheme__owner__name", "call__scheme__archive_code",
        )
    }  # fmt: skip
    by_application = {row["application_id"]: row for row in cases.values()}
    for row in cases.values():
        row.update(submissions=[], agreements=[], decisions=[])
    submissions = Submission.objects.filter(application__in=by_application).order_by("number")
    for sub in submissions.values("pk", "application_id", "confirmed_at", "receipt", "receipt_sha256", "number"):
        by_application[sub["application_id"]]["submissions"].append(sub)
    agreements = CooperationAgreement.objects.filter(application__in=by_application, removed_at__isnull=True)
    for a in agreements.order_by("pk").values(
        "application_id", "file", "sha256", "partner_name", "original_name", "size"
    ):
        by_application[a["application_id"]]["agreements"].append(a)
    decisions = Decision.objects.filter(case__in=case_ids).order_by("pk")
    for d in decisions.values("pk", "case_id", "kind", "proposed_at", "proposed_by_id"):
        cases[d["case_id"]]["decisions"].append(d)
    declarations = ImpartialityDeclaration.objects.filter(case__in=case_ids).order_by("declared_at", "pk")
    for row in declarations.values("pk", "case_id", "user_id", "user__full_name", "disqualified", "declared_at"):
        cases[row["case_id"]].setdefault("declarations", []).append(row)
    letters = Letter.objects.filter(decision__case__in=case_ids, status=Letter.Status.READY)
    letter_of = {row["decision_id"]: row for row in letters.values("decision_id", "file", "sha256", "issued_at")}
    for row in cases.values():
        for d in row["decisions"]:
            d["letter"] = letter_of.get(d["pk"])
    return [cases[pk] for pk in case_ids if pk in cases]


def _document(entry: JournalEntry, number: int, *, file: str, sha256: str, title: str, size: int, fmt="", main=True):
    original = file.rsplit("/", 1)[-1]
    fmt = fmt or file_format(original)
    return JournalDocument(
        entry=entry, number=number, role=JournalDocument.Role.MAIN if main else JournalDocument.Role.ATTACHMENT,
        title=title[:500], file=file, original_name=original, format=fmt, archival=fmt in ARCHIVAL_FORMATS,
        size=size, sha256=sha256, system_id=uuid.uuid4(),
    )  # fmt: skip


class _Journal:
    """The entries and documents of one chunk of cases, built in memory and written with bulk_create."""

    def __init__(self, numbers: _Numbers, sizes: dict[str, int]):
        self.numbers, self.sizes = numbers, sizes
        self.entries: list[JournalEntry] = []
        self.documents: list[tuple[JournalEntry, dict]] = []
        self.write_offs: list[tuple[JournalEntry, JournalEntry]] = []  # (incoming, answered by)

    def entry(self, folder: CaseFolder, type_: str, source: str, title: str, party: tuple[int | None, str], **kw):
        moment = kw.pop("at")
        day = timezone.localdate(moment)
        folder.last_document += 1
        access = kw.pop("access", Access.OPEN)
        entry = JournalEntry(
            folder=folder, number=folder.last_document, journal_year=day.year,
            journal_sequence=self.numbers.take(ArchiveCounter.Kind.JOURNAL, day.year), type=type_, source=source,
            title=title[:500], public_title=title[:500], journal_date=day, document_date=day,
            correspondent_id=party[0], correspondent_name=party[1][:300], access_code=access,
            legal_basis=LEGAL_BASIS.get(access, ""), system_id=uuid.uuid4(), **kw,
        )  # fmt: skip
        self.entries.append(entry)
        return entry

    def add(self, entry: JournalEntry, **document) -> None:
        """A stored file of ``entry``; its size is read from the storage once per file name."""
        if document.get("size") is None:
            name = document["file"]
            if name not in self.sizes:
                self.sizes[name] = default_storage.size(name)
            document["size"] = self.sizes[name]
        self.documents.append((entry, document))

    def case(self, folder: CaseFolder, row: dict) -> None:
        county = (row["application__organisation_id"], row["application__organisation__name"])
        imdi = (None, row["call__scheme__owner__name"])
        answered = []
        for sub in row["submissions"]:
            title = f"Søknad om tilskudd – {row['call__title']} (versjon {sub['number']})"
            incoming = self.entry(
                folder, Type.INCOMING, f"submission:{sub['pk']}", title, county, at=sub["confirmed_at"]
            )
            answered.append(incoming)
            if sub["receipt"]:
                receipt = {"file": sub["receipt"], "sha256": sub["receipt_sha256"], "title": "Kvittering"}
                self.add(incoming, **receipt, size=None, fmt=PORTAL_PDF)
                title = f"Kvittering for mottatt søknad – {row['call__title']}"
                outgoing = self.entry(
                    folder, Type.OUTGOING, f"receipt:{sub['pk']}", title, county, at=sub["confirmed_at"],
                    status=Status.DISPATCHED,
                )  # fmt: skip
                self.add(outgoing, **receipt, size=None, fmt=PORTAL_PDF)
            for a in row["agreements"]:
                self.add(
                    incoming, file=a["file"], sha256=a["sha256"], title=a["partner_name"], size=a["size"], main=False
                )
        for declaration in row.get("declarations", ()):
            verdict = "er inhabil" if declaration["disqualified"] else "er ikke inhabil"
            self.entry(
                folder, Type.NOTE, f"declaration:{declaration['pk']}",
                f"Habilitetserklæring: {declaration['user__full_name']} {verdict}", imdi,
                at=declaration["declared_at"], access=Access.INTERNAL, caseworker_id=declaration["user_id"],
            )  # fmt: skip
        if row["assessed_at"]:
            self.entry(
                folder, Type.INTERNAL, f"assessment:{row['pk']}:{int(row['assessed_at'].timestamp())}",
                "Vurdering av søknaden", imdi, at=row["assessed_at"], access=Access.INTERNAL,
                caseworker_id=row["assessed_by_id"],
            )  # fmt: skip
        for d in row["decisions"]:
            self.entry(
                folder, Type.INTERNAL, f"proposal:{d['pk']}", f"Forslag til vedtak: {Decision.Kind(d['kind']).label}",
                imdi, at=d["proposed_at"], access=Access.INTERNAL, caseworker_id=d["proposed_by_id"],
            )  # fmt: skip
            letter = d["letter"]
            if letter:
                sent = self.entry(
                    folder, Type.OUTGOING, f"decision-letter:{d['pk']}", "Vedtaksbrev", county, at=letter["issued_at"],
                    status=Status.DISPATCHED, caseworker_id=d["proposed_by_id"],
                )  # fmt: skip
                self.add(
                    sent, file=letter["file"], sha256=letter["sha256"], title="Vedtaksbrev", size=None, fmt=PORTAL_PDF
                )
                self.write_offs += [(incoming, sent) for incoming in answered]

    def write(self) -> int:
        JournalEntry.objects.bulk_create(self.entries, batch_size=CHUNK)
        for incoming, by in self.write_offs:
            incoming.status, incoming.written_off, incoming.written_off_by = Status.WRITTEN_OFF, "BU", by
            incoming.written_off_on = by.journal_date
        JournalEntry.objects.bulk_update(
            [incoming for incoming, _by in self.write_offs],
            ["status", "written_off", "written_off_on", "written_off_by"],
            batch_size=CHUNK,
        )
        counted: dict[int, int] = defaultdict(int)
        documents = []
        for entry, document in self.documents:
            counted[entry.pk] += 1
            documents.append(_document(entry, counted[entry.pk], **document))
        JournalDocument.objects.bulk_create(documents, batch_size=CHUNK)
        return len(documents)


def seed_archive() -> dict:
    """Case folders and journals for every case without one."""
    numbers, sizes = _Numbers(), {}
    todo = list(Case.objects.filter(folder__isnull=True).order_by("pk").values_list("pk", flat=True))
    made = {"folders": 0, "entries": 0, "documents": 0}
    for start in range(0, len(todo), CHUNK):
        with transaction.atomic():
            rows = _case_rows(todo[start : start + CHUNK])
            folders = []
            for row in rows:
                received = row["submissions"][0]["confirmed_at"] if row["submissions"] else timezone.now()
                opened = timezone.localdate(received)
                title = f"Søknad om tilskudd – {row['call__title']} – {row['application__organisation__name']}"[:500]
                folders.append(
                    CaseFolder(
                        case_id=row["pk"], year=opened.year,
                        sequence=numbers.take(ArchiveCounter.Kind.CASE, opened.year),
                        title=title, public_title=title, admin_unit=row["call__scheme__owner__name"],
                        archive_code=row["call__scheme__archive_code"], opened_on=opened, system_id=uuid.uuid4(),
                    )
                )  # fmt: skip
            CaseFolder.objects.bulk_create(folders, batch_size=CHUNK)
            journal = _Journal(numbers, sizes)
            for folder, row in zip(folders, rows, strict=True):
                journal.case(folder, row)
            CaseFolder.objects.bulk_update(folders, ["last_document"], batch_size=CHUNK)
            made["documents"] += journal.write()
            made["folders"] += len(folders)
            made["entries"] += len(journal.entries)
    numbers.save()
    return made


def one_scheme() -> Scheme:
    """A bench scheme holding every call with cases, so that one extract holds every case. A scheme has
    one call a year: the calls moved are given years of their own (3000 on), which the extract does not
    read (it selects and numbers by the case folders' years)."""
    owner = Call.objects.filter(cases__isnull=False).select_related("scheme__owner").first().scheme.owner  # IMDi
    scheme, _created = Scheme.objects.get_or_create(
        code=SCHEME, defaults={"name": "Benchordning arkivuttrekk", "owner": owner, "archive_code": "223.4"}
    )
    taken = set(Call.objects.filter(scheme=scheme).values_list("year", flat=True))
    moved = Call.objects.filter(cases__isnull=False).exclude(scheme=scheme).distinct().order_by("pk")
    years = (year for year in range(3000, 32000) if year not in taken)
    for pk in list(moved.values_list("pk", flat=True)):
        Call.objects.filter(pk=pk).update(scheme=scheme, year=next(years))
    return scheme


# --- Measuring ------------------------------------------------------------------------------------


def usage():
    return resource.getrusage(resource.RUSAGE_SELF)


def run_extract(code: str, first: int, last: int, out: Path, *, trace: bool) -> dict:
    """The extract, timed; with ``trace`` its peak under tracemalloc, else this process's peak RSS."""
    scheme = Scheme.objects.select_related("owner").get(code=code)
    if trace:
        tracemalloc.start()
    begin, cpu = time.perf_counter(), time.process_time()
    try:
        extract = archive_extract(scheme=scheme, first_year=first, last_year=last, out=out)
        seconds, cpu = time.perf_counter() - begin, time.process_time() - cpu
        # VmHWM, not ru_maxrss: Linux hands a process its parent's ru_maxrss (the bench's, after seeding).
        peak = tracemalloc.get_traced_memory()[1] if trace else (peak_rss_kb() or usage().ru_maxrss) * 1024
        worker = resource.getrusage(resource.RUSAGE_CHILDREN)  # the extract's copying worker, ended by now
        cpu += worker.ru_utime + worker.ru_stime
    finally:
        if trace:
            tracemalloc.stop()
    extracted = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {
        "folders": extract.folders, "entries": extract.entries, "documents": extract.documents,
        "extract_s": seconds, "cpu_s": cpu, "peak_mb": peak / 1e6, "worker_mb": extract.worker_peak_kb / 1e3,
        "memory": "tracemalloc" if trace else "RSS",
        "out_mb": extracted / 1e6,
    }  # fmt: skip


def run_child(code: str, first: int, last: int, out: Path) -> dict:
    """The extract in a child process (this one's environment: the bench settings and database)."""
    # Started with -c, not -m: the extract's worker process (spawned) then imports no bench module.
    start = "import sys, django; django.setup(); from bench import archive_extract; archive_extract.child(sys.argv[1:])"
    command = [sys.executable, "-c", start, code, str(first), str(last), str(out)]
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, capture_output=True, text=True, cwd=root, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the extract failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(*, isolated: bool = False) -> list[dict]:
    """Seed the archive of the cases that have none, file them under one scheme, extract them all."""
    begin = time.perf_counter()
    made = seed_archive()
    scheme = one_scheme()
    if connection.vendor == "postgresql":  # fresh statistics for the new rows, as autovacuum would make them
        with connection.cursor() as cursor:
            for model in (CaseFolder, JournalEntry, JournalDocument):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    seeded_s = time.perf_counter() - begin
    years = CaseFolder.objects.filter(case__call__scheme=scheme).aggregate(first=Min("year"), last=Max("year"))
    with tempfile.TemporaryDirectory(prefix="bench-arkivuttrekk-") as tmp:
        out = Path(tmp) / "uttrekk"
        if isolated:
            row = run_child(SCHEME, years["first"], years["last"], out)
        else:
            row = run_extract(SCHEME, years["first"], years["last"], out, trace=True)
    row.update(cases=Case.objects.filter(call__scheme=scheme).count(), seeded=made, seed_s=seeded_s)
    row["years"] = f"{years['first']}–{years['last']}"
    return [row]


def table_notes(rows: list[dict]) -> list[str]:
    row = rows[0]
    met = row["extract_s"] < GOAL_S and row["peak_mb"] < GOAL_MB
    how = (
        "peak RSS of the process that ran it (VmHWM, Django included)"
        if row["memory"] == "RSS"
        else "tracemalloc's peak (Python allocations only)"
    )
    seeded = row["seeded"]
    return [
        f"grants.archive.extract.archive_extract of {row['cases']:,} cases ({row['years']}) into a temporary "
        f"directory: {row['entries']:,} journal entries, {row['documents']:,} documents copied and checked; "
        f"memory = {how}",
        f"seeded first with bulk_create: {seeded['folders']:,} case folders, {seeded['entries']:,} entries, "
        f"{seeded['documents']:,} documents in {row['seed_s']:.1f} s (committed: the bench database is dropped "
        "on the next run)",
        f"{row['extract_s']:.1f} s ({row['cpu_s']:.1f} s of processor time, its copying workers' included, the "
        f"database's not) and {row['peak_mb']:.0f} MB (a copying worker: {row.get('worker_mb', 0):.0f} MB), "
        f"goal < {GOAL_S:.0f} s and < {GOAL_MB:.0f} MB "
        f"({'met' if met else 'MISSED'})",
    ]


def measure_archive_extract(bench: Bench) -> Table:
    """For ``bench/measures.py: MEASURES``: the extract of every seeded case, in a child process."""
    rows = measure(isolated=True)
    return Table(
        "archive_extract",
        [
            Column("cases", "cases", "{:,}"),
            Column("entries", "entries", "{:,}"),
            Column("documents", "documents", "{:,}"),
            Column("extract s", "extract_s", "{:.1f}"),
            Column("CPU s", "cpu_s", "{:.1f}"),
            Column("peak MB", "peak_mb", "{:.0f}"),
            Column("memory", "memory", align="<"),
            Column("out MB", "out_mb", "{:.0f}"),
        ],
        rows=rows,
        notes=table_notes(rows),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/archive_extract.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="portal_bench", help="the bench database (made by make bench)")
    parser.add_argument("--reseed", action="store_true", help="drop, migrate and seed the database first")
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    seed.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.reseed and "bench" not in args.database:
        parser.error("--reseed drops the database: its name must contain 'bench'")
    if args.reseed:
        timer = Timer()
        timer.phase("database", recreate_database, args.database)
        timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
        timer.phase("load_demo", prepare.load_demo)
        timer.phase("seed", seed.run, args)
    rows = measure(isolated=True)
    for note in table_notes(rows):
        print(f"* {note}")
    row = rows[0]
    return 0 if row["extract_s"] < GOAL_S and row["peak_mb"] < GOAL_MB else 1


def child(argv: list[str]) -> int:
    code, first, last, out = argv
    print(json.dumps(run_extract(code, int(first), int(last), Path(out), trace=False)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
