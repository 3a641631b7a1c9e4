"""``arkivstruktur.xml`` of a Noark 5 v5.0 extract (``arkivstruktur.xsd``): arkiv → arkivdel →
klassifikasjonssystem → klasse → saksmappe → journalpost → dokumentbeskrivelse → dokumentobjekt,
written case by case as a stream.

A saksmappe is a ``mappe`` of ``xsi:type="saksmappe"`` and a journalpost a ``registrering`` of
``xsi:type="journalpost"``: the schema extends the base types, so a case's own elements (saksaar …)
come after its registrations, and an entry's own (journalaar …) after its documents and parties."""

from __future__ import annotations

from grants.archive.xml import Writer
from grants.models import CaseFolder, JournalDocument, JournalEntry

XSI_TYPE = "xsi:type"
SYSTEM = "IMDi tilskuddsportal"  # who made what the portal made itself
PARTY_TYPE = {"I": "Avsender", "U": "Mottaker", "N": "Intern mottaker", "X": "Intern mottaker"}
ENTRY_TYPE = dict(JournalEntry.Type.choices)
ENTRY_STATUS = dict(JournalEntry.Status.choices)
WRITE_OFF = dict(JournalEntry.WriteOff.choices)
CASE_STATUS = dict(CaseFolder.Status.choices)
ROLE = {JournalDocument.Role.MAIN: "Hoveddokument", JournalDocument.Role.ATTACHMENT: "Vedlegg"}


def document_path(document: JournalDocument) -> str:
    """Where the extract keeps a file: ``dokumenter/<systemID>.<ext>`` (the same every run)."""
    return path_of(document.system_id, document.original_name or document.file.name)


def path_of(system_id, name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return f"dokumenter/{system_id}.{ext}"


def who(user) -> str:
    return user.full_name if user is not None else SYSTEM


def write_document(w: Writer, entry: JournalEntry, document: JournalDocument) -> None:
    created = entry.registered_at
    with w.element("dokumentbeskrivelse"):
        w.leaf("systemID", document.system_id)
        w.leaf("dokumenttype", "Notat" if entry.type in ("N", "X") else "Brev")
        w.leaf("dokumentstatus", "Dokumentet er ferdigstilt")
        w.leaf("tittel", document.title or document.original_name)
        w.leaf("opprettetDato", created)
        w.leaf("opprettetAv", SYSTEM)
        w.leaf("tilknyttetRegistreringSom", ROLE[document.role])
        w.leaf("dokumentnummer", document.number)
        w.leaf("tilknyttetDato", created)
        w.leaf("tilknyttetAv", SYSTEM)
        with w.element("dokumentobjekt"):
            w.leaf("systemID", document.system_id)
            w.leaf("versjonsnummer", 1)
            w.leaf("variantformat", "Arkivformat" if document.archival else "Produksjonsformat")
            w.leaf("format", document.format)
            w.leaf("opprettetDato", created)
            w.leaf("opprettetAv", SYSTEM)
            w.leaf("referanseDokumentfil", document_path(document))
            w.leaf("sjekksum", document.sha256)
            w.leaf("sjekksumAlgoritme", "SHA256")
            w.leaf("filstoerrelse", document.size)


def write_entry(w: Writer, entry: JournalEntry) -> None:
    created = entry.registered_at
    with w.element("registrering", {XSI_TYPE: "journalpost"}):
        w.leaf("systemID", entry.system_id)
        w.leaf("opprettetDato", created)
        w.leaf("opprettetAv", who(entry.caseworker))
        w.leaf("arkivertDato", created)
        w.leaf("arkivertAv", SYSTEM)
        if entry.access_code:
            with w.element("skjerming"):
                w.leaf("tilgangsrestriksjon", entry.access_code)
                w.leaf("skjermingshjemmel", entry.legal_basis)
                # The schema wants what of the metadata is screened: the name of a private person, or none.
                w.leaf("skjermingMetadata", "korrespondansepartNavn" if entry.correspondent_screened else "Ingen")
                w.leaf("skjermingDokument", "Hele dokumentet")
        for document in entry.documents.all():
            write_document(w, entry, document)
        w.leaf("registreringsID", entry.document_number)
        w.leaf("tittel", entry.title)
        w.optional("offentligTittel", entry.public_title)
        with w.element("korrespondansepart"):
            w.leaf("korrespondanseparttype", PARTY_TYPE[entry.type])
            w.leaf("korrespondansepartNavn", entry.correspondent_name)
            w.optional("epostadresse", entry.correspondent_email)
        write_entry_own(w, entry)


def write_entry_own(w: Writer, entry: JournalEntry) -> None:
    """The journalpost's own elements, after the registrering's."""
    w.leaf("journalaar", entry.journal_year)
    w.leaf("journalsekvensnummer", entry.journal_sequence)
    w.leaf("journalpostnummer", entry.number)
    w.leaf("journalposttype", ENTRY_TYPE[entry.type])
    w.leaf("journalstatus", ENTRY_STATUS[entry.status])
    w.leaf("journaldato", entry.journal_date)
    w.optional("dokumentetsDato", entry.document_date)
    if entry.type == "I":
        w.optional("mottattDato", entry.registered_at)
    elif entry.type == "U" and entry.status != JournalEntry.Status.REGISTERED:
        w.optional("sendtDato", entry.registered_at)
    w.leaf("antallVedlegg", sum(1 for d in entry.documents.all() if d.role == JournalDocument.Role.ATTACHMENT))
    if entry.written_off:
        with w.element("avskrivning"):
            w.leaf("avskrivningsdato", entry.written_off_on)
            w.leaf("avskrevetAv", who(entry.caseworker))
            w.leaf("avskrivningsmaate", WRITE_OFF[entry.written_off])
            if entry.written_off_by_id:
                w.leaf("referanseAvskrivesAvJournalpost", entry.written_off_by.system_id)


def write_folder(w: Writer, folder: CaseFolder, *, closed_at) -> None:
    """One saksmappe with its entries. A case still open is closed in the extract at ``closed_at``
    (the schema requires the date); its status says it is under behandling."""
    case = folder.case
    opened = folder.opened_on
    with w.element("mappe", {XSI_TYPE: "saksmappe"}):
        w.leaf("systemID", folder.system_id)
        w.leaf("mappeID", folder.number)
        w.leaf("tittel", folder.title)
        w.optional("offentligTittel", folder.public_title)
        w.leaf("opprettetDato", f"{opened.isoformat()}T00:00:00")
        w.leaf("opprettetAv", SYSTEM)
        w.leaf("avsluttetDato", closed_at)
        w.leaf("avsluttetAv", SYSTEM)
        for entry in folder.entries.all():
            write_entry(w, entry)
        w.leaf("saksaar", folder.year)
        w.leaf("sakssekvensnummer", folder.sequence)
        w.leaf("saksdato", opened)
        w.leaf("administrativEnhet", folder.admin_unit)
        w.leaf("saksansvarlig", who(case.assigned_to))
        w.leaf("saksstatus", CASE_STATUS[folder.status])
