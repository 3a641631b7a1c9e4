"""The public journal (offentleglova § 10, eInnsyn): the entries of a period as the public may read
them, and ``offentligJournal.xml`` (Noark 5 v5.0, ``offentligJournal.xsd``) written as a stream.

What is screened stays screened everywhere the public looks: a private person's name (the requester
of access, offentleglova § 13) is never written, only that it is screened and why; a case or entry
is shown by its public title."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from grants.archive.xml import OFFENTLIG_JOURNAL, Chunks, Writer
from grants.models import JournalEntry
from portal.models import Organisation

SCREENED_NAME = "Skjermet"  # what the XML writes for a screened name (the element may not be empty)
PARTY_TYPE = {"I": "Avsender", "U": "Mottaker", "N": "Intern mottaker", "X": "Intern mottaker"}
WRITE_OFF = dict(JournalEntry.WriteOff.choices)
CHUNK = 200  # entries per piece of a streamed response


def public_entries(start: dt.date, end: dt.date):
    """The public journal of ``start``–``end`` (journal dates, both included), oldest first."""
    return (
        JournalEntry.objects.public()
        .select_related("folder__case__call__scheme")
        .filter(journal_date__range=(start, end))
        .order_by("journal_date", "journal_year", "journal_sequence")
    )


def write_entry(w: Writer, entry: JournalEntry, class_title: str = "") -> None:
    """One ``journalregistrering``: the class, the case and the entry as the public may read them
    (``class_title``: the scheme's name, when the caller knows it)."""
    folder = entry.folder
    with w.element("journalregistrering"):
        if folder.archive_code:
            with w.element("klasse"):
                w.leaf("klasseID", folder.archive_code)
                w.leaf("tittel", class_title or folder.case.call.scheme.name)
        with w.element("saksmappe"):
            w.leaf("saksaar", folder.year)
            w.leaf("sakssekvensnummer", folder.sequence)
            w.optional("offentligTittel", folder.public_title)
        with w.element("journalpost"):
            w.leaf("systemID", entry.system_id)
            w.leaf("journalaar", entry.journal_year)
            w.leaf("journalsekvensnummer", entry.journal_sequence)
            w.leaf("journalpostnummer", entry.number)
            w.optional("offentligTittel", entry.public_title)
            if entry.correspondent_screened:
                w.leaf("skjermingMetadata", "korrespondansepartNavn")
            w.leaf("journaldato", entry.journal_date)
            w.optional("dokumentetsDato", entry.document_date)
            if entry.written_off:
                w.optional("avskrivningsdato", entry.written_off_on)
                w.leaf("avskrivningsmaate", WRITE_OFF[entry.written_off])
            if entry.access_code:
                w.leaf("tilgangsrestriksjon", entry.access_code)
                w.leaf("skjermingshjemmel", entry.legal_basis)
            with w.element("korrespondansepart"):
                w.leaf("korrespondanseparttype", PARTY_TYPE[entry.type])
                w.leaf("korrespondansepartNavn", entry.public_correspondent or SCREENED_NAME)


def public_journal_chunks(
    start: dt.date, end: dt.date, *, creator: Organisation, selection: str = ""
) -> Iterator[bytes]:
    """``offentligJournal.xml`` of the period, in pieces. The schema wants at least one entry: the
    caller checks that the period has one."""
    entries = public_entries(start, end)
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
        for number, entry in enumerate(entries.iterator(chunk_size=CHUNK), start=1):
            write_entry(w, entry)
            if number % CHUNK == 0:
                w.flush()
                yield out.take()
    w.end_document()
    yield out.take()
