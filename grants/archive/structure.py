"""``arkivstruktur.xml`` of a Noark 5 v5.0 extract (``arkivstruktur.xsd``): arkiv → arkivdel →
klassifikasjonssystem → klasse → saksmappe → journalpost → dokumentbeskrivelse → dokumentobjekt,
written case by case as a stream.

A saksmappe is a ``mappe`` of ``xsi:type="saksmappe"`` and a journalpost a ``registrering`` of
``xsi:type="journalpost"``: the schema extends the base types, so a case's own elements (saksaar …)
come after its registrations, and an entry's own (journalaar …) after its documents and parties.

The rows are plain tuples (``values_list(*FOLDER_ROW, named=True)`` and the like), not model objects,
and each journalpost is made as one string: an extract writes some 20 million elements."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from grants.archive.xml import escaped, moment, optional
from grants.models import Case, CaseFolder, JournalDocument, JournalEntry

XSI_TYPE = "xsi:type"
SYSTEM = "IMDi tilskuddsportal"  # who made what the portal made itself
PARTY_TYPE = {"I": "Avsender", "U": "Mottaker", "N": "Intern mottaker", "X": "Intern mottaker"}
ROLE = {JournalDocument.Role.MAIN: "Hoveddokument", JournalDocument.Role.ATTACHMENT: "Vedlegg"}
# What the writers read of a case folder, a journal entry and a document.
FOLDER_ROW = (
    "id", "year", "sequence", "title", "public_title", "admin_unit", "opened_on", "system_id", "case__state",
    "case__assigned_to__full_name",
)  # fmt: skip
ENTRY_ROW = (
    "id", "folder_id", "number", "journal_year", "journal_sequence", "type", "title", "public_title",
    "journal_date", "document_date", "correspondent_name", "correspondent_email", "correspondent_screened",
    "access_code", "legal_basis", "status", "written_off", "written_off_on", "registered_at", "system_id",
    "caseworker__full_name", "written_off_by__system_id",
)  # fmt: skip
DOCUMENT_ROW = (
    "entry_id", "number", "role", "title", "original_name", "file", "format", "archival", "size", "sha256",
    "system_id",
)  # fmt: skip


def labels(choices) -> dict[str, str]:
    """The labels of a model's choices, in the active language, escaped."""
    return {key: escaped(str(label)) for key, label in choices}


def path_of(system_id, name: str) -> str:
    """Where the extract keeps a file: ``dokumenter/<systemID>.<ext>`` (the same every run)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return f"dokumenter/{system_id}.{ext}"


def who(full_name: str | None) -> str:
    """The user's name (``None``: no user), escaped."""
    return SYSTEM if full_name is None else escaped(full_name)


