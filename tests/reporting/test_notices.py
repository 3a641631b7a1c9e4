"""The notices about reports and repayments (issue 13). IMDi's caseworkers hear of a submitted report
and of a county's comments on a prior notice (in bokmål); the county hears that its report was
approved (with the carry-over approved with it) or returned, and that its repayment was recorded (in
its written standard: county A writes nynorsk). One e-mail each, with the outcome, the amount and a
link; never twice, whether the task runs twice or two sweeps run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.formats import kr
from reporting import tasks
from reporting.models import AnnualReport, RepaymentClaim
from reporting.services import repayments, review
from tests import factories as f
from tests.reporting.helpers import paid_grant, send_claim
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=6)  # past the sweep's grace period (reporting.tasks.CLAIM_MAIL_AFTER)
ACCOUNT = "7694.05.12340"
# Bokmål-only words that must not be in an e-mail to a nynorsk county, and nynorsk-only words that
# must not be in one to IMDi.
BOKMAL_ONLY = ("ikke", "tilskudd", "midler", "regnskapet", "fra ", "Hilsen")
NYNORSK_ONLY = ("ikkje", "frå", "dykk", "tilskot", "midlar")


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def amount(value: str) -> str:
    return flat(kr(Decimal(value)))


def link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def about(subject_part: str) -> list:
    return [message for message in mail.outbox if subject_part in message.subject]


def assert_nynorsk(body: str) -> None:
    assert not [word for word in BOKMAL_ONLY if word in body], body


def assert_bokmal(body: str) -> None:
    assert not [word for word in NYNORSK_ONLY if word in body], body


# --- Reports ----------------------------------------------------------------------------------


def test_a_submitted_report_is_emailed_once_to_the_case_s_caseworker(cast):
    decision = paid_grant(cast)
    caseworker = decision.case.assigned_to
    report = submitted_report(decision)  # 800 000 of 1 000 000 spent
    mail.outbox.clear()

    tasks.notify_submitted(report.pk)
    tasks.notify_submitted(report.pk)

    [message] = about("Årsrapport og regnskap")
    assert message.to == [caseworker.email]
    assert "Fylke A" in message.subject
    body = flat(message.body)
    assert "Fylke A har sendt inn årsrapport og regnskap" in body
    assert f"Ubrukte midler ifølge regnskapet: {amount('200000')}." in body
    assert link("report_assess", report.pk) in body
    assert_bokmal(body)
    report.refresh_from_db()
    assert report.imdi_notified_at is not None


def test_a_report_submitted_again_after_a_return_is_announced_again(cast):
    decision = paid_grant(cast)
    report = submitted_report(decision)
    tasks.notify_submitted(report.pk)
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.RETURNED)
    mail.outbox.clear()

    # The county corrects and submits again: the service clears the claim, so IMDi hears of it.
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.SUBMITTED, imdi_notified_at=None)
    tasks.notify_submitted(report.pk)
    tasks.notify_submitted(report.pk)
    assert len(about("Årsrapport og regnskap")) == 1


def test_a_returned_report_is_emailed_once_to_the_sender_and_the_mailbox_in_nynorsk(
    cast, django_capture_on_commit_callbacks
):
    decision = paid_grant(cast)
    report = submitted_report(decision)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        review.report_return(actor=f.actor_for(cast.caseworker), report_id=report.pk, reason="Vedlegg manglar.")
    tasks.notify_report_returned(report.pk)

    [message] = mail.outbox
    assert set(message.to) == {report.submitted_by.email, cast.county_a.letter_email}
    body = flat(message.body)
    assert "Vedlegg manglar." in body
    assert link("report_overview", decision.case.application_id, decision.pk) in body
    assert_nynorsk(body)
    report.refresh_from_db()
    assert report.county_notified_at is not None


def test_an_approved_report_with_a_carry_over_is_one_email_with_the_amount_in_nynorsk(
    cast, django_capture_on_commit_callbacks
):
    decision = paid_grant(cast)
    f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    report = submitted_report(decision, requested=True, reason="Klassen starta i august.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)
    tasks.notify_report_approved(report.pk)

    [message] = mail.outbox
    assert set(message.to) == {report.submitted_by.email, cast.county_a.letter_email}
    assert "godkjend" in message.subject
    body = flat(message.body)
    assert "IMDi har godkjent årsrapporten og rekneskapen frå Fylke A" in body
    assert f"{amount('200000')} i ubrukte midlar blir overførte til {cast.call.year + 1}" in body
    assert link("report_overview", decision.case.application_id, decision.pk) in body
    assert_nynorsk(body)


def test_an_approved_report_without_a_carry_over_says_what_is_unused(cast, django_capture_on_commit_callbacks):
    decision = paid_grant(cast, organisation=cast.county_b)  # county B writes bokmål
    report = submitted_report(decision)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="Godt.", carry_over=False)

    [message] = mail.outbox
    assert set(message.to) == {report.submitted_by.email, cast.county_b.letter_email}
    body = flat(message.body)
    assert "IMDi har godkjent årsrapporten og regnskapet fra Fylke B" in body
    assert f"Ubrukte midler: {amount('200000')}. De er ikke overført til neste år." in body
    assert "Godt." in body


def test_report_notices_the_broker_never_got_are_sent_once_by_two_sweeps(cast, time_machine):
    decision = paid_grant(cast)
    report = submitted_report(decision)
    # No on-commit callbacks: as if the broker was down when IMDi approved it.
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)
    other = submitted_report(paid_grant(cast, organisation=cast.county_b))
    mail.outbox.clear()

    tasks.sweep_claim_notices()  # too fresh: left to the tasks sent after the commits
    assert mail.outbox == []

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_claim_notices()
    tasks.sweep_claim_notices()

    assert len(about("godkjend")) == 1  # county A's approval, in nynorsk
    [submitted] = about("Årsrapport og regnskap")  # county B's report, to IMDi
    assert link("report_assess", other.pk) in submitted.body
    assert len(mail.outbox) == 2


# --- Repayments -------------------------------------------------------------------------------


def noticed(cast, decision) -> RepaymentClaim:
    return repayments.repayment_notice(
        actor=f.actor_for(cast.caseworker2),
        decision_id=decision.pk,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("200000"),
        explanation="Regnskapet viser 200 000 kroner som ikke er brukt.",
        comment_deadline=timezone.localdate() + dt.timedelta(days=14),
    )


def approved_grant(cast, **kwargs):
    decision = paid_grant(cast, **kwargs)
    report = submitted_report(decision)
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)
    return decision


def test_a_county_s_comment_is_emailed_once_to_imdi_in_bokmal(cast, django_capture_on_commit_callbacks):
    decision = approved_grant(cast)
    assert decision.case.assigned_to == cast.caseworker
    claim = noticed(cast, decision)  # given by caseworker2
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        repayments.repayment_comment(
            actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Midlane er bundne i avtalar."
        )
    tasks.notify_comment(claim.pk)

    [message] = mail.outbox
    # The case's caseworker and whoever gave the notice.
    assert message.to == sorted([cast.caseworker.email, cast.caseworker2.email])
    assert f"Merknader fra Fylke A til forhåndsvarsel {claim.reference}" in message.subject
    body = flat(message.body)
    assert f"{cast.staff_a.full_name} sendte dem" in body
    assert f"Varslet beløp: {amount('200000')}." in body
    assert "Midlane er bundne i avtalar." in body
    assert link("repayment_detail", claim.pk) in body
    claim.refresh_from_db()
    assert claim.comment_notified_at is not None

    tasks.notify_comment(claim.pk)
    assert len(mail.outbox) == 1


def test_a_recorded_repayment_is_emailed_once_to_the_county_in_nynorsk(cast, django_capture_on_commit_callbacks):
    decision = approved_grant(cast)
    claim = noticed(cast, decision)
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Vi betaler.")
    send_claim(
        cast,
        claim_id=claim.pk,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        account_number=ACCOUNT,
        amount=Decimal("150000"),
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        repayments.repayment_record(
            actor=f.actor_for(cast.caseworker),
            claim_id=claim.pk,
            repaid_on=timezone.localdate(),
            amount=Decimal("150000"),
        )
    tasks.notify_repaid(claim.pk)
    tasks.sweep_claim_notices()

    [message] = about("Tilbakebetalinga er registrert")
    assert set(message.to) == {cast.county_a.letter_email, cast.director_a.email, cast.delegate_a.email}
    body = flat(message.body)
    assert (
        f"IMDi har registrert at Fylke A har betalt tilbake {amount('150000')} etter kravet {claim.reference}" in body
    )
    assert link("repayment_view", decision.case.application_id, claim.pk) in body
    assert_nynorsk(body)
    claim.refresh_from_db()
    assert claim.repaid_notified_at is not None


def test_claim_notices_the_broker_never_got_are_sent_once_by_two_sweeps(cast, time_machine):
    decision = approved_grant(cast)
    claim = noticed(cast, decision)
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Merknad.")
    mail.outbox.clear()

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_claim_notices()
    tasks.sweep_claim_notices()

    assert len(about("Merknader fra Fylke A")) == 1
    assert len(about(claim.reference)) == 2  # the notice to the county, and the comment to IMDi
