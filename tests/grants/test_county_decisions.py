"""The decision as the county sees it: the letter with its SHA-256, the first time the county opens
it, acceptance by whoever may act for the county, another county's decisions as 404, and IMDi's
retry of a letter that failed to render."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from grants.models import Case, Decision, Letter
from portal import audit
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def page(response) -> str:
    return html.unescape(response.content.decode())


def view_url(decision: Decision) -> str:
    return reverse("decision_view", args=[decision.case.application_id, decision.pk])


def letter_url(decision: Decision) -> str:
    return reverse("letter_file", args=[decision.case.application_id, decision.pk])


def accept_url(decision: Decision) -> str:
    return reverse("decision_accept", args=[decision.case.application_id, decision.pk])


def history_actions(response) -> list[str]:
    return [event.action for event in response.context["events"]]


@pytest.fixture
def grant(cast):
    """County A's grant of kr 1 000 000 (of kr 1 250 000 applied for), its letter issued."""
    decision = h.decided(cast, amount="1000000")
    h.issued(decision)
    return Decision.objects.select_related("case__application", "letter").get(pk=decision.pk)


# --- Seeing the decision and its letter -------------------------------------------------------


def test_the_director_sees_the_decision_its_sha256_and_a_link_to_the_letter(client, cast, grant):
    login(client, cast.director_a)
    response = client.get(view_url(grant))
    assert response.status_code == 200
    body = page(response)
    letter = grant.letter
    assert len(letter.sha256) == 64
    assert f'<code class="sha256">{letter.sha256}</code>' in body
    assert f'href="{letter_url(grant)}"' in body
    assert f"Åpne brevet {letter.reference}" in body
    assert "<h1>Tilskuddsbrev</h1>" in body
    assert f"kr{NBSP}1{NBSP}000{NBSP}000" in body
    assert "delvis tilskudd" in body
    assert letter.issued_at.astimezone(timezone.get_current_timezone()).strftime("%d.%m.%Y") in body
    assert "Aksepter tilskuddet" in body  # the director may accept


def test_a_letter_still_being_made_is_said_in_words_and_not_served(client, cast):
    decision = h.decided(cast)  # the letter is pending: the task has not run
    login(client, cast.director_a)
    body = page(client.get(view_url(decision)))
    assert "Brevet lages" in body
    assert letter_url(decision) not in body
    assert client.get(letter_url(decision)).status_code == 404
    response = client.post(accept_url(decision))
    assert response.status_code == 200
    assert "Tilskuddsbrevet er ikke klart ennå" in page(response)
    assert Decision.objects.get(pk=decision.pk).accepted_at is None


def test_the_letter_is_served_inline_as_the_stored_pdf(client, cast, grant):
    login(client, cast.staff_a)
    response = client.get(letter_url(grant))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    number = grant.letter.reference  # the document number in the case, 2026/00001-6: a hyphen for the slash
    assert response["Content-Disposition"] == f'inline; filename="{number.replace("/", "-")}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    with grant.letter.file.open("rb") as stored:
        assert content == stored.read()


def test_the_first_opening_by_the_county_is_recorded_once(client, cast, grant):
    letter = grant.letter
    login(client, cast.caseworker)
    assert client.get(letter_url(grant)).status_code == 200
    letter.refresh_from_db()
    assert letter.first_opened_at is None, "IMDi opening the letter is not the county receiving it"

    login(client, cast.director_a)
    client.get(letter_url(grant))
    letter.refresh_from_db()
    first = letter.first_opened_at
    assert first is not None and letter.first_opened_by == cast.director_a

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        login(client, cast.staff_a)
        client.get(letter_url(grant))
    letter.refresh_from_db()
    assert letter.first_opened_at == first and letter.first_opened_by == cast.director_a
    opened = AuditEvent.objects.filter(action="letter.opened", object_id=str(grant.case.application_id))
    assert opened.count() == 1

    response = client.get(view_url(grant))
    assert "letter.opened" in history_actions(response)
    assert first.astimezone(timezone.get_current_timezone()).strftime("%d.%m.%Y %H:%M") in page(response)


@pytest.mark.parametrize("who", ["staff_b", "director_b"])
def test_another_county_gets_404_on_the_decision_and_its_letter(client, cast, grant, who):
    login(client, getattr(cast, who))
    assert client.get(view_url(grant)).status_code == 404
    assert client.get(letter_url(grant)).status_code == 404
    assert client.post(accept_url(grant)).status_code == 404
    assert Letter.objects.get(pk=grant.letter.pk).first_opened_at is None


