"""The complete case file of one case, for IMDi and for Riksrevisjonen (R23): one ZIP with the
application as submitted and its receipts, the cooperation agreements, the decisions and their
letters, the appeals, the annual reports and accounts, the repayment claims and the full history,
with a manifest of SHA-256 sums.

The archive is written into a ``SpooledTemporaryFile`` (in memory up to ``SPOOL_BYTES``, then on
disk), each stored file copied from storage in chunks, so a case with large attachments does not
fill the worker's memory. Paths are Norwegian, stable and sorted:

    sak.json                                   the case, its assessment and the submissions' metadata
    soknad/innsending-<n>.json                 each version the county submitted (the snapshot)
    soknad/kvittering-<n>.pdf                  its receipt
    vedlegg/samarbeidsavtaler/<id>-<name>      the agreements in a submitted version
    vedtak/<id>-<kind>.json, vedtak/<id>-brev.pdf
    klager/<id>/klage.json, klager/<id>/vedlegg/<id>-<name>
    rapport/<id>/rapport.json, regnskap.csv, regnskap-<name>, vedlegg/<id>-<name>
    tilbakebetaling/<id>.json, tilbakebetaling/<id>-kravbrev.pdf
    historikk.csv                              every event of the case, oldest first
    MANIFEST.txt                               "sha256  size  path" per file, and the stored sums

A file whose SHA-256 was stored when it was made is checked against it; a mismatch is flagged in
the manifest, never hidden. A file missing from storage is listed as missing. The CSV files use
semicolons and UTF-8 with a byte-order mark, as spreadsheet programmes set to Norwegian expect.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Prefetch, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.text import get_valid_filename

from grants.access import submitted_agreement_ids
from grants.archive.records import case_journal_csv
from grants.models import (
    Appeal,
    Case,
    CooperationAgreement,
    CriterionScore,
    DeadlineExtension,
    Decision,
    ImpartialityDeclaration,
    Submission,
)
from portal.audit import object_key
from portal.formats import OSLO
from portal.models import AuditEvent
from reporting.casefile_records import (
    accounts_csv,
    appeal_data,
    case_data,
    claim_data,
    decision_data,
    history_csv,
    report_data,
    to_json,
    when,
)
from reporting.models import AnnualReport, RepaymentClaim

SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
EXPORTED = "case.file_exported"  # the audit action of services.casefile.case_file_export

KIND_SLUGS = {
    Decision.Kind.GRANT: "tilskudd",
    Decision.Kind.REJECTION: "avslag",
    Decision.Kind.DISMISSAL: "avvisning",
}


def safe_name(name: str) -> str:
    """A file name that is safe in a ZIP on every system: no folders, no spaces, not too long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        cleaned = get_valid_filename(base)
    except SuspiciousFileOperation:  # "..", "." or nothing at all
        cleaned = ""
    if len(cleaned) > 100:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = f"{stem[: 99 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else cleaned[:100]
    return cleaned or "fil"


# --- What goes in -----------------------------------------------------------------------------


@dataclass
class Entry:
    """One file of the archive: bytes made here, or a file in storage (with its stored SHA-256)."""

    path: str
    content: bytes | None = None
    file: FieldFile | None = None
    stored_sha256: str = ""
    note: str = ""


@dataclass
class Line:
    """One line of the manifest."""

    path: str
    sha256: str = ""
    size: int | None = None
    stored_sha256: str = ""
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.size is None

    @property
    def matches(self) -> bool | None:
        if not self.stored_sha256 or self.missing:
            return None
        return self.sha256 == self.stored_sha256.lower()

    def render(self) -> str:
        parts = [self.sha256 or "MANGLER", "-" if self.missing else str(self.size), self.path]
        if self.stored_sha256:
            check = {True: "✓ samsvarer", False: "✗ AVVIK", None: "? kan ikke kontrolleres"}[self.matches]
            parts.append(f"lagret {self.stored_sha256} {check}")
        if self.missing:
            parts.append("(filen finnes ikke i lagringen)")
        if self.note:
            parts.append(f"({self.note})")
        return "  ".join(parts)


@dataclass
class CaseFile:
    file: IO[bytes]
    filename: str
    sha256: str
    lines: list[Line] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Line]:
        return [line for line in self.lines if line.matches is False]

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.lines if line.missing]


