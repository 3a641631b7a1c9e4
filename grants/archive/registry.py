"""The archive's registry (arkivforskrifta, Noark 5): case numbers, journal entries and their stored
files. ``grants.services.journal`` calls it from each stage of a case; the modules that store a
rendered document after the commit (receipts, letters) attach it here, below the services.

Numbers are handed out under row locks so that they have no gaps and none is given twice: the case
numbers of a year and the journal's running number of a year each come from an ``ArchiveCounter`` row
locked with ``select_for_update``, a case's document numbers from its ``CaseFolder`` row. Locks are
taken after the case's (``grants.services.locking``): folder, then counter.

Registering is idempotent: an entry is keyed by what it registers (``source``: ``"submission:12"``,
``"letter:4"``), so a task that runs twice journals once. A document rendered after the commit (a
receipt, a letter) is attached to its entry when it is stored (``journal_attach``), and an outgoing
letter then counts as dispatched.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import ArchiveCounter, Case, CaseFolder, JournalDocument, JournalEntry
from grants.models.archive import ARCHIVAL_FORMATS
from portal.models import Organisation, User

Type = JournalEntry.Type
Access = JournalEntry.AccessCode

# The legal basis written with each access code (offentleglova; forvaltningsloven § 13 for personal data).
LEGAL_BASIS = {
    Access.PERSONAL: "offentleglova § 13 jf. forvaltningsloven § 13 første ledd nr. 1",
    Access.INTERNAL: "offentleglova § 14 første ledd",
}
# The format of the portal's own PDFs (letters and receipts, WeasyPrint's PDF/A variant).
PORTAL_PDF = "PDF/A-2b"
FORMATS = {"pdf": "PDF", "docx": "DOCX", "odt": "ODT", "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
FORMATS.update({"xlsx": "XLSX", "ods": "ODS", "csv": "CSV", "txt": "TXT", "xml": "XML"})


@dataclass(frozen=True)
class Doc:
    """A stored file to journal: the field file, its SHA-256 and what to call it."""

    file: object  # a FieldFile
    sha256: str
    title: str
    original_name: str = ""
    format: str = ""  # worked out from the name when not given
    size: int | None = None
    main: bool | None = None  # None: the main document if the entry has none yet


# The day documents are journaled on: today, or, while ``journaled_on`` holds, the day a document of
# the time before the archive came in or went out (``grants.services.journal_backfill``).
_JOURNAL_DAY: ContextVar[dt.date | None] = ContextVar("journal_day", default=None)


def journal_day() -> dt.date:
    """The journal date of what is registered now (and the date of a document made now)."""
    return _JOURNAL_DAY.get() or timezone.localdate()


@contextmanager
def journaled_on(day: dt.date) -> Iterator[None]:
    """Register what happens inside on ``day`` (its journal date and year), not today."""
    token = _JOURNAL_DAY.set(day)
    try:
        yield
    finally:
        _JOURNAL_DAY.reset(token)


def file_format(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return FORMATS.get(ext, ext.upper() or "UKJENT")


# --- Numbers ------------------------------------------------------------------------------------


def next_number(kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``, taken under the counter row's lock (the row is made
    first if the year has none: concurrent first takers insert once and then queue on the lock)."""
    ArchiveCounter.objects.bulk_create([ArchiveCounter(kind=kind, year=year)], ignore_conflicts=True)
    counter = ArchiveCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def case_titles(case: Case) -> tuple[str, str]:
    """A case's title and its public title. A case is a county's application: it names an
    organisation and a call, never a person, so both read the same."""
    application = case.application
    title = _("Søknad om tilskudd – %(call)s – %(org)s") % {
        "call": application.call.title,
        "org": application.organisation.name,
    }
    return title[:500], title[:500]


@transaction.atomic
def case_folder_open(case: Case, *, on: dt.date | None = None) -> CaseFolder:
    """The case's folder with its case number ``YYYY/NNNNN``: made once, when the case opens."""
    existing = CaseFolder.objects.filter(case=case).first()
    if existing is not None:
        return existing
    opened_on = on or journal_day()
    scheme = case.call.scheme
    title, public_title = case_titles(case)
    return CaseFolder.objects.create(
        case=case,
        year=opened_on.year,
        sequence=next_number(ArchiveCounter.Kind.CASE, opened_on.year),
        title=title,
        public_title=public_title,
        admin_unit=scheme.owner.name,
        archive_code=scheme.archive_code,
        opened_on=opened_on,
        system_id=uuid.uuid4(),
    )


def case_number(case: Case) -> str:
    folder = CaseFolder.objects.filter(case=case).only("year", "sequence").first()
    return folder.number if folder else ""