class StructureWriter:
    """The saksmapper of ``arkivstruktur.xml``, each with its entries and their documents, to ``w``;
    ``on_document(path in the extract, stored name, SHA-256, size)`` is told of each document."""

    def __init__(self, w, *, closed_at, on_document: Callable[[str, str, str, int], None]):
        self.w, self.closed_at, self.on_document = w, moment(closed_at), on_document
        self.entry_type = labels(JournalEntry.Type.choices)
        self.entry_status = labels(JournalEntry.Status.choices)
        self.write_off = labels(JournalEntry.WriteOff.choices)
        self.case_status = labels(CaseFolder.Status.choices)

    def folder(self, folder, entries: Iterable, documents: dict[int, list]) -> None:
        """One saksmappe with its entries (``documents``: each entry's, by its id). A case still open is
        closed in the extract at ``closed_at`` (the schema requires the date); its status says it is
        under behandling."""
        opened = folder.opened_on.isoformat()
        number = f"{folder.year}/{folder.sequence:05d}"
        self.w.add(
            f'<mappe xsi:type="saksmappe"><systemID>{folder.system_id}</systemID><mappeID>{number}</mappeID>'
            f"<tittel>{escaped(folder.title)}</tittel>{optional('offentligTittel', folder.public_title)}"
            f"<opprettetDato>{opened}T00:00:00</opprettetDato><opprettetAv>{SYSTEM}</opprettetAv>"
            f"<avsluttetDato>{self.closed_at}</avsluttetDato><avsluttetAv>{SYSTEM}</avsluttetAv>"
        )
        for entry in entries:
            self.entry(number, entry, documents.get(entry.id, ()))
        status = CaseFolder.Status.CLOSED if folder.case__state == Case.State.CLOSED else CaseFolder.Status.OPEN
        self.w.add(
            f"<saksaar>{folder.year}</saksaar><sakssekvensnummer>{folder.sequence}</sakssekvensnummer>"
            f"<saksdato>{opened}</saksdato><administrativEnhet>{escaped(folder.admin_unit)}</administrativEnhet>"
            f"<saksansvarlig>{who(folder.case__assigned_to__full_name)}</saksansvarlig>"
            f"<saksstatus>{self.case_status[status]}</saksstatus></mappe>"
        )

    def entry(self, folder_number: str, entry, documents: Iterable) -> None:
        created = moment(entry.registered_at)
        caseworker = who(entry.caseworker__full_name)
        shielding = ""
        if entry.access_code:
            # The schema wants what of the metadata is screened: the name of a private person, or none.
            shielding = (
                f"<skjerming><tilgangsrestriksjon>{escaped(entry.access_code)}</tilgangsrestriksjon>"
                f"<skjermingshjemmel>{escaped(entry.legal_basis)}</skjermingshjemmel><skjermingMetadata>"
                f"{'korrespondansepartNavn' if entry.correspondent_screened else 'Ingen'}</skjermingMetadata>"
                "<skjermingDokument>Hele dokumentet</skjermingDokument></skjerming>"
            )
        kind = "Notat" if entry.type in ("N", "X") else "Brev"
        described = "".join(self.document(kind, created, document) for document in documents)
        attachments = sum(1 for document in documents if document.role == JournalDocument.Role.ATTACHMENT)
        self.w.add(
            f'<registrering xsi:type="journalpost"><systemID>{entry.system_id}</systemID>'
            f"<opprettetDato>{created}</opprettetDato><opprettetAv>{caseworker}</opprettetAv>"
            f"<arkivertDato>{created}</arkivertDato><arkivertAv>{SYSTEM}</arkivertAv>{shielding}{described}"
            f"<registreringsID>{folder_number}-{entry.number}</registreringsID>"
            f"<tittel>{escaped(entry.title)}</tittel>{optional('offentligTittel', entry.public_title)}"
            f"<korrespondansepart><korrespondanseparttype>{PARTY_TYPE[entry.type]}</korrespondanseparttype>"
            f"<korrespondansepartNavn>{escaped(entry.correspondent_name)}</korrespondansepartNavn>"
            f"{optional('epostadresse', entry.correspondent_email)}</korrespondansepart>"
            f"{self.entry_own(entry, created, caseworker, attachments)}</registrering>"
        )

    def entry_own(self, entry, created: str, caseworker: str, attachments: int) -> str:
        """The journalpost's own elements, after the registrering's."""
        sent = ""
        if entry.type == "I":
            sent = f"<mottattDato>{created}</mottattDato>"
        elif entry.type == "U" and entry.status != JournalEntry.Status.REGISTERED:
            sent = f"<sendtDato>{created}</sendtDato>"
        written_off = ""
        if entry.written_off:
            by = entry.written_off_by__system_id
            written_off = (
                f"<avskrivning><avskrivningsdato>{escaped(entry.written_off_on)}</avskrivningsdato>"
                f"<avskrevetAv>{caseworker}</avskrevetAv>"
                f"<avskrivningsmaate>{self.write_off[entry.written_off]}</avskrivningsmaate>"
                f"{'' if by is None else f'<referanseAvskrivesAvJournalpost>{by}</referanseAvskrivesAvJournalpost>'}"
                "</avskrivning>"
            )
        return (
            f"<journalaar>{entry.journal_year}</journalaar>"
            f"<journalsekvensnummer>{entry.journal_sequence}</journalsekvensnummer>"
            f"<journalpostnummer>{entry.number}</journalpostnummer>"
            f"<journalposttype>{self.entry_type[entry.type]}</journalposttype>"
            f"<journalstatus>{self.entry_status[entry.status]}</journalstatus>"
            f"<journaldato>{entry.journal_date.isoformat()}</journaldato>"
            f"{optional('dokumentetsDato', entry.document_date)}{sent}"
            f"<antallVedlegg>{attachments}</antallVedlegg>{written_off}"
        )

    def document(self, kind: str, created: str, document) -> str:
        path = path_of(document.system_id, document.original_name or document.file)
        self.on_document(path, document.file, document.sha256, document.size)
        return (
            f"<dokumentbeskrivelse><systemID>{document.system_id}</systemID><dokumenttype>{kind}</dokumenttype>"
            f"<dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>"
            f"<tittel>{escaped(document.title or document.original_name)}</tittel>"
            f"<opprettetDato>{created}</opprettetDato><opprettetAv>{SYSTEM}</opprettetAv>"
            f"<tilknyttetRegistreringSom>{ROLE[document.role]}</tilknyttetRegistreringSom>"
            f"<dokumentnummer>{document.number}</dokumentnummer><tilknyttetDato>{created}</tilknyttetDato>"
            f"<tilknyttetAv>{SYSTEM}</tilknyttetAv><dokumentobjekt><systemID>{document.system_id}</systemID>"
            "<versjonsnummer>1</versjonsnummer>"
            f"<variantformat>{'Arkivformat' if document.archival else 'Produksjonsformat'}</variantformat>"
            f"<format>{escaped(document.format)}</format><opprettetDato>{created}</opprettetDato>"
            f"<opprettetAv>{SYSTEM}</opprettetAv><referanseDokumentfil>{escaped(path)}</referanseDokumentfil>"
            f"<sjekksum>{escaped(document.sha256)}</sjekksum><sjekksumAlgoritme>SHA256</sjekksumAlgoritme>"
            f"<filstoerrelse>{document.size}</filstoerrelse></dokumentobjekt></dokumentbeskrivelse>"
        )
