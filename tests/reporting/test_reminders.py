"""Reminders: each kind is created and sent once, at the right step, to the right people; a failed
send is tried again. The sweep's query count, its bench measure and its schedule: test_reminder_sweep.py."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from smtplib import SMTPException

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, Call, DeadlineExtension
from portal.models import Membership, Role
from reporting import reminders
from reporting.models import AnnualReport, Reminder, ReminderText, RepaymentClaim
from reporting.reminders import call_county_target, sweep_reminders
from tests import factories as f
from tests.grants.helpers_cases import decided, issued
from tests.reporting.helpers import paid_grant

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


# --- Helpers (the other reminder test modules import them) --------------------------------------


def sweep(now=None) -> list:
    """Run one sweep and return the e-mails it sent."""
    mail.outbox = []
    sweep_reminders(now)
    return list(mail.outbox)


def sent_rows(**filters) -> list[tuple[str, str, int]]:
    rows = Reminder.objects.filter(sent_at__isnull=False, **filters)
    return sorted(rows.values_list("kind", "step", "organisation_id"))


def county_with_people(call: Call | None = None):
    """A county (eligible for ``call``) with one staff member and one director."""
    county = f.make_org()
    f.make_user(roles=[(county, Role.COUNTY_STAFF)])
    f.make_user(roles=[(county, Role.COUNTY_DIRECTOR)])
    if call is not None:
        call.eligible_organisations.add(county)
    return county


def awaiting_application(call: Call, county, *, sent_at) -> Application:
    """``county``'s application to ``call``, sent for confirmation at ``sent_at`` (written directly)."""
    creator = Membership.objects.filter(organisation=county).select_related("user").first().user
    return Application.objects.create(
        call=call,
        organisation=county,
        created_by=creator,
        state=Application.State.AWAITING_CONFIRMATION,
        sent_at=sent_at,
        sent_by=creator,
        title="Fagbrev for voksne",
    )


def annual_report(decision, *, state=AnnualReport.State.SUBMITTED) -> AnnualReport:
    case = decision.case
    return AnnualReport.objects.create(
        decision=decision,
        case=case,
        application=case.application,
        state=state,
        deadline=decision.report_deadline,
        submitted_at=timezone.now() if state != AnnualReport.State.DRAFT else None,
        created_by=case.application.created_by,
    )


def repayment_claim(decision, *, due_date: dt.date, caseworker) -> RepaymentClaim:
    now = timezone.now()
    return RepaymentClaim.objects.create(
        case=decision.case,
        decision=decision,
        state=RepaymentClaim.State.CLAIMED,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("125000"),
        explanation="Ubrukte midler etter regnskapet.",
        reference=f"TB-{decision.pk}",
        notice_sent_at=now,
        notice_sent_by=caseworker,
        comment_deadline=timezone.localdate(now),
        claimed_at=now,
        claimed_by=caseworker,
        due_date=due_date,
    )


def move_deadline(cast) -> dt.datetime:
    """Set cast.call's application deadline 30 days from now (whole seconds) and return it."""
    moment = timezone.now().replace(microsecond=0) + 30 * DAY
    Call.objects.filter(pk=cast.call.pk).update(application_deadline=moment)
    return moment


@pytest.fixture
def deadline(cast):
    return move_deadline(cast)


def close_call(cast) -> None:
    """cast.call's application deadline has passed: no application deadline reminders."""
    Call.objects.filter(pk=cast.call.pk).update(application_deadline=timezone.now() - HOUR)


def counts(messages, cast) -> list[int]:
    """How many of ``messages`` went to county A, B and C."""
    found = by_county(messages, cast)
    return [len(found[name]) for name in "ABC"]


def by_county(messages, cast) -> dict[str, list]:
    found = {"A": [], "B": [], "C": []}
    for message in messages:
        for name in "ABC":
            if getattr(cast, f"county_{name.lower()}").letter_email in message.to:
                found[name].append(message)
    return found


# --- The application deadline -------------------------------------------------------------------


