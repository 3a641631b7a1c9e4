"""The journals and the change log of a Noark 5 v5.0 extract: ``loependeJournal.xml`` (every entry as
registered, with what is screened marked), ``offentligJournal.xml`` (as the public reads it,
``grants.archive.public``) and ``endringslogg.xml`` (the changes of status the journal records)."""

from __future__ import annotations

from collections.abc import Iterable

from grants.archive import public
from grants.archive.structure import PARTY_TYPE, SYSTEM, WRITE_OFF
from grants.archive.xml import ENDRINGSLOGG, LOEPENDE_JOURNAL, OFFENTLIG_JOURNAL, Writer
from grants.models import JournalEntry
from portal.models import Organisation


def write_head(w: Writer, *, start, end, count: int, creator: Organisation, selection: str) -> None:
    with w.element("journalhode"):
        w.leaf("journalStartDato", start)
        w.leaf("journalSluttDato", end)
        w.optional("seleksjon", selection)
        w.leaf("antallJournalposter", count)
        with w.element("arkivskaper"):
            w.leaf("arkivskaperID", creator.orgnr)
            w.leaf("arkivskaperNavn", creator.name)


def write_running_entry(w: Writer, entry: JournalEntry, class_title: str = "") -> None:
    """One ``journalregistrering`` of the running journal: the full titles and names (``class_title``:
    the scheme's name, when the caller knows it)."""
    folder = entry.folder
    with w.element("journalregistrering"):
        if folder.archive_code:
            with w.element("klasse"):
                w.leaf("klasseID", folder.archive_code)
                w.leaf("tittel", class_title or folder.case.call.scheme.name)
        with w.element("saksmappe"):
            w.leaf("saksaar", folder.year)
            w.leaf("sakssekvensnummer", folder.sequence)
            w.leaf("tittel", folder.title)
            w.optional("offentligTittel", folder.public_title)
        with w.element("journalpost"):
            w.leaf("systemID", entry.system_id)
            w.leaf("journalaar", entry.journal_year)
            w.leaf("journalsekvensnummer", entry.journal_sequence)
            w.leaf("journalpostnummer", entry.number)
            w.leaf("tittel", entry.title)
            w.optional("offentligTittel", entry.public_title)
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
                w.leaf("korrespondansepartNavn", entry.correspondent_name)
                if entry.correspondent_screened:
                    w.leaf("skjermingMetadata", "korrespondansepartNavn")


def write_both_journals(
    running: Writer, public_w: Writer, entries: Iterable[JournalEntry], *, class_title: str = "", **head
) -> None:
    """``loependeJournal`` (every entry as registered) to ``running`` and ``offentligJournal`` (as the
    public reads it) to ``public_w``, in one pass over ``entries``; ``head``: ``write_head``'s."""
    roots = (
        (running, "loependeJournal", LOEPENDE_JOURNAL),
        (public_w, "offentligJournal", OFFENTLIG_JOURNAL),
    )
    for w, root, namespace in roots:
        w.start_document()
        w.write(f'<{root} xmlns="{namespace}">')
        write_head(w, **head)
    for entry in entries:
        write_running_entry(running, entry, class_title)
        public.write_entry(public_w, entry, class_title)
    for w, root, _namespace in roots:
        w.write(f"</{root}>")
        w.end_document()


def write_change_log(w: Writer, changes: Iterable[JournalEntry], *, part_id, closed_at) -> None:
    """The journal's changes of status in the extract: each entry dispatched (ekspedert) or written off
    (avskrevet). The first change is the archive part's own: its period is closed by the extract."""
    w.start_document()
    with w.element("endringslogg", {"xmlns": ENDRINGSLOGG}):
        with w.element("endring"):
            w.leaf("referanseArkivenhet", part_id)
            w.leaf("referanseMetadata", "arkivdelstatus")
            w.leaf("endretDato", closed_at)
            w.leaf("endretAv", SYSTEM)
            w.leaf("tidligereVerdi", "Aktiv periode")
            w.leaf("nyVerdi", "Avsluttet periode")
        for entry in changes:
            with w.element("endring"):
                w.leaf("referanseArkivenhet", entry.system_id)
                w.leaf("referanseMetadata", "journalstatus")
                w.leaf("endretDato", entry.registered_at)
                w.leaf("endretAv", SYSTEM)
                w.leaf("tidligereVerdi", str(JournalEntry.Status.REGISTERED.label))
                w.leaf("nyVerdi", str(entry.get_status_display()))
    w.end_document()
