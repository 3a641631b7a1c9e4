"""The archive for what the portal held before it had one (``manage.py archive_backfill``): cases and
documents made by the stages, then their case folders, journal entries and counters taken away as if
they came before migration grants/0018_archive. The backfill gives the cases their numbers again,
consecutive and continuing the counter, and journals every document as the stages did, with the same
files, sizes and SHA-256s; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from grants import services
from grants.models import ArchiveCounter, CaseFolder, Decision, JournalDocument, JournalEntry
from grants.services import journal, journal_backfill
from portal.uploads import check_upload
from reporting.models import RepaymentClaim
from reporting.services import repayments, review
from tests import factories as f
from tests.grants import helpers_cases as h
from tests.reporting.helpers import paid_grant, send_claim
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db


def archive() -> dict:
    """Every entry by what it registers, with its case number, type, dates, party, status and files."""
    rows = {}
    for entry in JournalEntry.objects.select_related("folder", "written_off_by").prefetch_related("documents"):
        rows[entry.source] = {
            "case": entry.folder.number,
            "number": entry.number,
            "type": entry.type,
            "dates": (entry.journal_date, entry.document_date),
            "party": (entry.correspondent_id, entry.correspondent_name, entry.access_code, entry.legal_basis),
            "status": (entry.status, entry.written_off, entry.written_off_by.source if entry.written_off_by else ""),
            "caseworker": entry.caseworker_id,
            "documents": sorted(
                (d.number, d.role, d.file.name, d.format, d.archival, d.size, d.sha256) for d in entry.documents.all()
            ),
        }
    return rows


def forget_archive() -> None:
    """As before the archive: no case folders, journal entries or counters."""
    JournalDocument.objects.all().delete()
    JournalEntry.objects.update(written_off_by=None, requested_entry=None)
    JournalEntry.objects.all().delete()
    CaseFolder.objects.all().delete()
    ArchiveCounter.objects.all().delete()


def backfill() -> str:
    out = io.StringIO()
    call_command("archive_backfill", stdout=out)
    return out.getvalue()


def assert_consecutive() -> None:
    """Case numbers and journal numbers of each year run 1, 2, 3 … and the counters stand at the last."""
    for kind, rows in (
        (ArchiveCounter.Kind.CASE, CaseFolder.objects.values_list("year", "sequence")),
        (ArchiveCounter.Kind.JOURNAL, JournalEntry.objects.values_list("journal_year", "journal_sequence")),
    ):
        years: dict[int, list[int]] = {}
        for year, sequence in rows:
            years.setdefault(year, []).append(sequence)
        for year, numbers in years.items():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), (kind, year)
            assert ArchiveCounter.objects.get(kind=kind, year=year).last == len(numbers)


def test_old_cases_get_their_numbers_and_every_document_its_entry_as_the_stages_journal_them(cast, time_machine):
    other = h.submitted_case(cast, organisation=cast.county_b)  # received first
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    upload = f.pdf_upload("klage.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=decision.pk,
        reasons="Vi klager.",
        files=[(upload, check_upload(upload))],
    )
    services.appeal_dismiss(actor=f.actor_for(cast.caseworker), appeal_id=appeal.pk, reason="Klagen kom for sent.")
    as_journaled = archive()
    assert {"submission", "receipt", "assessment", "proposal", "decision-letter", "appeal", "appeal-letter"} <= {
        source.split(":")[0] for source in as_journaled
    }
    numbers = {other.pk: other.folder.number, decision.case_id: decision.case.folder.number}

    forget_archive()
    time_machine.move_to(timezone.now() + dt.timedelta(days=40))  # journaled on the days they came and went
    year = timezone.localdate(other.application.submitted_at).year
    assert backfill().startswith(f"2 saker fikk saksnummer ({year}/00001–{year}/00002)")

    assert archive() == as_journaled  # case and document numbers, dates, parties, write-offs, files
    assert {folder.case_id: folder.number for folder in CaseFolder.objects.all()} == numbers  # in order received
    for document in JournalDocument.objects.all():
        assert document.size == document.file.size
        with document.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == document.sha256
    assert_consecutive()

    before = (archive(), list(ArchiveCounter.objects.values_list("kind", "year", "last")))
    assert backfill().startswith("0 saker fikk saksnummer; 0 journalposter i 2 saker")
    assert (archive(), list(ArchiveCounter.objects.values_list("kind", "year", "last"))) == before


def test_a_case_opened_after_the_migration_keeps_its_number_and_the_old_ones_continue_the_counter(cast):
    old = h.submitted_case(cast)
    forget_archive()
    new = h.submitted_case(cast, organisation=cast.county_b)  # journaled by the stages: the year's first number
    year = timezone.localdate().year
    assert new.folder.number == f"{year}/00001"
    journal_backfill.archive_backfill()
    assert CaseFolder.objects.get(case=old).number == f"{year}/00002"
    assert CaseFolder.objects.get(case=new).number == f"{year}/00001"
    assert JournalEntry.objects.filter(folder__case=old, source__startswith="submission:").count() == 1
    assert_consecutive()


def test_reports_and_repayment_claims_are_journaled_by_reportings_backfill(cast, time_machine):
    decision = paid_grant(cast)
    report = submitted_report(decision)  # written straight to the database: journaled as its stage does
    journal.journal_report(report=report)
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)
    time_machine.move_to("2027-03-01 12:00:00+01:00", tick=False)
    claim = repayments.repayment_notice(
        actor=f.actor_for(cast.caseworker),
        decision_id=decision.pk,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("200000"),
        explanation="Ubrukte midler.",
        comment_deadline=dt.date(2027, 3, 15),
    )
    time_machine.move_to("2027-03-05 12:00:00+01:00", tick=False)
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Midlene er bundet.")
    time_machine.move_to("2027-03-16 12:00:00+01:00", tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=dt.date(2027, 4, 30), account_number="76940512340")
    as_journaled = archive()
    assert {"report", "notice", "comment", "claim"} <= {source.split(":")[0] for source in as_journaled}

    forget_archive()
    time_machine.move_to("2027-06-01 12:00:00+02:00", tick=False)
    journal_backfill.archive_backfill()
    assert archive() == as_journaled
    assert_consecutive()