def test_application_deadline_reminds_each_eligible_county_at_14_7_and_1_days(cast, deadline, time_machine):
    time_machine.move_to(deadline - 15 * DAY, tick=False)
    assert sweep() == []

    time_machine.move_to(deadline - 14 * DAY + HOUR, tick=False)
    messages = by_county(sweep(), cast)
    assert [len(messages[name]) for name in "ABC"] == [1, 1, 0]  # county C is not in the trial
    message = messages["B"][0]  # county B writes bokmål (county A's nynorsk: test_reminder_languages.py)
    assert message.subject == f"[IMDi tilskudd] Søknadsfristen for {cast.call.title} er " + timezone.localtime(
        deadline
    ).strftime("%d.%m.%Y %H:%M")
    assert "om 14 dager" in message.body
    assert f"{settings.SITE_URL}/utlysninger/{cast.call.pk}/" in message.body
    assert sweep() == []  # the same day, again: nothing

    time_machine.move_to(deadline - 6 * DAY, tick=False)
    assert counts(sweep(), cast) == [1, 1, 0]
    time_machine.move_to(deadline - 5 * DAY, tick=False)
    assert sweep() == []
    time_machine.move_to(deadline - 2 * HOUR, tick=False)
    assert counts(sweep(), cast) == [1, 1, 0]
    time_machine.move_to(deadline + HOUR, tick=False)
    assert sweep() == []

    a, b = cast.county_a.pk, cast.county_b.pk
    kind = "application_deadline"
    assert sent_rows() == sorted((kind, step, org) for step in ("14", "7", "1") for org in (a, b))
    row = Reminder.objects.get(organisation=cast.county_a, step="7")
    assert row.target_id == call_county_target(cast.call.pk, a)
    assert row.due_at == deadline
    assert row.link == reverse("call_detail", args=[cast.call.pk])


def test_a_sweep_first_running_three_days_before_the_deadline_sends_only_the_7_day_reminder(
    cast, deadline, time_machine
):
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    assert len(sweep()) == 2
    assert {step for _kind, step, _org in sent_rows()} == {"7"}
    assert sweep() == []


def test_application_deadline_goes_to_the_mailbox_and_every_member_of_the_county(cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    message = by_county(sweep(), cast)["A"][0]
    assert set(message.to) == {
        cast.county_a.letter_email,
        cast.staff_a.email,
        cast.director_a.email,
        cast.delegate_a.email,
    }
    assert message.to[0] == cast.county_a.letter_email
    row = Reminder.objects.get(organisation=cast.county_a)
    assert row.recipients == ", ".join(message.to)


def test_a_county_that_has_submitted_gets_no_application_deadline_reminder(cast, deadline, time_machine):
    application = f.make_application(cast.call, cast.staff_a)
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    messages = by_county(sweep(), cast)
    assert (len(messages["A"]), len(messages["B"])) == (0, 1)


def test_the_latest_deadline_extension_of_a_county_moves_its_reminders(cast, deadline, time_machine):
    for days in (40, 20):  # the one recorded last wins
        DeadlineExtension.objects.create(
            call=cast.call,
            organisation=cast.county_a,
            deadline=deadline + days * DAY,
            reason="Sykdom",
            recorded_by=cast.caseworker,
        )
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    messages = by_county(sweep(), cast)
    assert (len(messages["A"]), len(messages["B"])) == (0, 1)

    time_machine.move_to(deadline + 17 * DAY, tick=False)  # three days before A's extended deadline
    messages = by_county(sweep(), cast)
    assert (len(messages["A"]), len(messages["B"])) == (1, 0)
    assert Reminder.objects.get(organisation=cast.county_a).due_at == deadline + 20 * DAY


def test_an_unpublished_call_reminds_nobody(cast, deadline, time_machine):
    Call.objects.filter(pk=cast.call.pk).update(is_published=False)
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    assert sweep() == []


# --- Waiting for confirmation and acceptance ---------------------------------------------------


def test_an_application_waiting_two_days_for_confirmation_reminds_those_who_may_confirm(cast, time_machine):
    application = f.make_application(cast.call, cast.staff_a)
    services.application_send(actor=f.actor_for(cast.staff_a), application_id=application.pk)
    sent_at = Application.objects.get(pk=application.pk).sent_at
    time_machine.move_to(sent_at + 2 * DAY - HOUR, tick=False)
    assert sweep() == []
    time_machine.move_to(sent_at + 2 * DAY + HOUR, tick=False)
    [message] = sweep()
    assert set(message.to) == {cast.county_a.letter_email, cast.director_a.email, cast.delegate_a.email}
    assert "ventar på stadfesting" in message.subject  # county A writes nynorsk
    assert f"{settings.SITE_URL}/soknader/{application.pk}/" in message.body
    assert sweep() == []

    # Returned and sent again: a new reminder two days after the new sending.
    services.application_return(actor=f.actor_for(cast.director_a), application_id=application.pk, reason="Rett opp")
    services.application_send(actor=f.actor_for(cast.staff_a), application_id=application.pk)
    assert sweep() == []
    time_machine.shift(2 * DAY + HOUR)
    assert len(sweep()) == 1
    assert Reminder.objects.filter(kind="awaiting_confirmation", target_id=application.pk).count() == 2


def test_a_grant_not_accepted_seven_days_after_the_letter_is_reminded_once(cast, time_machine):
    decision = decided(cast)
    letter = issued(decision)
    close_call(cast)
    time_machine.move_to(letter.issued_at + 7 * DAY - HOUR, tick=False)
    assert sweep() == []
    time_machine.move_to(letter.issued_at + 7 * DAY + HOUR, tick=False)
    [message] = sweep()
    assert set(message.to) == {
        cast.county_a.letter_email,
        cast.staff_a.email,
        cast.director_a.email,
        cast.delegate_a.email,
        "kari@example.org",  # the application's contact person
    }
    assert "kr\xa01\xa0000\xa0000" in message.body
    link = reverse("decision_view", args=[decision.case.application_id, decision.pk])
    assert f"{settings.SITE_URL}{link}" in message.body
    assert sent_rows() == [("awaiting_acceptance", "7", cast.county_a.pk)]
    time_machine.shift(3 * DAY)
    assert sweep() == []


# --- Reports and repayments ---------------------------------------------------------------------


def test_report_deadline_reminds_at_30_7_and_1_days_then_once_when_overdue(cast, time_machine):
    decision = paid_grant(cast)
    close_call(cast)
    due = decision.report_deadline
    for moment, step in [
        (due - 31 * DAY, None),
        (due - 29 * DAY, "30"),
        (due - 20 * DAY, None),
        (due - 6 * DAY, "7"),
        (due - HOUR, "1"),
        (due + HOUR, "overdue"),
        (due + 5 * DAY, None),
    ]:
        time_machine.move_to(moment, tick=False)
        messages = sweep()
        assert len(messages) == (0 if step is None else 1), (moment, step)
        if step == "overdue":
            link = reverse("report_overview", args=[decision.case.application_id, decision.pk])
            assert f"{settings.SITE_URL}{link}" in messages[0].body
    assert [step for _kind, step, _org in sent_rows()] == ["1", "30", "7", "overdue"]
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"report_deadline", "report_overdue"}


