"""The notices to IMDi's caseworkers about an application (issue 13): a county's new submission and its
acceptance of a grant. One e-mail each, to the right caseworkers, in bokmål, saying what happened with
the amount and a link to the case; never twice, whether the task runs twice or two sweeps run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from grants import services, tasks
from grants.models import Decision, Submission
from portal.formats import kr
from tests import factories as f
from tests.grants.helpers_cases import assigned, decided, issued, submitted_case
from tests.grants.test_intake import received

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=3)  # past the sweep's grace period (grants.notices.SWEEP_AFTER)
# Words only nynorsk has: an e-mail to IMDi is in bokmål even when the county writes nynorsk.
NYNORSK_ONLY = ("ikkje", "frå", "dykk", "tilskot")


def flat(text: str) -> str:
    return " ".join(text.split())


def notices_to_imdi(subject_part: str) -> list:
    return [message for message in mail.outbox if subject_part in message.subject]


def case_url(case) -> str:
    return settings.SITE_URL + reverse("case_detail", args=[case.pk])


# --- A new submission -------------------------------------------------------------------------


def confirm(cast, application, django_capture_on_commit_callbacks) -> Submission:
    services.application_send(actor=f.actor_for(cast.staff_a, cast.county_a), application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.application_confirm(
            actor=f.actor_for(cast.director_a, cast.county_a), application_id=application.pk
        )
    submission.refresh_from_db()
    return submission


def test_a_new_submission_is_emailed_once_to_imdi_s_caseworkers_in_bokmal(cast, django_capture_on_commit_callbacks):
    application = f.make_application(cast.call, cast.staff_a)  # county A writes nynorsk
    mail.outbox.clear()

    submission = confirm(cast, application, django_capture_on_commit_callbacks)

    [message] = notices_to_imdi("Ny søknad fra Fylke A")
    # Nobody has the case yet: every caseworker of the scheme's owner hears of it.
    assert message.to == sorted([cast.caseworker.email, cast.caseworker2.email])
    body = flat(message.body)
    assert f"Fylke A har sendt inn søknad på «{cast.call.title}», referanse {submission.application.reference}" in body
    assert f"Søkt beløp: {flat(kr(Decimal('1250000')))}." in body
    assert case_url(submission.application.case) in body
    assert not any(word in body for word in NYNORSK_ONLY)
    assert submission.imdi_notified_at is not None

    # The task again, and two sweeps later on: nothing more.
    tasks.notify_submission_received(submission.pk)
    tasks.notify_submission_received(submission.pk)
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()
    assert len(notices_to_imdi("Ny søknad fra")) == 1


def test_a_submission_the_broker_never_got_is_sent_by_the_sweep_once(cast, time_machine):
    application = f.make_application(cast.call, cast.staff_a)
    # No on-commit callbacks run here: as if the broker was down when it was confirmed.
    submission = f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    assert submission.imdi_notified_at is None
    mail.outbox.clear()

    tasks.sweep_confirmation_requests()  # too fresh: left to the task sent after the commit
    assert notices_to_imdi("Ny søknad fra") == []

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()
    [message] = notices_to_imdi("Ny søknad fra")
    assert case_url(application.case) in message.body
    submission.refresh_from_db()
    assert submission.imdi_notified_at is not None


def test_a_submission_goes_to_the_case_s_caseworker_only_once_it_is_assigned(cast):
    application = f.make_application(cast.call, cast.staff_a)
    submission = f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    assigned(cast, application.case, cast.caseworker2)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = notices_to_imdi("Ny søknad fra")
    assert message.to == [cast.caseworker2.email]


def test_a_paper_application_registered_by_imdi_is_not_announced_to_imdi(cast):
    """IMDi registered it itself: no e-mail tells IMDi of it, now or from the sweep."""
    application = services.application_register(
        actor=f.actor_for(cast.caseworker),
        call=cast.call,
        organisation=cast.county_a,
        received=received(),
        title="Søknad per post",
        budget={},
    )
    submission = application.submissions.get()
    mail.outbox.clear()
    tasks.notify_submission_received(submission.pk)
    assert notices_to_imdi("Ny søknad fra") == []


# --- An acceptance ----------------------------------------------------------------------------


def accepted_grant(cast, django_capture_on_commit_callbacks) -> Decision:
    case = submitted_case(cast)
    assigned(cast, case, cast.caseworker)
    decision = decided(cast, case, amount="1000000")
    issued(decision)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_accept(actor=f.actor_for(cast.director_a, cast.county_a), decision_id=decision.pk)
    decision.refresh_from_db()
    return decision


def test_an_acceptance_is_emailed_once_to_the_case_s_caseworker(cast, django_capture_on_commit_callbacks):
    decision = accepted_grant(cast, django_capture_on_commit_callbacks)

    [message] = notices_to_imdi("har akseptert tilskuddet")
    assert message.to == [cast.caseworker.email]
    assert "Fylke A" in message.subject
    body = flat(message.body)
    assert f"{cast.director_a.full_name} aksepterte" in body
    assert f"Tildelt beløp: {flat(kr(Decimal('1000000')))}. Tilskuddet kan nå utbetales." in body
    assert case_url(decision.case) in body
    assert not any(word in body for word in NYNORSK_ONLY)
    assert decision.acceptance_notified_at is not None

    tasks.notify_accepted(decision.pk)
    tasks.notify_accepted(decision.pk)
    assert len(notices_to_imdi("har akseptert tilskuddet")) == 1


def test_an_acceptance_the_broker_never_got_is_sent_by_two_sweeps_once(cast, time_machine):
    case = submitted_case(cast)
    decision = decided(cast, case, amount="1000000")
    issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a, cast.county_a), decision_id=decision.pk)
    mail.outbox.clear()

    time_machine.move_to(timezone.now() + LATER, tick=False)
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()

    [message] = notices_to_imdi("har akseptert tilskuddet")
    assert case_url(case) in message.body
    decision.refresh_from_db()
    assert decision.acceptance_notified_at is not None