def test_a_proposal_does_not_exist_for_the_county(client, cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    for who in ("director_a", "staff_a"):
        login(client, getattr(cast, who))
        assert client.get(view_url(decision)).status_code == 404, who
        assert client.get(letter_url(decision)).status_code == 404, who
    login(client, cast.caseworker)
    response = client.get(view_url(decision))
    assert response.status_code == 200
    assert "Dette er et forslag til vedtak" in page(response)


# --- Acceptance (R17) -------------------------------------------------------------------------


def test_staff_without_fullmakt_cannot_accept_and_is_told_who_can(client, cast, grant):
    login(client, cast.staff_a)
    body = page(client.get(view_url(grant)))
    assert "Aksepter tilskuddet" not in body
    assert "fylkeskommunedirektøren eller noen som har fullmakt" in body
    response = client.post(accept_url(grant))
    assert response.status_code == 200
    assert "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt" in page(response)
    grant.refresh_from_db()
    assert grant.accepted_at is None
    assert Case.objects.get(pk=grant.case_id).state == Case.State.DECIDED


def test_the_director_accepts_the_grant(client, cast, grant):
    login(client, cast.director_a)
    response = client.post(accept_url(grant))
    assert response.status_code == 302 and response["Location"] == view_url(grant)
    grant.refresh_from_db()
    assert grant.accepted_by == cast.director_a and grant.accepted_at is not None
    assert Case.objects.get(pk=grant.case_id).state == Case.State.ACCEPTED
    body = page(client.get(view_url(grant)))
    assert "Tilskuddet er akseptert på vegne av Fylke A" in body
    assert "Tilskuddet ble akseptert" in body and "Dag Direktør" in body
    assert "Aksepter tilskuddet" not in body
    again = client.post(accept_url(grant))
    assert again.status_code == 200 and "Tilskuddet er allerede akseptert." in page(again)


def test_a_delegate_with_fullmakt_may_accept(client, cast, grant):
    login(client, cast.delegate_a)
    body = page(client.get(view_url(grant)))
    assert "Aksepter tilskuddet" in body and "etter fullmakt fra Dag Direktør" in body
    assert client.post(accept_url(grant)).status_code == 302
    grant.refresh_from_db()
    assert grant.accepted_by == cast.delegate_a


@pytest.mark.parametrize("who", ["caseworker", "auditor", "admin"])
def test_imdi_cannot_accept_on_the_countys_behalf(client, cast, grant, who):
    login(client, getattr(cast, who))
    assert client.get(view_url(grant)).status_code == 200
    assert client.post(accept_url(grant)).status_code == 403
    grant.refresh_from_db()
    assert grant.accepted_at is None


def test_get_on_accept_is_not_allowed(client, cast, grant):
    login(client, cast.director_a)
    assert client.get(accept_url(grant)).status_code == 405


# --- The history the county sees --------------------------------------------------------------


def test_the_county_sees_its_steps_in_the_history_but_not_imdis_internal_work(client, cast, grant):
    login(client, cast.director_a)
    client.post(accept_url(grant))
    actions = history_actions(client.get(view_url(grant)))
    for action in ("decision.approved", "letter.issued", "decision.accepted", "application.confirmed"):
        assert action in actions, action
    for action in ("case.assigned", "case.impartial", "case.assessed", "case.allocated", "decision.proposed"):
        assert action not in actions, action

    login(client, cast.auditor)
    imdi_actions = history_actions(client.get(view_url(grant)))
    assert "case.assigned" in imdi_actions and "decision.proposed" in imdi_actions


def test_the_decision_page_keeps_its_query_count_as_the_history_grows(client, cast, grant):
    application = grant.case.application
    actor = f.actor_for(cast.staff_a)

    def add_rows(n):
        for _i in range(n):
            audit.record(actor=actor, action="application.section_saved", obj=application)

    login(client, cast.director_a)
    assert_constant_queries(client, view_url(grant), add_rows)


# --- IMDi: a letter that failed -----------------------------------------------------------------


def retry_url(decision: Decision) -> str:
    return reverse("letter_retry", args=[decision.pk])


def test_a_caseworker_has_a_failed_letter_made_again(client, cast, django_capture_on_commit_callbacks):
    decision = h.decided(cast)
    Letter.objects.filter(decision=decision).update(status=Letter.Status.FAILED, attempts=1, last_error="OSError")
    login(client, cast.caseworker)
    body = page(client.get(view_url(decision)))
    assert "Brevet lages" in body and "Feilet, prøves igjen" in body and "OSError" in body
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(retry_url(decision))
    assert response.status_code == 302
    assert response["Location"] == reverse("decision_detail", args=[decision.pk])
    assert len(callbacks) >= 1
    letter = Letter.objects.get(decision=decision)
    assert letter.status == Letter.Status.READY and len(letter.sha256) == 64
    event = AuditEvent.objects.get(action="letter.retry_requested")
    assert event.object_id == str(decision.case.application_id)
    assert event.changes["letter"] == letter.reference and event.actor == cast.caseworker


def test_retrying_sends_the_task_once_per_request(client, cast, monkeypatch, django_capture_on_commit_callbacks):
    decision = h.decided(cast)
    sent = []
    monkeypatch.setattr("grants.tasks.render_letter.apply_async", lambda args, kwargs: sent.append(args))
    login(client, cast.caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry_url(decision))
    assert sent == [(decision.letter.pk,)]


def test_retrying_a_ready_letter_makes_no_second_letter(client, cast, grant, django_capture_on_commit_callbacks):
    before = (grant.letter.sha256, grant.letter.file.name, grant.letter.issued_at)
    login(client, cast.caseworker)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(retry_url(grant))
    assert callbacks == []
    assert response.status_code == 302
    assert any("allerede laget" in str(m) for m in get_messages(response.wsgi_request))
    letter = Letter.objects.get(pk=grant.letter.pk)
    assert (letter.sha256, letter.file.name, letter.issued_at) == before
    assert Letter.objects.filter(decision__case=grant.case).count() == 1
    assert not AuditEvent.objects.filter(action="letter.retry_requested").exists()


@pytest.mark.parametrize("who", ["auditor", "admin", "director_a"])
def test_only_caseworkers_may_retry_a_letter(client, cast, who):
    decision = h.decided(cast)
    login(client, getattr(cast, who))
    assert client.post(retry_url(decision)).status_code == 403
    assert not AuditEvent.objects.filter(action="letter.retry_requested").exists()


def test_get_on_retry_is_not_allowed(client, cast):
    decision = h.decided(cast)
    login(client, cast.caseworker)
    assert client.get(retry_url(decision)).status_code == 405
