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
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Max, Prefetch
from django.utils import timezone, translation

from grants.archive.journals import write_change_log, write_journal
from grants.archive.structure import SYSTEM, document_path, write_folder
from grants.archive.xml import ADDML, ARKIVSTRUKTUR, Writer
from grants.models import CaseFolder, JournalDocument, JournalEntry, Scheme

BLOCK = 1024 * 1024
CHUNK = 200
XML_FILES = ("arkivstruktur.xml", "loependeJournal.xml", "offentligJournal.xml", "endringslogg.xml")


class ExtractError(Exception):
    pass


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
    checksums: dict[str, str] = field(default_factory=dict)  # path in the extract -> SHA-256

    def system_id(self, what: str) -> uuid.UUID:
        """A stable identifier for the archive's own levels (the same extract, the same ids)."""
        return uuid.uuid5(
            uuid.NAMESPACE_URL, f"imdi-tilskudd:{self.scheme.code}:{self.first_year}-{self.last_year}:{what}"
        )

    def folders_query(self):
        entries = JournalEntry.objects.select_related("folder", "caseworker", "written_off_by").order_by("number")
        return (
            CaseFolder.objects.filter(case__call__scheme=self.scheme, year__range=(self.first_year, self.last_year))
            .select_related("case__assigned_to")
            .prefetch_related(Prefetch("entries", queryset=entries.prefetch_related("documents")))
            .order_by("year", "sequence")
        )

    def entries_query(self):
        return (
            JournalEntry.objects.filter(
                folder__case__call__scheme=self.scheme, folder__year__range=(self.first_year, self.last_year)
            )
            .select_related("folder__case__call__scheme")
            .order_by("journal_year", "journal_sequence")
        )

    def documents_query(self):
        return JournalDocument.objects.filter(entry__in=self.entries_query().values("pk")).order_by("pk")


def atomic_xml(path: Path, write) -> str:
    """Write ``path`` through ``write(writer)`` under a temporary name, rename it, return its SHA-256."""
    partial = path.with_suffix(path.suffix + ".part")
    with open(partial, "w", encoding="utf-8", newline="\n") as out:
        write(Writer(out))
    os.replace(partial, path)
    return file_sha256(path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def copy_document(document: JournalDocument, target: Path) -> None:
    """Copy a stored file in blocks, checking it against the SHA-256 journaled with it."""
    if target.exists() and file_sha256(target) == document.sha256:
        return
    partial = target.with_suffix(target.suffix + ".part")
    digest = hashlib.sha256()
    with document.file.open("rb") as source, open(partial, "wb") as out:
        while block := source.read(BLOCK):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != document.sha256:
        partial.unlink()
        raise ExtractError(f"{document.file.name}: SHA-256 {digest.hexdigest()} is not the journaled {document.sha256}")
    os.replace(partial, target)


def write_documents(extract: Extract) -> None:
    (extract.out / "dokumenter").mkdir(parents=True, exist_ok=True)
    for document in extract.documents_query().iterator(chunk_size=CHUNK):
        path = document_path(document)
        copy_document(document, extract.out / path)
        extract.checksums[path] = document.sha256
        extract.documents += 1


def write_structure(extract: Extract, w: Writer, *, closed_at) -> None:
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
            write_classes(extract, w, closed_at=closed_at)
    w.end_document()


def write_classes(extract: Extract, w: Writer, *, closed_at) -> None:
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
                extract.entries += len(folder.entries.all())


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
        write_documents(extract)
        sums = extract.checksums
        sums["arkivstruktur.xml"] = atomic_xml(
            extract.out / "arkivstruktur.xml", lambda w: write_structure(extract, w, closed_at=closed_at)
        )
        write_journals(extract, closed_at=closed_at)
        sums["arkivuttrekk.xml"] = atomic_xml(
            extract.out / "arkivuttrekk.xml", lambda w: write_addml(extract, w, closed_at=closed_at)
        )
    return extract


def write_journals(extract: Extract, *, closed_at) -> None:
    creator = extract.scheme.owner
    start, end = dt.date(extract.first_year, 1, 1), dt.date(extract.last_year, 12, 31)
    selection = f"{extract.scheme.name}, {extract.first_year}–{extract.last_year}"
    entries = extract.entries_query()
    # A note not to be journaled (X) is in arkivstruktur, and in neither journal.
    journaled = entries.exclude(type=JournalEntry.Type.NOTE)
    for name, query, public_only in (
        ("loependeJournal.xml", journaled, False),
        ("offentligJournal.xml", journaled, True),
    ):
        count = query.count()
        extract.checksums[name] = atomic_xml(
            extract.out / name,
            lambda w, query=query, count=count, public_only=public_only: write_journal(
                w,
                query.iterator(chunk_size=CHUNK),
                public_only=public_only,
                start=start,
                end=end,
                count=count,
                creator=creator,
                selection=selection,
            ),
        )
    changed = entries.exclude(status=JournalEntry.Status.REGISTERED)
    extract.checksums["endringslogg.xml"] = atomic_xml(
        extract.out / "endringslogg.xml",
        lambda w: write_change_log(
            w, changed.iterator(chunk_size=CHUNK), part_id=extract.system_id("arkivdel"), closed_at=closed_at
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
                write_addml_file(w, path, sha256, extract.out / path)
    w.end_document()


def property_(w: Writer, name: str, value) -> None:
    with w.element("property", {"name": name}):
        w.leaf("value", value)


def write_addml_file(w: Writer, path: str, sha256: str, on_disk: Path) -> None:
    with (
        w.element("dataObject", {"name": path}),
        w.element("properties"),
        w.element("property", {"name": "file"}),
        w.element("properties"),
    ):
        property_(w, "name", path)
        property_(w, "size", on_disk.stat().st_size)
        with w.element("property", {"name": "checksum"}), w.element("properties"):
            property_(w, "algorithm", "SHA256")
            property_(w, "value", sha256)
