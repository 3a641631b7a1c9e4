"""The journals and the change log of a Noark 5 v5.0 extract: ``loependeJournal.xml`` (every entry as
registered, with what is screened marked), ``offentligJournal.xml`` (as the public reads it,
``grants.archive.public``) and ``endringslogg.xml`` (the changes of status the journal records).
The entries are rows (``grants.archive.public.JOURNAL_ROW``), each written as one string."""

from __future__ import annotations

from collections.abc import Iterable

from grants.archive import public
from grants.archive.public import class_of, dates_of, numbers_of
from grants.archive.structure import PARTY_TYPE, SYSTEM, labels
from grants.archive.xml import ENDRINGSLOGG, LOEPENDE_JOURNAL, OFFENTLIG_JOURNAL, Writer, escaped, moment, optional
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


def write_running_entry(w: Writer, entry, class_title: str, write_off: dict[str, str]) -> None:
    """One ``journalregistrering`` of the running journal: the full titles and names (``class_title``:
    the scheme's name; ``write_off``: the labels of how an entry is written off)."""
    screened = "<skjermingMetadata>korrespondansepartNavn</skjermingMetadata>" if entry.correspondent_screened else ""
    w.add(
        f"<journalregistrering>{class_of(entry, class_title)}<saksmappe><saksaar>{entry.folder__year}</saksaar>"
        f"<sakssekvensnummer>{entry.folder__sequence}</sakssekvensnummer>"
        f"<tittel>{escaped(entry.folder__title)}</tittel>{optional('offentligTittel', entry.folder__public_title)}"
        f"</saksmappe><journalpost>{numbers_of(entry)}<tittel>{escaped(entry.title)}</tittel>"
        f"{optional('offentligTittel', entry.public_title)}{dates_of(entry, write_off)}"
        f"<korrespondansepart><korrespondanseparttype>{PARTY_TYPE[entry.type]}</korrespondanseparttype>"
        f"<korrespondansepartNavn>{escaped(entry.correspondent_name)}</korrespondansepartNavn>{screened}"
        "</korrespondansepart></journalpost></journalregistrering>"
    )


def write_both_journals(running: Writer, public_w: Writer, entries: Iterable, *, class_title: str, **head) -> None:
    """``loependeJournal`` (every entry as registered) to ``running`` and ``offentligJournal`` (as the
    public reads it) to ``public_w``, in one pass over ``entries`` (rows of ``public.JOURNAL_ROW``);
    ``head``: ``write_head``'s."""
    roots = (
        (running, "loependeJournal", LOEPENDE_JOURNAL),
        (public_w, "offentligJournal", OFFENTLIG_JOURNAL),
    )
    for w, root, namespace in roots:
        w.start_document()
        w.write(f'<{root} xmlns="{namespace}">')
        write_head(w, **head)
    write_off = labels(JournalEntry.WriteOff.choices)
    for entry in entries:
        write_running_entry(running, entry, class_title, write_off)
        public.write_entry(public_w, entry, class_title, write_off)
    for w, root, _namespace in roots:
        w.write(f"</{root}>")
        w.end_document()


def write_change_log(w: Writer, changes: Iterable[tuple], *, part_id, closed_at) -> None:
    """The journal's changes of status in the extract: each entry dispatched (ekspedert) or written off
    (avskrevet), from rows ``(system_id, registered_at, status)``. The first change is the archive
    part's own: its period is closed by the extract."""
    w.start_document()
    with w.element("endringslogg", {"xmlns": ENDRINGSLOGG}):
        with w.element("endring"):
            w.leaf("referanseArkivenhet", part_id)
            w.leaf("referanseMetadata", "arkivdelstatus")
            w.leaf("endretDato", closed_at)
            w.leaf("endretAv", SYSTEM)
            w.leaf("tidligereVerdi", "Aktiv periode")
            w.leaf("nyVerdi", "Avsluttet periode")
        status = labels(JournalEntry.Status.choices)
        registered = status[JournalEntry.Status.REGISTERED]
        for system_id, registered_at, new in changes:
            w.add(
                f"<endring><referanseArkivenhet>{system_id}</referanseArkivenhet>"
                f"<referanseMetadata>journalstatus</referanseMetadata><endretDato>{moment(registered_at)}</endretDato>"
                f"<endretAv>{SYSTEM}</endretAv><tidligereVerdi>{registered}</tidligereVerdi>"
                f"<nyVerdi>{status.get(new) or escaped(new)}</nyVerdi></endring>"
            )
    w.end_document()
