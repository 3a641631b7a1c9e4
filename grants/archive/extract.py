"""A Noark 5 v5.0 archive extract (arkivuttrekk) of one scheme's cases in a range of years:

    OUT/arkivstruktur.xml     arkiv → arkivdel → klassifikasjonssystem → klasse → saksmappe → …
    OUT/loependeJournal.xml   the running journal of the period
    OUT/offentligJournal.xml  the public journal of the period
    OUT/endringslogg.xml      the journal's changes of status
    OUT/arkivuttrekk.xml      ADDML: every file above and below with its SHA-256
    OUT/dokumenter/…          the stored files, each checked against the SHA-256 journaled with it

Every XML file is written as a stream (``grants.archive.xml``) from queries read in chunks, and every
document is copied in blocks: memory stays the same for 20 cases or 20,000. Running it again gives
the same extract: identifiers are the rows' own (or derived from the scheme and the years), dates come
from the data, each file is written to a temporary name and renamed, and a document already in place
with the right checksum is left alone. A stored file whose checksum is not the one journaled stops
the extract (``ExtractError``): an archive is not handed over with a changed document."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Max, Prefetch
from django.utils import timezone, translation

from grants.archive.copying import ExtractError, copy_batch, copy_document, file_sha256
from grants.archive.journals import write_both_journals, write_change_log
from grants.archive.structure import SYSTEM, document_path, path_of, write_folder
from grants.archive.xml import ADDML, ARKIVSTRUKTUR, Writer
from grants.models import CaseFolder, JournalDocument, JournalEntry, Scheme

__all__ = ["ExtractError", "archive_extract"]

BATCH = 1000  # documents a worker copies at a time
CHUNK = 500  # case folders (with their entries and documents) or rows read from the database at a time
# What the writers read of an entry (the rest, the note of a request for access among it, stays behind).
ENTRY_FIELDS = (
    "id", "folder", "number", "journal_year", "journal_sequence", "type", "title", "public_title",
    "journal_date", "document_date", "correspondent_name", "correspondent_email", "correspondent_screened",
    "access_code", "legal_basis", "status", "written_off", "written_off_on", "registered_at", "system_id",
)  # fmt: skip
FOLDER_FIELDS = (
    "id", "case", "year", "sequence", "title", "public_title", "admin_unit", "archive_code", "opened_on",
    "system_id",
)  # fmt: skip
XML_FILES = ("arkivstruktur.xml", "loependeJournal.xml", "offentligJournal.xml", "endringslogg.xml")


@dataclass
class Extract:
    """What is extracted, and what was written (for the caller and the tests)."""

    scheme: Scheme
    first_year: int
    last_year: int
    out: Path
    folders: int = 0
    entries: int = 0
    documents: int = 0
    checksums: dict[str, str] = field(default_factory=dict)  # XML file in the extract -> SHA-256
    worker_peak_kb: int = 0  # the peak RSS of the process that copied the documents (0: copied here)

    def system_id(self, what: str) -> uuid.UUID:
        """A stable identifier for the archive's own levels (the same extract, the same ids)."""
        return uuid.uuid5(
            uuid.NAMESPACE_URL, f"imdi-tilskudd:{self.scheme.code}:{self.first_year}-{self.last_year}:{what}"
        )

    def folders_query(self):
        """The case folders with their entries and documents; of the case only what the writers read."""
        entries = (
            JournalEntry.objects.select_related("caseworker", "written_off_by")
            .only(*ENTRY_FIELDS, "caseworker__full_name", "written_off_by__system_id")
            .prefetch_related("documents")
            .order_by("number")
        )
        return (
            CaseFolder.objects.filter(case__call__scheme=self.scheme, year__range=(self.first_year, self.last_year))
            .select_related("case__assigned_to")
            .only(*FOLDER_FIELDS, "case__state", "case__assigned_to__full_name")
            .prefetch_related(Prefetch("entries", queryset=entries))
            .order_by("year", "sequence")
        )

    def entries_query(self):
        return JournalEntry.objects.filter(
            folder__case__call__scheme=self.scheme, folder__year__range=(self.first_year, self.last_year)
        ).order_by("journal_year", "journal_sequence")

    def journal_query(self):
        """The entries of the journals, with their case folder: a note not to be journaled (X) is in
        arkivstruktur, and in neither journal."""
        return (
            self.entries_query()
            .exclude(type=JournalEntry.Type.NOTE)
            .select_related("folder")
            .only(*ENTRY_FIELDS, *(f"folder__{name}" for name in FOLDER_FIELDS if name != "case"))
        )

    def documents_query(self):
        return JournalDocument.objects.filter(entry__in=self.entries_query().values("pk")).order_by("pk")


@contextmanager
def atomic_file(path: Path) -> Iterator:
    """A text file written under a temporary name and renamed when complete."""
    partial = path.with_suffix(path.suffix + ".part")
    with open(partial, "w", encoding="utf-8", newline="\n") as out:
        yield out
    os.replace(partial, path)