def test_a_submitted_report_stops_the_reminders_and_a_draft_does_not(cast, time_machine):
    submitted = paid_grant(cast)
    annual_report(submitted)
    draft = paid_grant(cast, organisation=cast.county_b)
    annual_report(draft, state=AnnualReport.State.DRAFT)
    close_call(cast)
    time_machine.move_to(submitted.report_deadline - 6 * DAY, tick=False)
    [message] = sweep()
    assert cast.county_b.letter_email in message.to
    time_machine.move_to(submitted.report_deadline + DAY, tick=False)
    [message] = sweep()
    assert "er ikke levert" in message.subject
    assert cast.county_b.letter_email in message.to


def test_a_repayment_is_reminded_seven_days_before_it_is_due_and_once_overdue(cast, time_machine):
    decision = paid_grant(cast)
    close_call(cast)
    due = timezone.localdate() + 20 * DAY
    claim = repayment_claim(decision, due_date=due, caseworker=cast.caseworker)
    time_machine.move_to(timezone.now() + 10 * DAY, tick=False)
    assert sweep() == []
    time_machine.move_to(timezone.now() + 4 * DAY, tick=False)  # 6 days before
    [message] = sweep()
    assert message.subject == f"[IMDi tilskot] Krav om tilbakebetaling {claim.reference} forfell " + due.strftime(
        "%d.%m.%Y"
    )  # county A writes nynorsk
    assert "kr\xa0125\xa0000" in message.body
    link = reverse("repayment_view", args=[decision.case.application_id, claim.pk])
    assert f"{settings.SITE_URL}{link}" in message.body
    assert sweep() == []
    time_machine.move_to(timezone.now() + 7 * DAY, tick=False)  # one day after the due date
    assert len(sweep()) == 1
    assert sent_rows(kind="repayment_due") == [
        ("repayment_due", "7", cast.county_a.pk),
        ("repayment_due", "overdue", cast.county_a.pk),
    ]
    RepaymentClaim.objects.filter(pk=claim.pk).update(state=RepaymentClaim.State.CANCELLED)
    time_machine.move_to(timezone.now() + 7 * DAY, tick=False)
    assert sweep() == []


# --- Sending fails, texts go wrong ---------------------------------------------------------------


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("421 the server is not available")