# --- Registering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """The sender or recipient (korrespondansepart): an organisation, or a person whose name is
    screened on the public journal."""

    name: str
    organisation: Organisation | None = None
    email: str = ""
    screened: bool = False

    @classmethod
    def of(cls, organisation: Organisation | None) -> Party:
        if organisation is None:
            return cls(name="")
        return cls(name=organisation.name, organisation=organisation)


@transaction.atomic
def journal_register(
    *,
    case: Case,
    source: str,
    type: str,
    title: str,
    party: Party,
    public_title: str = "",
    access: str = Access.OPEN,
    document_date: dt.date | None = None,
    caseworker: User | None = None,
    documents: Iterable[Doc] = (),
    replies_to: Iterable[str] = (),
    requested_entry: JournalEntry | None = None,
    note: str = "",
) -> JournalEntry:
    """Journal a document of ``case`` once (``source`` names it). An outgoing reply writes off the
    incoming entries it answers (``replies_to``, their sources)."""
    existing = JournalEntry.objects.select_related("folder").filter(source=source).first()
    if existing is not None:
        return existing
    folder = case_folder_open(case)
    folder = CaseFolder.objects.select_for_update().get(pk=folder.pk)
    if existing := JournalEntry.objects.select_related("folder").filter(source=source).first():
        return existing  # registered by a concurrent run while this one waited for the lock
    folder.last_document += 1
    folder.save(update_fields=["last_document"])
    today = journal_day()
    entry = JournalEntry.objects.create(
        folder=folder,
        number=folder.last_document,
        journal_year=today.year,
        journal_sequence=next_number(ArchiveCounter.Kind.JOURNAL, today.year),
        type=type,
        source=source,
        title=title[:500],
        public_title=(public_title or title)[:500],
        journal_date=today,
        document_date=document_date,
        correspondent_name=(party.name or folder.admin_unit)[:300],
        correspondent=party.organisation,
        correspondent_email=party.email,
        correspondent_screened=party.screened,
        access_code=access,
        legal_basis=LEGAL_BASIS.get(access, ""),
        caseworker=caseworker,
        requested_entry=requested_entry,
        note=note,
        system_id=uuid.uuid4(),
    )
    for doc in documents:
        document_add(entry, doc)
    write_off(replies_to, by=entry)
    return entry


def write_off(sources: Iterable[str], *, by: JournalEntry) -> int:
    """The incoming entries of ``sources`` are answered by ``by`` (avskrevet, besvart med brev)."""
    sources = [source for source in sources if source]
    if not sources:
        return 0
    return (
        JournalEntry.objects.filter(source__in=sources, type=Type.INCOMING)
        .exclude(status=JournalEntry.Status.WRITTEN_OFF)
        .update(
            status=JournalEntry.Status.WRITTEN_OFF,
            written_off=JournalEntry.WriteOff.REPLIED,
            written_off_on=by.journal_date,
            written_off_by=by,
        )
    )


def document_add(entry: JournalEntry, doc: Doc) -> JournalDocument:
    """Add a stored file to ``entry`` once: the main document or an attachment (``doc.main``)."""
    name = doc.file.name
    existing = entry.documents.filter(file=name).first()
    if existing is not None:
        return existing
    numbers = list(entry.documents.values_list("number", flat=True))
    number = max(numbers, default=0) + 1
    main = doc.main
    if main is None:
        main = not entry.documents.filter(role=JournalDocument.Role.MAIN).exists()
    original = doc.original_name or name.rsplit("/", 1)[-1]
    fmt = doc.format or file_format(original)
    return JournalDocument.objects.create(
        entry=entry,
        number=number,
        role=JournalDocument.Role.MAIN if main else JournalDocument.Role.ATTACHMENT,
        title=doc.title[:500],
        file=name,
        original_name=original[:255],
        format=fmt,
        archival=fmt in ARCHIVAL_FORMATS,
        size=doc.size if doc.size is not None else doc.file.size,
        sha256=doc.sha256,
        system_id=uuid.uuid4(),
    )


@transaction.atomic
def journal_attach(*, source: str, doc: Doc, dispatched: bool = False) -> JournalDocument | None:
    """Attach a file rendered after the commit (a receipt, a letter) to the entry of ``source``; an
    outgoing letter stored and sent is dispatched (ekspedert). Nothing happens without the entry.
    The case's folder is locked first, as ``journal_register`` locks it, so the two cannot deadlock."""
    folder_id = JournalEntry.objects.filter(source=source).values_list("folder_id", flat=True).first()
    if folder_id is None:
        return None
    CaseFolder.objects.select_for_update().values_list("pk", flat=True).get(pk=folder_id)
    entry = JournalEntry.objects.select_for_update().get(source=source)
    document = document_add(entry, doc)
    if dispatched and entry.status == JournalEntry.Status.REGISTERED:
        entry.status = JournalEntry.Status.DISPATCHED
        entry.save(update_fields=["status"])
    return document


def entry_for(source: str) -> JournalEntry | None:
    return JournalEntry.objects.select_related("folder").filter(source=source).first()


def case_journal(case: Case):
    """The case's journal as IMDi reads it on the case page, oldest first."""
    return (
        JournalEntry.objects.filter(folder__case=case)
        .select_related("folder", "caseworker", "written_off_by__folder")
        .prefetch_related("documents")
        .order_by("number")
    )


def journal_issued(*, source: str, file, sha256: str, title: str) -> JournalDocument | None:
    """A letter stored after the commit: attach it to its entry, which is now dispatched."""
    return journal_attach(
        source=source, doc=Doc(file=file, sha256=sha256, title=title, format=PORTAL_PDF), dispatched=True
    )


def journal_receipt(*, submission) -> JournalEntry:
    """Outgoing: the receipt of a submission (when it is stored), also kept with the application it
    confirms."""
    application = submission.application
    doc = Doc(file=submission.receipt, sha256=submission.receipt_sha256, title=_("Kvittering"), format=PORTAL_PDF)
    journal_attach(source=f"submission:{submission.pk}", doc=doc)
    entry = journal_register(
        case=application.case,
        source=f"receipt:{submission.pk}",
        type=Type.OUTGOING,
        title=_("Kvittering for mottatt søknad – %(call)s") % {"call": application.call.title},
        party=Party.of(application.organisation),
        document_date=journal_day(),
    )
    journal_attach(source=entry.source, doc=doc, dispatched=True)
    return entry
