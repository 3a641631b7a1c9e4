"""The follow-up's documents in the journal: an annual report with its accounts comes in, a repayment
notice goes out, the county's comments come in, and the claim letter goes out answering them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grants.models import JournalDocument, JournalEntry
from reporting.models import AnnualReport, RepaymentClaim
from reporting.services import repayments, review
from tests import factories as f
from tests.reporting.helpers import paid_grant, send_claim
from tests.reporting.test_reports import approved_by_both, ready_report
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db

E = JournalEntry


def test_an_annual_report_is_incoming_with_its_accounts_document(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert client.post(reverse("report_submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED

    incoming = JournalEntry.objects.get(source__startswith=f"report:{report.pk}:")
    assert (incoming.type, incoming.correspondent, incoming.access_code) == (E.Type.INCOMING, cast.county_a, "")
    assert incoming.folder.case == decision.case
    main = incoming.documents.get(role=JournalDocument.Role.MAIN)
    assert (main.sha256, main.file.name) == (report.accounts_sha256, report.accounts_file.name)


def test_notice_comment_and_claim_are_journaled_and_the_claim_answers_the_comment(cast, time_machine):
    decision = paid_grant(cast)
    report = submitted_report(decision)
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
    notice = JournalEntry.objects.get(source=f"notice:{claim.pk}")
    assert (notice.type, notice.correspondent, notice.caseworker) == (E.Type.OUTGOING, cast.county_a, cast.caseworker)

    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Midlene er bundet.")
    comment = JournalEntry.objects.get(source__startswith=f"comment:{claim.pk}:")
    assert (comment.type, comment.correspondent, comment.access_code) == (E.Type.INCOMING, cast.county_a, "")

    time_machine.move_to("2027-03-16 12:00:00+01:00", tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=dt.date(2027, 4, 30), account_number="76940512340")
    claim.refresh_from_db()
    letter = JournalEntry.objects.get(source=f"claim:{claim.pk}")
    assert (letter.type, letter.correspondent, letter.status) == (E.Type.OUTGOING, cast.county_a, E.Status.DISPATCHED)
    assert letter.documents.get().sha256 == claim.letter_sha256
    comment.refresh_from_db()
    assert (comment.status, comment.written_off_by) == (E.Status.WRITTEN_OFF, letter)
    assert letter.journal_date == timezone.localdate()
