"""The e-mails about an appeal (issue 13, item 4): IMDi is told that an appeal came (in bokmål), the
county that its appeal went to the ministry and how it was decided (in its written standard: county
A writes nynorsk). Each says what happened, the amount applied for and a link, is claimed on the
appeal's row and sent once, and is sent by the periodic sweep when the broker was down."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from grants import appeal_notices, services, tasks
from grants.models import Appeal, AppealLetter, CallFollow, Case, Decision
from portal.formats import kr
from portal.models import User
from tests import factories as f
from tests.grants import helpers_cases as h
from tests.grants.test_appeal_letters import COVER, LATE, REASONS, appealed, dismissal_of, issue
from tests.grants.test_intake import received

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=3)  # past the sweep's grace period (grants.notices.SWEEP_AFTER)
APPLIED = "1250000"  # what every test application asks for (tests/factories.py)
BOKMAL_ONLY = ("ikke", "tilskudd", "klagen", "fra ", "Hilsen", "vennlig", "mangfold")
NYNORSK_ONLY = ("ikkje", "frå", "tilskot", "klaga")
NOTE = "Departementets referanse 25/1234."


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def applied() -> str:
    return flat(kr(Decimal(APPLIED)))


def decision_link(appeal: Appeal) -> str:
    return settings.SITE_URL + reverse("decision_view", args=[appeal.case.application_id, appeal.decision_id])


def about(part: str) -> list:
    return [message for message in mail.outbox if part in message.subject]


def actor(user):
    return f.actor_for(user)


def forward(cast, appeal: Appeal) -> Appeal:
    services.appeal_forward(actor=actor(cast.caseworker), appeal_id=appeal.pk, cover_note=COVER)
    return appeal


def decide(cast, appeal: Appeal, *, upheld: bool) -> Appeal:
    services.appeal_outcome(
        actor=actor(cast.caseworker), appeal_id=appeal.pk, upheld=upheld, note=NOTE, decided_on=timezone.localdate()
    )
    return Appeal.objects.get(pk=appeal.pk)


# --- IMDi told that an appeal came ------------------------------------------------------------


def test_imdi_is_told_once_of_a_new_appeal_in_bokmal_with_the_amount_and_a_link(
    cast, django_capture_on_commit_callbacks
):
    decision = dismissal_of(cast, cast.county_a)  # the case is cast.caseworker's
    CallFollow.objects.create(user=cast.admin, call=decision.case.call)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.appeal_file(actor=actor(cast.staff_a), decision_id=decision.pk, reasons=REASONS)

    [message] = about("Ny klage fra Fylke A")
    assert message.to == sorted([cast.admin.email, cast.caseworker.email])
    body = flat(message.body)
    assert f"Fylke A har klaget på vedtaket om å avvise søknaden på «{decision.case.call.title}»" in body
    assert f"Søkt beløp: {applied()}." in body
    assert settings.SITE_URL + reverse("appeal_detail", args=[appeal.pk]) in body
    assert not [word for word in NYNORSK_ONLY if word in body], body
    appeal.refresh_from_db()
    assert appeal.received_notified_at is not None

    tasks.notify_appeal_received(appeal.pk)
    tasks.sweep_confirmation_requests()
    assert len(about("Ny klage fra")) == 1


def test_a_caseworker_who_chose_the_digest_and_follows_the_call_is_not_told_at_once(
    cast, django_capture_on_commit_callbacks
):
    decision = dismissal_of(cast, cast.county_a)
    Case.objects.filter(pk=decision.case_id).update(assigned_to=None)
    CallFollow.objects.create(user=cast.caseworker2, call=decision.case.call)
    User.objects.filter(pk=cast.caseworker2.pk).update(notice_choice=User.NoticeChoice.DIGEST)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_file(actor=actor(cast.staff_a), decision_id=decision.pk, reasons=REASONS)

    assert about("Ny klage fra") == []  # caseworker2 reads of it in tomorrow's digest


def test_an_appeal_the_broker_never_got_is_sent_by_the_sweep_once(cast, time_machine):
    appeal = appealed(cast, cast.county_a)  # no on-commit callbacks here: as if the broker was down
    assert appeal.received_notified_at is None
    mail.outbox.clear()

    tasks.sweep_confirmation_requests()  # too fresh: left to the task sent after the commit
    assert about("Ny klage fra") == []

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()
    [message] = about("Ny klage fra")
    assert message.to == [cast.caseworker.email]
    appeal.refresh_from_db()
    assert appeal.received_notified_at is not None


def test_an_appeal_registered_by_imdi_is_not_announced_to_imdi(cast, time_machine):
    decision = dismissal_of(cast, cast.county_a)
    appeal = services.appeal_register(
        actor=actor(cast.caseworker), decision_id=decision.pk, received=received(), reasons="Klage per brev."
    )
    mail.outbox.clear()
    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.notify_appeal_received(appeal.pk)
    tasks.sweep_confirmation_requests()
    assert about("Ny klage fra") == []


# --- The county told that its appeal went to the ministry -------------------------------------


def test_the_county_is_told_once_in_nynorsk_that_its_appeal_went_to_the_ministry(
    cast, django_capture_on_commit_callbacks
):
    appeal = appealed(cast, cast.county_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        forward(cast, appeal)

    [message] = mail.outbox
    assert cast.director_a.email in message.to and cast.county_a.letter_email in message.to
    assert cast.caseworker.email not in message.to
    body = flat(message.body)
    assert "Arbeids- og inkluderingsdepartementet" in body and "til departementet" in message.subject
    assert f"Søkt beløp: {applied()}." in body
    assert decision_link(appeal) in body
    assert not [word for word in BOKMAL_ONLY if word in body], body
    appeal.refresh_from_db()
    letter = appeal.letters.get(kind=AppealLetter.Kind.FORWARDING)
    assert appeal.forwarded_notified_at is not None and letter.notified_at is not None

    tasks.notify_appeal_forwarded(appeal.pk)
    tasks.sweep_confirmation_requests()
    tasks.sweep_letters()
    assert len(mail.outbox) == 1


def test_a_forwarding_e_mail_never_sent_is_sent_once_by_the_sweeps(cast, time_machine):
    appeal = forward(cast, appealed(cast, cast.county_b))
    letter = issue(appeal.letters.get(kind=AppealLetter.Kind.FORWARDING))
    # The letter was made, but the e-mail never went (the claim was given back when sending failed).
    Appeal.objects.filter(pk=appeal.pk).update(forwarded_notified_at=None)
    AppealLetter.objects.filter(pk=letter.pk).update(notified_at=None)
    mail.outbox.clear()

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=10), tick=False)
    tasks.sweep_confirmation_requests()
    tasks.sweep_letters()
    tasks.sweep_confirmation_requests()

    [message] = about("er sendt til departementet")
    assert cast.director_b.email in message.to
    appeal.refresh_from_db()
    letter.refresh_from_db()
    assert appeal.forwarded_notified_at is not None and letter.notified_at is not None


def test_no_forwarding_e_mail_before_the_copy_of_the_letter_is_ready(cast, time_machine):
    appeal = forward(cast, appealed(cast, cast.county_b))  # the letter is still pending
    mail.outbox.clear()
    time_machine.move_to(timezone.now() + LATER, tick=False)
    assert ("forwarded", appeal.pk) not in appeal_notices.unsent_appeal_notices()
    tasks.notify_appeal_forwarded(appeal.pk)
    assert mail.outbox == []


# --- The county told how its appeal was decided -----------------------------------------------


@pytest.mark.parametrize(
    ("upheld", "said"),
    [
        (True, "Departementet heldt oppe avvisinga. Vedtaket står, og saka er avslutta."),
        (False, "Departementet gjorde om vedtaket. IMDi vurderer søknaden på nytt"),
    ],
)
def test_the_county_is_told_once_in_nynorsk_what_the_ministry_decided(
    cast, django_capture_on_commit_callbacks, upheld, said
):
    appeal = forward(cast, appealed(cast, cast.county_a))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decide(cast, appeal, upheld=upheld)

    appeal.refresh_from_db()
    [message] = mail.outbox
    assert cast.director_a.email in message.to and cast.county_a.letter_email in message.to
    assert "Departementet har avgjort klaga" in message.subject
    body = flat(message.body)
    assert said in body and NOTE in body
    assert f"Søkt beløp: {applied()}." in body and decision_link(appeal) in body
    assert not [word for word in BOKMAL_ONLY if word in body.replace(NOTE, "")], body
    assert appeal.outcome_notified_at is not None

    tasks.notify_appeal_outcome(appeal.pk)
    tasks.sweep_confirmation_requests()
    assert len(mail.outbox) == 1


def test_the_county_is_told_when_imdi_reverses_its_decision_after_the_appeal(cast, django_capture_on_commit_callbacks):
    appeal = appealed(cast, cast.county_b)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_reverse(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason="Søknaden kom i tide.")

    [message] = mail.outbox
    assert cast.director_b.email in message.to and cast.county_b.letter_email in message.to
    assert f"IMDi har omgjort vedtaket etter klagen på søknad {appeal.case.application.reference}" in message.subject
    body = flat(message.body)
    assert "og omgjort vedtaket." in body and "dere får et nytt vedtak og et nytt brev" in body
    assert "Begrunnelse: Søknaden kom i tide." in body
    assert f"Søkt beløp: {applied()}." in body and decision_link(appeal) in body
    appeal.refresh_from_db()
    assert appeal.outcome_notified_at is not None


def test_an_outcome_the_broker_never_got_is_sent_once_by_two_sweeps(cast, time_machine):
    appeal = decide(cast, forward(cast, appealed(cast, cast.county_b)), upheld=True)
    assert appeal.outcome_notified_at is None
    mail.outbox.clear()

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()

    [message] = about("Departementet har avgjort klagen")
    assert cast.director_b.email in message.to


def test_a_dismissed_appeal_is_told_by_its_letter_not_by_an_outcome_notice(cast, time_machine):
    appeal = appealed(cast, cast.county_b)
    services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    time_machine.move_to(timezone.now() + LATER, tick=False)
    assert ("outcome", appeal.pk) not in appeal_notices.unsent_appeal_notices()
    assert appeal_notices.outcome_notify(appeal.pk) is False


# --- Two sweeps at once (PostgreSQL) ----------------------------------------------------------

APPEALS = 8
SWEEPS = 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_six_sweeps_at_once_send_each_appeal_e_mail_once(cast):
    appeals = []
    for _index in range(APPEALS):
        call = f.make_call(cast.scheme, eligible=[cast.county_b])
        case = h.submitted_case(cast, call=call, organisation=cast.county_b)
        decision = h.decided(cast, case, kind=Decision.Kind.DISMISSAL)
        h.issued(decision)
        appeals.append(services.appeal_file(actor=actor(cast.staff_b), decision_id=decision.pk, reasons=REASONS))
    half = [appeal.pk for appeal in appeals[: APPEALS // 2]]
    for appeal_id in half:
        decide(cast, forward(cast, Appeal.objects.get(pk=appeal_id)), upheld=True)
    # As if the broker had been down: nothing sent, and long enough ago for the sweep.
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Appeal.objects.update(received_notified_at=None, outcome_notified_at=None, filed_at=long_ago)
    Appeal.objects.filter(pk__in=half).update(closed_at=long_ago)
    mail.outbox = []
    barrier = threading.Barrier(SWEEPS)
    results: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            tasks.sweep_confirmation_requests()
            results.append("ok")
        except DatabaseError as error:  # a deadlock fails the test, by name
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _index in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results == ["ok"] * SWEEPS
    received = Counter(m.subject for m in mail.outbox if "Ny klage fra" in m.subject)
    outcomes = Counter(m.subject for m in mail.outbox if "Departementet har avgjort klagen" in m.subject)
    assert sum(received.values()) == APPEALS and set(received.values()) == {1}
    assert sum(outcomes.values()) == len(half) and set(outcomes.values()) == {1}
    assert not Appeal.objects.filter(received_notified_at__isnull=True).exists()
    assert Appeal.objects.filter(outcome_notified_at__isnull=False).count() == len(half)
