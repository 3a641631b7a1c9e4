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
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from xml.sax.saxutils import quoteattr

from django.db.models import Max
from django.utils import timezone, translation

from grants.archive.copying import ExtractError, copy_batch, copy_document, file_sha256
from grants.archive.journals import write_both_journals, write_change_log
from grants.archive.public import JOURNAL_ROW
from grants.archive.structure import DOCUMENT_ROW, ENTRY_ROW, FOLDER_ROW, SYSTEM, StructureWriter, path_of
from grants.archive.xml import ADDML, ARKIVSTRUKTUR, Writer, escaped, text_of
from grants.models import CaseFolder, JournalDocument, JournalEntry, Scheme

__all__ = ["ExtractError", "archive_extract"]

BATCH = 1000  # documents a worker copies at a time
WORKERS = 2  # processes that copy (creating a file waits on the disk more than on the processor)
CHUNK = 500  # case folders (with their entries and documents) or rows read from the database at a time
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
        """The case folders of the extract, oldest first, as rows of ``FOLDER_ROW``."""
        return (
            CaseFolder.objects.filter(case__call__scheme=self.scheme, year__range=(self.first_year, self.last_year))
            .order_by("year", "sequence")
            .values_list(*FOLDER_ROW, named=True)
        )

    def folders_with_entries(self) -> Iterator[tuple[list, dict[int, list], dict[int, list]]]:
        """The case folders a chunk at a time, with their entries by folder and the entries' documents by
        entry (rows of ``ENTRY_ROW`` and ``DOCUMENT_ROW``): three queries per chunk."""
        folders = self.folders_query().iterator(chunk_size=CHUNK)
        while chunk := list(islice(folders, CHUNK)):
            ids = [folder.id for folder in chunk]
            entries: dict[int, list] = defaultdict(list)
            rows = JournalEntry.objects.filter(folder__in=ids).order_by("folder", "number")
            for entry in rows.values_list(*ENTRY_ROW, named=True):
                entries[entry.folder_id].append(entry)
            documents: dict[int, list] = defaultdict(list)
            rows = JournalDocument.objects.filter(entry__folder__in=ids).order_by("entry", "number")
            for document in rows.values_list(*DOCUMENT_ROW, named=True):
                documents[document.entry_id].append(document)
            yield chunk, entries, documents

    def entries_query(self):
        return JournalEntry.objects.filter(
            folder__case__call__scheme=self.scheme, folder__year__range=(self.first_year, self.last_year)
        ).order_by("journal_year", "journal_sequence")

    def journal_query(self):
        """The entries of the journals, with their case folder: a note not to be journaled (X) is in
        arkivstruktur, and in neither journal."""
        return self.entries_query().exclude(type=JournalEntry.Type.NOTE).values_list(*JOURNAL_ROW, named=True)

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
    each document it describes (``add``). Files on the disk are copied by WORKERS processes, a batch
    at a time, with at most a few batches waiting (memory stays the same); files in another storage
    (S3) are copied here, one by one."""

    def __init__(self, out: Path):
        self.out = out
        (out / "dokumenter").mkdir(parents=True, exist_ok=True)
        self.storage = JournalDocument._meta.get_field("file").storage
        self.pool = None
        if on_disk(self.storage) and not multiprocessing.current_process().daemon:  # a Celery worker may not fork
            self.pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"))
        self.batch: list[tuple[str, str, int, str]] = []
        self.waiting: list[Future] = []
        self.worker_peak_kb = 0  # the copying worker's peak RSS

    def add(self, path: str, name: str, sha256: str, size: int) -> None:
        """Copy the stored file ``name`` to ``path`` in the extract, checked against ``sha256`` and ``size``."""
        if self.pool is None:
            copy_document(self.storage.open(name, "rb"), sha256, size, self.out / path)
            return
        self.batch.append((self.storage.path(name), sha256, size, f"{self.out}/{path}"))
        if len(self.batch) >= BATCH:
            self.send()

    def send(self) -> None:
        if self.batch:
            self.waiting.append(self.pool.submit(copy_batch, self.batch))
            self.batch = []
        while len(self.waiting) > 2 * WORKERS:
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
            structure = StructureWriter(w, closed_at=closed_at, on_document=copier.add)
            for folders, entries, documents in extract.folders_with_entries():
                for folder in folders:
                    structure.folder(folder, entries[folder.id], documents)
                    extract.entries += len(entries[folder.id])
                extract.folders += len(folders)
                extract.documents += sum(map(len, documents.values()))


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
        .values_list("system_id", "registered_at", "status")
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
    w.add(
        f'<dataObject name={quoteattr(text_of(path))}><properties><property name="file"><properties>'
        f'<property name="name"><value>{escaped(path)}</value></property>'
        f'<property name="size"><value>{size}</value></property>'
        '<property name="checksum"><properties><property name="algorithm"><value>SHA256</value></property>'
        f'<property name="value"><value>{escaped(sha256)}</value></property></properties></property>'
        "</properties></property></properties></dataObject>"
    )
