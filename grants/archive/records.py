"""A case's journal as a CSV file, for the auditor's case file (``reporting.casefile``): every entry
with its case and document number, type, dates, sender or recipient, access code, status and files."""

from __future__ import annotations

import csv
import io

from django.utils import translation

from grants.models import Case, JournalEntry

COLUMNS = [
    "Dokumentnummer",
    "Journalpost-ID",
    "Journalpostnummer",
    "Type",
    "Journaldato",
    "Dokumentets dato",
    "Tittel",
    "Offentlig tittel",
    "Avsender/mottaker",
    "Navnet skjermet",
    "Tilgangskode",
    "Hjemmel",
    "Status",
    "Avskrevet",
    "Avskrevet av",
    "Saksbehandler",
    "Dokumenter (filnavn, format, SHA-256)",
]


def journal_row(entry: JournalEntry) -> list[str]:
    documents = " | ".join(f"{d.original_name}, {d.format}, {d.sha256}" for d in entry.documents.all())
    return [
        entry.document_number,
        f"{entry.journal_year}/{entry.journal_sequence}",
        str(entry.number),
        f"{entry.type} {entry.get_type_display()}",
        entry.journal_date.strftime("%d.%m.%Y"),
        entry.document_date.strftime("%d.%m.%Y") if entry.document_date else "",
        entry.title,
        entry.public_title,
        entry.correspondent_name,
        "ja" if entry.correspondent_screened else "nei",
        entry.access_code,
        entry.legal_basis,
        str(entry.get_status_display()),
        f"{entry.get_written_off_display()} {entry.written_off_on:%d.%m.%Y}" if entry.written_off else "",
        entry.written_off_by.document_number if entry.written_off_by_id else "",
        entry.caseworker.full_name if entry.caseworker_id else "",
        documents,
    ]


def case_journal_csv(case: Case) -> bytes:
    """The case's journal (``;``-separated, UTF-8 with BOM, as the case file's other CSV files)."""
    entries = (
        JournalEntry.objects.filter(folder__case=case)
        .select_related("folder", "caseworker", "written_off_by__folder")
        .prefetch_related("documents")
        .order_by("number")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with translation.override("nb"):
        writer.writerows(journal_row(entry) for entry in entries)
    return buffer.getvalue().encode("utf-8-sig")