def atomic_xml(path: Path, write) -> str:
    """Write ``path`` through ``write(writer)`` under a temporary name, rename it, return its SHA-256."""
    with atomic_file(path) as out:
        write(Writer(out))
    return file_sha256(path)


def documents(extract: Extract) -> Iterator[tuple[str, str, str, str, int]]:
    """Each document of the extract: (path in the extract, stored name, SHA-256, size), oldest first."""
    rows = extract.documents_query().values_list("system_id", "original_name", "file", "sha256", "size")
    for system_id, original_name, name, sha256, size in rows.iterator(chunk_size=5 * CHUNK):
        yield path_of(system_id, original_name or name), name, sha256, size


def on_disk(storage) -> bool:
    try:
        storage.path("")
    except NotImplementedError:
        return False
    return True


class Copier:
    """Copies the documents into ``dokumenter/`` while ``arkivstruktur.xml`` is written, which hands it
    each document it describes (``add``). Files on the disk are copied by a worker process, a batch
    at a time, with at most a few batches waiting (memory stays the same); files in another storage
    (S3) are copied here, one by one."""

    def __init__(self, out: Path):
        self.out = out
        (out / "dokumenter").mkdir(parents=True, exist_ok=True)
        self.storage = JournalDocument._meta.get_field("file").storage
        self.pool = None
        if on_disk(self.storage) and not multiprocessing.current_process().daemon:  # a Celery worker may not fork
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.batch: list[tuple[str, str, int, str]] = []
        self.waiting: list[Future] = []
        self.worker_peak_kb = 0  # the copying worker's peak RSS

    def add(self, document: JournalDocument) -> None:
        target = self.out / document_path(document)
        if self.pool is None:
            copy_document(self.storage.open(document.file.name, "rb"), document.sha256, document.size, target)
            return
        self.batch.append((self.storage.path(document.file.name), document.sha256, document.size, str(target)))
        if len(self.batch) >= BATCH:
            self.send()

    def send(self) -> None:
        if self.batch:
            self.waiting.append(self.pool.submit(copy_batch, self.batch))
            self.batch = []
        while len(self.waiting) > 3:
            self.done(self.waiting.pop(0))

    def done(self, future: Future) -> None:
        self.worker_peak_kb = max(self.worker_peak_kb, future.result())  # the worker's ExtractError is raised here

    def finish(self, *, failed: bool = False) -> None:
        """Wait for the last copies (an error in any of them is raised here), or, when the extract has
        failed, stop."""
        if self.pool is None:
            return
        try:
            if not failed:
                self.send()
                for future in self.waiting:
                    self.done(future)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def write_structure(extract: Extract, w: Writer, *, closed_at, copier: Copier) -> None:
    scheme, owner = extract.scheme, extract.scheme.owner
    period = f"{extract.first_year}–{extract.last_year}"
    w.start_document()
    attrs = {"xmlns": ARKIVSTRUKTUR, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    with w.element("arkiv", attrs):
        w.leaf("systemID", extract.system_id("arkiv"))
        w.leaf("tittel", f"{owner.name}: {scheme.name}")
        w.leaf("arkivstatus", "Avsluttet")
        w.leaf("opprettetDato", closed_at)
        w.leaf("opprettetAv", SYSTEM)
        w.leaf("avsluttetDato", closed_at)
        w.leaf("avsluttetAv", SYSTEM)
        with w.element("arkivskaper"):
            w.leaf("arkivskaperID", owner.orgnr)
            w.leaf("arkivskaperNavn", owner.name)
        with w.element("arkivdel"):
            w.leaf("systemID", extract.system_id("arkivdel"))
            w.leaf("tittel", f"{scheme.name} {period}")
            w.leaf("arkivdelstatus", "Avsluttet periode")
            w.leaf("opprettetDato", closed_at)
            w.leaf("opprettetAv", SYSTEM)
            w.leaf("avsluttetDato", closed_at)
            w.leaf("avsluttetAv", SYSTEM)
            w.leaf("arkivperiodeStartDato", dt.date(extract.first_year, 1, 1))
            w.leaf("arkivperiodeSluttDato", dt.date(extract.last_year, 12, 31))
            write_classes(extract, w, closed_at=closed_at, copier=copier)
    w.end_document()


def write_classes(extract: Extract, w: Writer, *, closed_at, copier: Copier) -> None:
    scheme = extract.scheme
    with w.element("klassifikasjonssystem"):
        w.leaf("systemID", extract.system_id("klassifikasjonssystem"))
        w.leaf("klassifikasjonstype", "Emnebasert, ett nivå")
        w.leaf("tittel", f"IMDis arkivkoder: {scheme.name}")
        w.leaf("opprettetDato", closed_at)
        w.leaf("opprettetAv", SYSTEM)
        with w.element("klasse"):
            w.leaf("systemID", extract.system_id("klasse"))
            w.leaf("klasseID", scheme.archive_code or scheme.code)
            w.leaf("tittel", scheme.name)
            w.leaf("opprettetDato", closed_at)
            w.leaf("opprettetAv", SYSTEM)
            for folder in extract.folders_query().iterator(chunk_size=CHUNK):
                write_folder(w, folder, closed_at=closed_at)
                extract.folders += 1
                for entry in folder.entries.all():
                    extract.entries += 1
                    for document in entry.documents.all():
                        copier.add(document)
                        extract.documents += 1


def closing_time(extract: Extract) -> dt.datetime:
    """The moment the extract closes the period: its last registration (the same on every run)."""
    last = extract.entries_query().aggregate(last=Max("registered_at"))["last"]
    if last is None:
        last = dt.datetime(extract.last_year, 12, 31, 23, 59, 59, tzinfo=timezone.get_current_timezone())
    return timezone.localtime(last).replace(microsecond=0)


def archive_extract(*, scheme: Scheme, first_year: int, last_year: int, out: Path) -> Extract:
    """Write the extract to ``out`` (made if missing). Written in bokmål, whoever asks."""
    extract = Extract(scheme=scheme, first_year=first_year, last_year=last_year, out=Path(out))
    extract.out.mkdir(parents=True, exist_ok=True)
    with translation.override("nb"):
        closed_at = closing_time(extract)
        copier = Copier(extract.out)
        structure = extract.out / "arkivstruktur.xml"
        try:
            with atomic_file(structure) as out:
                write_structure(extract, Writer(out), closed_at=closed_at, copier=copier)
        except BaseException:
            copier.finish(failed=True)
            raise
        copier.finish()  # every document copied and checked before the extract goes on
        extract.worker_peak_kb = copier.worker_peak_kb
        sums = extract.checksums
        sums["arkivstruktur.xml"] = file_sha256(structure)
        write_journals(extract, closed_at=closed_at)
        sums["arkivuttrekk.xml"] = atomic_xml(
            extract.out / "arkivuttrekk.xml", lambda w: write_addml(extract, w, closed_at=closed_at)
        )
    return extract


def write_journals(extract: Extract, *, closed_at) -> None:
    """``loependeJournal.xml`` and ``offentligJournal.xml`` in one pass over the entries, then
    ``endringslogg.xml``."""
    creator = extract.scheme.owner
    journaled = extract.journal_query()
    head = {
        "start": dt.date(extract.first_year, 1, 1),
        "end": dt.date(extract.last_year, 12, 31),
        "count": journaled.count(),
        "creator": creator,
        "selection": f"{extract.scheme.name}, {extract.first_year}–{extract.last_year}",
    }
    running, public = extract.out / "loependeJournal.xml", extract.out / "offentligJournal.xml"
    with atomic_file(running) as running_out, atomic_file(public) as public_out:
        write_both_journals(
            Writer(running_out),
            Writer(public_out),
            journaled.iterator(chunk_size=5 * CHUNK),
            class_title=extract.scheme.name,
            **head,
        )
    for path in (running, public):
        extract.checksums[path.name] = file_sha256(path)
    changed = (
        extract.entries_query()
        .exclude(status=JournalEntry.Status.REGISTERED)
        .only("id", "system_id", "registered_at", "status")
    )
    extract.checksums["endringslogg.xml"] = atomic_xml(
        extract.out / "endringslogg.xml",
        lambda w: write_change_log(
            w, changed.iterator(chunk_size=5 * CHUNK), part_id=extract.system_id("arkivdel"), closed_at=closed_at
        ),
    )


def write_addml(extract: Extract, w: Writer, *, closed_at) -> None:
    """``arkivuttrekk.xml`` (ADDML 8.3): the extract's files with their SHA-256, as the National
    Archives' tools read them."""
    name = f"{extract.scheme.code}-{extract.first_year}-{extract.last_year}"
    w.start_document()
    with (
        w.element("addml", {"xmlns": ADDML, "name": f"Noark 5 arkivuttrekk {extract.scheme.code}"}),
        w.element("dataset", {"name": name}),
        w.element("dataObjects"),
        w.element("dataObject", {"name": "Noark 5 arkivuttrekk"}),
    ):
        with w.element("properties"):
            property_(w, "info", f"{extract.scheme.owner.name}, {closed_at.isoformat()}")
        with w.element("dataObjects"):
            for path, sha256 in sorted(extract.checksums.items()):
                write_addml_file(w, path, sha256, (extract.out / path).stat().st_size)
            for path, _name, sha256, size in documents(extract):  # copied and checked: their size is journaled
                write_addml_file(w, path, sha256, size)
    w.end_document()


def property_(w: Writer, name: str, value) -> None:
    with w.element("property", {"name": name}):
        w.leaf("value", value)


def write_addml_file(w: Writer, path: str, sha256: str, size: int) -> None:
    with (
        w.element("dataObject", {"name": path}),
        w.element("properties"),
        w.element("property", {"name": "file"}),
        w.element("properties"),
    ):
        property_(w, "name", path)
        property_(w, "size", size)
        with w.element("property", {"name": "checksum"}), w.element("properties"):
            property_(w, "algorithm", "SHA256")
            property_(w, "value", sha256)
