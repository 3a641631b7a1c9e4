"""The public journal (offentleglova § 10, eInnsyn): the entries of a period as the public may read
them, and ``offentligJournal.xml`` (Noark 5 v5.0, ``offentligJournal.xsd``) written as a stream.

What is screened stays screened everywhere the public looks: a private person's name (the requester
of access, offentleglova § 13) is never written, only that it is screened and why; a case or entry
is shown by its public title.

The journals are written from plain rows (``values_list(*JOURNAL_ROW, named=True)``), each entry as one
string: the extract's journals hold every entry of the period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from grants.archive.structure import PARTY_TYPE, labels
from grants.archive.xml import OFFENTLIG_JOURNAL, Chunks, Writer, escaped, optional
from grants.models import JournalEntry
from portal.models import Organisation

SCREENED_NAME = "Skjermet"  # what the XML writes for a screened name (the element may not be empty)
CHUNK = 200  # entries per piece of a streamed response
# What the journals read of an entry and its case folder.
JOURNAL_ROW = (
    "system_id", "journal_year", "journal_sequence", "number", "type", "title", "public_title", "journal_date",
    "document_date", "correspondent_name", "correspondent_screened", "access_code", "legal_basis",
    "written_off", "written_off_on", "folder__archive_code", "folder__year", "folder__sequence", "folder__title",
    "folder__public_title",
)  # fmt: skip


def public_entries(start: dt.date, end: dt.date):
    """The public journal of ``start``–``end`` (journal dates, both included), oldest first."""
    return (
        JournalEntry.objects.public()
        .filter(journal_date__range=(start, end))
        .order_by("journal_date", "journal_year", "journal_sequence")
    )


def class_of(entry, class_title: str) -> str:
    """The entry's klasse (none when its case has no archive code)."""
    if not entry.folder__archive_code:
        return ""
    code = escaped(entry.folder__archive_code)
    return f"<klasse><klasseID>{code}</klasseID><tittel>{escaped(class_title)}</tittel></klasse>"


def numbers_of(entry) -> str:
    """The journalpost's first elements: its identifier and numbers."""
    return (
        f"<systemID>{entry.system_id}</systemID><journalaar>{entry.journal_year}</journalaar>"
        f"<journalsekvensnummer>{entry.journal_sequence}</journalsekvensnummer>"
        f"<journalpostnummer>{entry.number}</journalpostnummer>"
    )


def dates_of(entry, write_off: dict[str, str]) -> str:
    """The journalpost's dates, how it was written off and its access code (``write_off``: the labels)."""
    text = (
        f"<journaldato>{entry.journal_date.isoformat()}</journaldato>{optional('dokumentetsDato', entry.document_date)}"
    )
    if entry.written_off:
        text += (
            f"{optional('avskrivningsdato', entry.written_off_on)}"
            f"<avskrivningsmaate>{write_off[entry.written_off]}</avskrivningsmaate>"
        )
    if entry.access_code:
        text += (
            f"<tilgangsrestriksjon>{escaped(entry.access_code)}</tilgangsrestriksjon>"
            f"<skjermingshjemmel>{escaped(entry.legal_basis)}</skjermingshjemmel>"
        )
    return text


def write_entry(w: Writer, entry, class_title: str, write_off: dict[str, str]) -> None:
    """One ``journalregistrering``: the class (``class_title``: the scheme's name), the case and the
    entry as the public may read them."""
    screened = "<skjermingMetadata>korrespondansepartNavn</skjermingMetadata>" if entry.correspondent_screened else ""
    name = SCREENED_NAME if entry.correspondent_screened else entry.correspondent_name or SCREENED_NAME
    w.add(
        f"<journalregistrering>{class_of(entry, class_title)}<saksmappe><saksaar>{entry.folder__year}</saksaar>"
        f"<sakssekvensnummer>{entry.folder__sequence}</sakssekvensnummer>"
        f"{optional('offentligTittel', entry.folder__public_title)}</saksmappe><journalpost>{numbers_of(entry)}"
        f"{optional('offentligTittel', entry.public_title)}{screened}{dates_of(entry, write_off)}"
        f"<korrespondansepart><korrespondanseparttype>{PARTY_TYPE[entry.type]}</korrespondanseparttype>"
        f"<korrespondansepartNavn>{escaped(name)}</korrespondansepartNavn></korrespondansepart>"
        "</journalpost></journalregistrering>"
    )


def public_journal_chunks(
    start: dt.date, end: dt.date, *, creator: Organisation, selection: str = ""
) -> Iterator[bytes]:
    """``offentligJournal.xml`` of the period, in pieces. The schema wants at least one entry: the
    caller checks that the period has one."""
    entries = public_entries(start, end)
    rows = entries.values_list(*JOURNAL_ROW, "folder__case__call__scheme__name", named=True)
    write_off = labels(JournalEntry.WriteOff.choices)
    out = Chunks()
    w = Writer(out)
    w.start_document()
    with w.element("offentligJournal", {"xmlns": OFFENTLIG_JOURNAL}):
        with w.element("journalhode"):
            w.leaf("journalStartDato", start)
            w.leaf("journalSluttDato", end)
            w.optional("seleksjon", selection)
            w.leaf("antallJournalposter", entries.count())
            with w.element("arkivskaper"):
                w.leaf("arkivskaperID", creator.orgnr)
                w.leaf("arkivskaperNavn", creator.name)
        w.flush()
        yield out.take()
        for number, entry in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
            write_entry(w, entry, entry.folder__case__call__scheme__name, write_off)
            if number % CHUNK == 0:
                w.flush()
                yield out.take()
    w.end_document()
    yield out.take()