class RefusesCountyB(LocmemBackend):
    refused = ""

    def send_messages(self, email_messages):
        if any(self.refused in message.to for message in email_messages):
            raise SMTPException("550 mailbox unavailable")
        return super().send_messages(email_messages)


def test_a_failed_send_leaves_the_reminder_unsent_and_the_next_sweep_sends_it(cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    with override_settings(EMAIL_BACKEND=f"{__name__}.BrokenBackend"):
        assert sweep() == []
    rows = list(Reminder.objects.all())
    assert len(rows) == 2
    assert all(r.sent_at is None and r.claimed_at is None and "not available" in r.error for r in rows)

    time_machine.shift(15 * 60)
    assert len(sweep()) == 2
    assert set(Reminder.objects.values_list("error", flat=True)) == {""}
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_one_failing_message_does_not_stop_the_others(cast, deadline, time_machine):
    RefusesCountyB.refused = cast.county_b.letter_email
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    with override_settings(EMAIL_BACKEND=f"{__name__}.RefusesCountyB"):
        messages = by_county(sweep(), cast)
    assert (len(messages["A"]), len(messages["B"])) == (1, 0)
    assert Reminder.objects.get(organisation=cast.county_b).error.startswith("SMTPException")
    messages = by_county(sweep(), cast)
    assert (len(messages["A"]), len(messages["B"])) == (0, 1)


def test_a_stale_claim_is_taken_over_after_an_hour(cast, deadline, time_machine):
    """A sweep that crashed between claiming and marking: the reminder is sent again (at most one
    duplicate), but not while the claim is fresh."""
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    with override_settings(EMAIL_BACKEND=f"{__name__}.BrokenBackend"):
        sweep()
    Reminder.objects.update(claim="6f1c1b0e-0000-4000-8000-000000000000", claimed_at=timezone.now(), error="")
    time_machine.shift(30 * 60)
    assert sweep() == []
    time_machine.shift(31 * 60)
    assert len(sweep()) == 2


def test_an_unknown_placeholder_in_a_stored_text_is_sent_as_written(cast, deadline, time_machine):
    ReminderText.objects.update_or_create(
        kind="application_deadline",
        defaults={
            f"{field}_{language}": text
            for language in ("nb", "nn")
            for field, text in (
                ("subject", "Frist {deadline} {fylke}"),
                ("body", "Hei {organisation.name} {organisation}"),
            )
        },
    )
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    message = by_county(sweep(), cast)["A"][0]
    assert message.subject.endswith("{fylke}")
    assert message.body == "Hei {organisation.name} {organisation}"  # cannot be filled in: sent as it is


def test_render_text_fills_in_known_and_keeps_unknown_placeholders():
    values = {"organisation": "Fylke A", "days": "7"}
    assert reminders.render_text("{organisation}: {days} dager, {ukjent}", values) == "Fylke A: 7 dager, {ukjent}"
    assert reminders.render_text("Ett { for mye", values) == "Ett { for mye"


def test_text_problems_names_the_unknown_placeholders():
    problem = reminders.text_problems("application_deadline", "{call} {fylke} {amount} {days:>3}")
    assert "{fylke}" in problem and "{amount}" in problem and "{days:>3}" in problem
    assert "{call}" not in problem.split(".")[0]
    assert reminders.text_problems("application_deadline", "Frist {deadline} {{ikke en plassholder}}") == ""
    assert "krøllparentes" in reminders.text_problems("report_deadline", "Ett { for mye")


def test_the_data_migration_writes_a_valid_default_text_for_every_kind(db):
    migration = importlib.import_module("reporting.migrations.0002_reminder_texts")
    ReminderText.objects.filter(kind="report_overdue").delete()
    ReminderText.objects.filter(kind="report_deadline").update(subject="Endret av en administrator")
    migration.create_texts(django_apps, None)
    texts = {t.kind: t for t in ReminderText.objects.all()}
    assert set(texts) == set(reminders.K.values)
    assert texts["report_deadline"].subject == "Endret av en administrator"  # never overwritten
    for kind, (subject, body) in migration.TEXTS.items():  # its (old) defaults, which 0008 replaces
        assert reminders.text_problems(kind, subject) == reminders.text_problems(kind, body) == ""
    for kind, standards in reminders.DEFAULT_TEXTS.items():  # both standards: test_reminder_languages.py
        for subject, body in standards.values():
            assert reminders.text_problems(kind, subject) == reminders.text_problems(kind, body) == ""
