"""The follow-up's money rules that span the report, the carry-over and the claims: what was paid
is what can be unused, the same money is never both carried over and claimed back, a carry-over needs
a year to go to and reaches next year's report even when the application was already submitted, and a
report sent in time stays in time after a correction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from grants import services
from grants.services import Refused
from reporting import tasks
from reporting.models import AnnualReport, CarryOver, RepaymentClaim
from reporting.services import repayments, reports, review
from tests import factories as f
from tests.grants.helpers_cases import decided, issued, submitted_case
from tests.grants.helpers_payments import paid_payment
from tests.reporting.helpers import paid_grant
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db

IMDI = "caseworker"


def approve(cast, report, *, carry_over: bool):
    return review.report_approve(
        actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=carry_over
    )


def notice(cast, decision, amount, reason=RepaymentClaim.Reason.UNUSED):
    return repayments.repayment_notice(
        actor=f.actor_for(cast.caseworker),
        decision_id=decision.pk,
        reason=reason,
        amount=Decimal(amount),
        explanation="Midlene ble ikke brukt.",
        comment_deadline=timezone.localdate() + dt.timedelta(days=21),
    )


def test_only_what_was_paid_can_be_unused(cast):
    """A grant of 1 000 000 of which 400 000 is paid, 300 000 spent: 100 000 is unused, not 700 000."""
    case = submitted_case(cast)
    decision = decided(cast, case, amount="1000000")
    issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision.pk)
    paid_payment(cast, decision, "400000")
    report = submitted_report(decision, spent=("100000", "200000"))
    assert report.unused() == Decimal("100000")


def test_a_carry_over_needs_a_call_in_the_next_year(cast):
    report = submitted_report(paid_grant(cast), requested=True, reason="Sen oppstart.")
    with pytest.raises(Refused, match="ingen utlysning for 2026"):
        approve(cast, report, carry_over=True)
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED and not CarryOver.objects.exists()


def test_unused_money_claimed_back_cannot_also_be_carried_over(cast):
    decision = paid_grant(cast)
    f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    notice(cast, decision, "200000")
    with pytest.raises(Refused, match="kan ikke også overføres"):
        approve(cast, report, carry_over=True)
    assert not CarryOver.objects.exists()


def test_money_carried_over_cannot_be_claimed_back(cast):
    """Paid 1 000 000, 200 000 unused and carried over: at most 800 000 can be claimed back."""
    decision = paid_grant(cast)
    f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    approve(cast, report, carry_over=True)
    assert repayments.claimable(decision) == Decimal("800000")
    with pytest.raises(Refused):
        notice(cast, decision, "800001", reason=RepaymentClaim.Reason.NOT_FOR_PURPOSE)
    assert notice(cast, decision, "800000", reason=RepaymentClaim.Reason.NOT_FOR_PURPOSE).amount == Decimal("800000")


def test_the_carry_over_reaches_next_years_report_even_if_the_application_was_submitted_first(cast):
    """The 2026 application is submitted before IMDi approves the 2025 report: the application keeps
    what the county wrote, but the 2026 report starts with the 200 000 carried in."""
    decision_2025 = paid_grant(cast)
    call_2026 = f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    case_2026 = submitted_case(cast, call=call_2026)
    approve(cast, submitted_report(decision_2025, requested=True, reason="Sen oppstart."), carry_over=True)
    carry = CarryOver.objects.get()
    assert carry.application is None  # the submitted application is left as it was sent

    decision_2026 = decided(cast, case_2026, amount="500000")
    issued(decision_2026)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision_2026.pk)
    report_2026 = reports.report_start(actor=f.actor_for(cast.staff_a), decision_id=decision_2026.pk)
    assert report_2026.carried_in == Decimal("200000")


def test_an_application_waiting_for_confirmation_is_not_changed_by_the_approval(cast):
    call_2026 = f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    waiting = f.make_application(call_2026, cast.staff_a)
    from grants import services

    services.application_send(actor=f.actor_for(cast.staff_a), application_id=waiting.pk)
    approve(cast, submitted_report(paid_grant(cast), requested=True, reason="Sen oppstart."), carry_over=True)
    waiting.refresh_from_db()
    assert waiting.carry_over_locked is False and waiting.carry_over_amount == Decimal("0")
    assert CarryOver.objects.get().application is None


def test_a_report_sent_in_time_stays_in_time_after_a_correction(cast, time_machine):
    decision = paid_grant(cast)
    deadline = decision.report_deadline
    time_machine.move_to(deadline - dt.timedelta(days=10), tick=False)
    report = submitted_report(decision, state=AnnualReport.State.DRAFT)
    stored = default_storage.save("rapporter/x.pdf", ContentFile(b"%PDF-1.7 regnskap"))  # journaled on submit
    AnnualReport.objects.filter(pk=report.pk).update(accounts_sha256="0" * 64, accounts_file=stored)
    for capacity, user in (("project_owner", cast.staff_a), ("responsible_leader", cast.director_a)):
        reports.accounts_approve(actor=f.actor_for(user), report_id=report.pk, capacity=capacity)
    reports.report_submit(actor=f.actor_for(cast.staff_a), report_id=report.pk)
    review.report_return(actor=f.actor_for(cast.caseworker), report_id=report.pk, reason="Rett en skrivefeil.")
    time_machine.move_to(deadline + dt.timedelta(days=3), tick=False)
    reports.report_submit(actor=f.actor_for(cast.staff_a), report_id=report.pk)
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED and report.is_late is False


def test_a_notice_whose_email_never_went_is_sent_once_by_the_sweep(cast, time_machine):
    decision = paid_grant(cast)
    claim = notice(cast, decision, "100000")  # on_commit hooks do not run here: as if the broker were down
    assert claim.notice_notified_at is None
    mail.outbox.clear()
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=10), tick=False)
    tasks.sweep_claim_notices()
    tasks.sweep_claim_notices()
    assert len(mail.outbox) == 1
    assert claim.reference in mail.outbox[0].body or claim.reference in mail.outbox[0].subject
    claim.refresh_from_db()
    assert claim.notice_notified_at is not None
