"""Issuing the decision letter exactly once, the e-mail that tells the county, and what happens when
rendering or sending fails: the failure is recorded and the sweep finds the letter again."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from grants import letters
from grants.models import Decision, Letter
from portal import background, documents
from portal.models import AuditEvent
from tests import factories as f
from tests.grants import helpers_cases as h
from tests.grants.test_letters import decided_for_b, flat, issue, letter_files, stored_bytes

Status = Letter.Status
Kind = Decision.Kind

pytestmark = pytest.mark.django_db


SWEEP_LATER = dt.timedelta(minutes=3)


# --- Issuing once -----------------------------------------------------------------------------


def test_issuing_is_recorded_once_in_the_audit_log(cast):
    decision = decided_for_b(cast)

    letter = issue(decision)
    issue(decision)

    event = AuditEvent.objects.get(action="letter.issued")
    assert event.actor is None and event.actor_label == "system"
    assert event.object_type == "grants.application"
    assert event.object_id == str(decision.case.application_id)
    assert event.subject_organisation == cast.county_b
    assert event.changes == {"letter": letter.reference, "sha256": letter.sha256}


def test_issuing_twice_leaves_one_file_and_one_email(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    files_before = letter_files()
    with django_capture_on_commit_callbacks(execute=True):
        first = issue(decision)

    def must_not_render(letter):
        raise AssertionError("a ready letter is rendered again")

    monkeypatch.setattr(letters, "letter_pdf", must_not_render)
    with django_capture_on_commit_callbacks(execute=True):
        second = issue(decision)

    assert (second.file.name, second.sha256, second.issued_at) == (first.file.name, first.sha256, first.issued_at)
    assert second.attempts == 1
    assert letter_files() - files_before == {first.file.name.split("/")[-1]}
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="letter.issued").count() == 1


def test_approving_renders_the_letter_and_tells_the_county_after_the_commit(cast, django_capture_on_commit_callbacks):
    case = h.submitted_case(cast, organisation=cast.county_b)
    decision = h.proposed(cast, case)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        h.approved(cast, decision)  # the render task runs eagerly after the commit

    letter = Letter.objects.get(decision=decision)
    assert letter.status == Status.READY
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    assert letter.notified_at is not None
    assert len(mail.outbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_make_one_file_and_one_email(cast, monkeypatch):
    with monkeypatch.context() as broker_down:  # commits are real here: keep the approval's task from running
        broker_down.setattr(background, "_send", lambda task, args, kwargs: None)
        decision = decided_for_b(cast)
    assert Letter.objects.get(pk=decision.letter.pk).status == Status.PENDING
    files_before = letter_files()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            letters.letter_issue(decision.letter.pk)  # outside a transaction, as the Celery task runs
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 -- a thread cannot raise into the test: the assert below shows it
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == ["ok", "ok"]
    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.READY and letter.attempts == 1
    assert letter_files() - files_before == {letter.file.name.split("/")[-1]}
    assert AuditEvent.objects.filter(action="letter.issued").count() == 1
    assert len(mail.outbox) == 1


# --- The e-mail -------------------------------------------------------------------------------


def test_email_tells_those_who_may_accept_and_the_contact_with_a_link_and_no_attachment(
    cast, django_capture_on_commit_callbacks
):
    former = f.make_user("former.director.b@example.org", roles=[(cast.county_b, f.Role.COUNTY_DIRECTOR)])
    former.is_active = False
    former.save(update_fields=["is_active"])
    decision = decided_for_b(cast)

    with django_capture_on_commit_callbacks(execute=True):
        letter = issue(decision)

    letter.refresh_from_db()
    assert letter.notified_at is not None
    [message] = mail.outbox
    # County B's official mailbox; its director, who may accept (its staff may not); the contact person
    # named in the application.
    assert message.to == sorted([cast.county_b.letter_email, cast.director_b.email, "kari@example.org"])
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject.startswith(str(settings.PORTAL_EMAIL_SUBJECT_PREFIX))
    assert "Tilskuddsbrev" in message.subject and decision.case.application.reference in message.subject
    url = settings.SITE_URL + reverse("decision_view", args=[decision.case.application_id, decision.pk])
    assert url in message.body
    assert letter.reference in message.body
    assert "«Aksepter tilskuddet»" in message.body
    assert message.attachments == []


def test_a_contact_who_may_also_accept_gets_one_copy(cast):
    letter = decided_for_b(cast).letter
    letter.decision.case.application.contact_email = cast.director_b.email.upper()

    assert letters.letter_recipients(letter) == sorted([cast.county_b.letter_email, cast.director_b.email])


def test_email_goes_to_the_fullmakt_holder_and_in_nynorsk(cast, django_capture_on_commit_callbacks):
    decision = h.decided(cast, kind=Kind.DISMISSAL)  # county A: a director and a delegate with fullmakt
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    [message] = mail.outbox
    assert message.to == sorted(
        [cast.county_a.letter_email, cast.director_a.email, cast.delegate_a.email, "kari@example.org"]
    )
    with translation.override("nn"):
        assert flat(gettext("Logg inn for å lese brevet:")) in flat(message.body)
        assert flat(gettext("Vedtak om avvisning")) in message.subject


def test_email_already_claimed_by_another_run_is_not_sent_again(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    original = letters.letter_message

    def claimed_meanwhile(letter):  # another run claims the e-mail between our read and our claim
        message = original(letter)
        Letter.objects.filter(pk=letter.pk).update(notified_at=timezone.now())
        return message

    monkeypatch.setattr(letters, "letter_message", claimed_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    assert mail.outbox == []


def test_a_failed_send_gives_the_claim_back_for_the_sweep(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError), django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.READY
    assert letter.notified_at is None
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [letter.pk]


# --- Failure and the sweep --------------------------------------------------------------------


def test_rendering_failure_is_visible_and_a_later_run_succeeds(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    files_before = letter_files()

    def broken(letter):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(letters, "letter_pdf", broken)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        letters.letter_issue(decision.letter.pk)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.FAILED
    assert letter.attempts == 1
    assert letter.last_error == "RuntimeError: WeasyPrint fell over"
    assert not letter.file and letter.sha256 == "" and letter.issued_at is None
    assert letter_files() == files_before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="letter.issued").exists()
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [letter.pk]

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_issue(letter.pk)  # what the retry or the sweep runs

    letter.refresh_from_db()
    assert letter.status == Status.READY
    assert letter.attempts == 2 and letter.last_error == ""
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == []


def test_a_very_long_error_is_cut_short(cast, monkeypatch):
    decision = decided_for_b(cast)

    def broken(letter):
        raise ValueError("x" * 5000)

    monkeypatch.setattr(letters, "letter_pdf", broken)
    with pytest.raises(ValueError):
        letters.letter_issue(decision.letter.pk)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.last_error.startswith("ValueError: xxx")
    assert len(letter.last_error) == documents.ERROR_LENGTH


def test_sweep_finds_pending_failed_and_unannounced_letters_but_not_finished_ones(cast):
    pending = decided_for_b(cast).letter
    failed = decided_for_b(cast, call=f.make_call(cast.scheme, eligible=[cast.county_b])).letter
    Letter.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=4, last_error="RuntimeError: x")

    assert letters.unfinished_letters() == []  # just approved: the task sent after the commit comes first
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [pending.pk, failed.pk]

        Letter.objects.filter(pk=failed.pk).update(attempts=documents.MAX_ATTEMPTS)  # given up: stays visible
        letters.letter_issue(pending.pk)  # ready, but the county not yet told
        assert letters.unfinished_letters() == [pending.pk]

        Letter.objects.filter(pk=pending.pk).update(notified_at=timezone.now())
        assert letters.unfinished_letters() == []