def load_case(case_id: int) -> Case:
    """The case with everything the file holds, in a number of queries that does not grow with it."""
    users = ("proposed_by", "approved_by", "returned_by", "accepted_by")
    return (
        Case.objects.select_related(
            "application__organisation", "application__call", "call", "assigned_to", "assessed_by"
        )
        .prefetch_related(
            Prefetch(
                "application__submissions",
                Submission.objects.select_related("sent_by", "confirmed_by", "withdrawn_by").order_by("number"),
            ),
            Prefetch("declarations", ImpartialityDeclaration.objects.select_related("user")),
            Prefetch("scores", CriterionScore.objects.select_related("criterion")),
            "line_assessments",
            Prefetch(
                "decisions",
                Decision.objects.select_related(*users, "letter", "letter__first_opened_by")
                .prefetch_related("lines__category", "payments__recorded_by")
                .order_by("proposed_at", "id"),
            ),
            Prefetch(
                "appeals",
                Appeal.objects.select_related("filed_by", "forwarded_by", "closed_by")
                .prefetch_related("attachments__uploaded_by")
                .order_by("filed_at", "id"),
            ),
            Prefetch(
                "annual_reports",
                AnnualReport.objects.select_related(
                    "submitted_by", "returned_by", "approved_by", "created_by", "carry_over__approved_by"
                )
                .prefetch_related("lines__category", "approvals__user", "attachments__uploaded_by")
                .order_by("deadline", "id"),
            ),
            Prefetch(
                "repayment_claims",
                RepaymentClaim.objects.select_related(
                    "notice_sent_by", "commented_by", "claimed_by", "repaid_recorded_by"
                ).order_by("notice_sent_at", "id"),
            ),
        )
        .get(pk=case_id)
    )


def history(case: Case):
    """Every event of the case: the application's (grants records the case's steps there), the
    county's deadline extensions for the call, and any recorded on the case's other objects."""
    application = case.application
    keys: dict[str, list[str]] = {}
    objects = [application, case, *case.decisions.all(), *case.appeals.all(), *case.annual_reports.all()]
    objects += [*case.repayment_claims.all(), *application.submissions.all()]
    objects += [d.letter for d in case.decisions.all() if d.letter_or_none is not None]
    objects += [r.carry_over for r in case.annual_reports.all() if r.carry_over_or_none is not None]
    for obj in objects:
        object_type, object_id = object_key(obj)
        keys.setdefault(object_type, []).append(object_id)
    extensions = DeadlineExtension.objects.filter(call=application.call_id, organisation=application.organisation_id)
    keys["grants.deadlineextension"] = [str(pk) for pk in extensions.values_list("pk", flat=True)]
    where = Q(pk__in=[])
    for object_type, ids in keys.items():
        where |= Q(object_type=object_type, object_id__in=ids)
    return AuditEvent.objects.filter(where).select_related("organisation").order_by("at", "id")


def _application_entries(case: Case, submissions: list[Submission]) -> list[Entry]:
    application = case.application
    found: list[Entry] = [Entry("sak.json", to_json(case_data(case, submissions)))]
    for submission in submissions:
        found.append(Entry(f"soknad/innsending-{submission.number}.json", to_json(submission.snapshot)))
        if submission.receipt:
            path = f"soknad/kvittering-{submission.number}.pdf"
            found.append(Entry(path, file=submission.receipt, stored_sha256=submission.receipt_sha256))
    for agreement in CooperationAgreement.objects.filter(
        application=application, pk__in=submitted_agreement_ids(application)
    ).order_by("pk"):
        found.append(
            Entry(
                f"vedlegg/samarbeidsavtaler/{agreement.pk}-{safe_name(agreement.original_name)}",
                file=agreement.file,
                stored_sha256=agreement.sha256,
                note=f"fjernet fra utkastet {when(agreement.removed_at)}" if agreement.removed_at else "",
            )
        )
    return found


def _decision_entries(case: Case) -> list[Entry]:
    found: list[Entry] = []
    for decision in case.decisions.all():
        kind = KIND_SLUGS.get(decision.kind, decision.kind)
        found.append(Entry(f"vedtak/{decision.pk}-{kind}.json", to_json(decision_data(decision))))
        letter = decision.letter_or_none
        if letter is not None and letter.file:
            found.append(Entry(f"vedtak/{decision.pk}-brev.pdf", file=letter.file, stored_sha256=letter.sha256))
    for appeal in case.appeals.all():
        found.append(Entry(f"klager/{appeal.pk}/klage.json", to_json(appeal_data(appeal))))
        for attachment in appeal.attachments.all():
            path = f"klager/{appeal.pk}/vedlegg/{attachment.pk}-{safe_name(attachment.original_name)}"
            found.append(Entry(path, file=attachment.file, stored_sha256=attachment.sha256))
    return found


def _report_entries(case: Case) -> list[Entry]:
    found: list[Entry] = []
    for report in case.annual_reports.all():
        folder = f"rapport/{report.pk}"
        found.append(Entry(f"{folder}/rapport.json", to_json(report_data(report))))
        found.append(Entry(f"{folder}/regnskap.csv", accounts_csv(report)))
        if report.accounts_file:
            name = safe_name(report.accounts_file_name or report.accounts_file.name)
            found.append(
                Entry(f"{folder}/regnskap-{name}", file=report.accounts_file, stored_sha256=report.accounts_sha256)
            )
        for attachment in report.attachments.all():
            found.append(
                Entry(
                    f"{folder}/vedlegg/{attachment.pk}-{safe_name(attachment.original_name)}",
                    file=attachment.file,
                    stored_sha256=attachment.sha256,
                    note=f"fjernet {when(attachment.removed_at)}" if attachment.removed_at else "",
                )
            )
    for claim in case.repayment_claims.all():
        found.append(Entry(f"tilbakebetaling/{claim.pk}.json", to_json(claim_data(claim))))
        if claim.letter:
            found.append(
                Entry(f"tilbakebetaling/{claim.pk}-kravbrev.pdf", file=claim.letter, stored_sha256=claim.letter_sha256)
            )
    return found


def entries(case: Case) -> list[Entry]:
    """Every file of the archive but the manifest, sorted by path."""
    found = _application_entries(case, list(case.application.submissions.all()))
    found += _decision_entries(case)
    found += _report_entries(case)
    found.append(Entry("historikk.csv", history_csv(history(case))))
    found.append(Entry("journal.csv", case_journal_csv(case)))  # the case's journal (grants.archive)
    return sorted(found, key=lambda entry: entry.path)


# --- Writing the archive ----------------------------------------------------------------------


def _zip_info(path: str, stamp: tuple, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size  # only tells zipfile whether the entry needs ZIP64
    return info


def _write(archive: zipfile.ZipFile, entry: Entry, stamp: tuple) -> Line:
    line = Line(entry.path, stored_sha256=entry.stored_sha256, note=entry.note)
    digest = hashlib.sha256()
    size = 0
    if entry.content is not None:
        digest.update(entry.content)
        archive.writestr(_zip_info(entry.path, stamp), entry.content)
        line.sha256, line.size = digest.hexdigest(), len(entry.content)
        return line
    storage, name = entry.file.storage, entry.file.name
    try:
        source = storage.open(name, "rb")
        expected = storage.size(name)
    except OSError:
        return line  # missing: listed as such in the manifest
    with source, archive.open(_zip_info(entry.path, stamp, expected), "w") as target:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
    line.sha256, line.size = digest.hexdigest(), size
    return line


def manifest(case: Case, lines: list[Line], *, generated_at: datetime, generated_by: str) -> bytes:
    application = case.application
    mismatches = sum(1 for line in lines if line.matches is False)
    missing = sum(1 for line in lines if line.missing)
    head = [
        f"Saksmappe for sak {application.reference or case.pk}",
        f"Sak: {case.pk} (søknad {application.pk}, referanse {application.reference or '-'})",
        f"Fylkeskommune: {application.organisation.name}",
        f"Utlysning: {case.call.title} ({case.call.year})",
        f"Laget: {when(generated_at)}",
        f"Laget av: {generated_by or '-'}",
        f"Filer: {len(lines)}, avvik fra lagret SHA-256: {mismatches}, mangler i lagringen: {missing}",
        "",
        "Hver linje: SHA-256 av filen i arkivet, størrelse i byte, sti; for filer der portalen lagret",
        "SHA-256 da filen ble laget: den lagrede summen og om den samsvarer (✓) eller avviker (✗ AVVIK).",
        "MANGLER: filen finnes ikke i lagringen.",
        "",
    ]
    return ("\n".join(head + [line.render() for line in lines]) + "\n").encode()


def build(case: Case, *, generated_by: str = "") -> CaseFile:
    """Write the case file of ``case`` (loaded with ``load_case``) into a spooled temporary file."""
    generated_at = timezone.now()
    local = timezone.localtime(generated_at, OSLO)
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    spooled = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open, closed by the response
    with translation.override(settings.LANGUAGE_CODE):
        planned = entries(case)
        with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            lines = [_write(archive, entry, stamp) for entry in planned]
            text = manifest(case, lines, generated_at=generated_at, generated_by=generated_by)
            archive.writestr(_zip_info("MANIFEST.txt", stamp), text)
    spooled.seek(0)
    digest = hashlib.sha256()
    while chunk := spooled.read(CHUNK_BYTES):
        digest.update(chunk)
    spooled.seek(0)
    reference = get_valid_filename(case.application.reference or str(case.pk))
    return CaseFile(spooled, f"saksmappe-{reference}.zip", digest.hexdigest(), lines)


def build_case_file(case: Case, *, generated_by: str = "") -> tuple[IO[bytes], str]:
    """The case file as an open file (at its start) and its file name."""
    result = build(load_case(case.pk), generated_by=generated_by)
    return result.file, result.filename
