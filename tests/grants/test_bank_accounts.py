"""The county's bank account (issue 14): registered by someone in the county (a Norwegian account
number, checked by python-stdnum), confirmed by the director or a fullmakt holder who did not register
it; a change after a grant is accepted is in the case history and e-mailed to the county's mailbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grants import services, tasks
from grants.account_notices import account_change_notify
from grants.models import BankAccount
from portal.audit import history_for
from portal.rules import Refused
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_payments as hp
from tests.grants.test_allocation_views import cheap_grant


def register(user, number=hp.ACCOUNT) -> BankAccount:
    return services.bank_account_register(actor=f.actor_for(user), number=number)


def confirm(user, account) -> BankAccount:
    return services.bank_account_confirm(actor=f.actor_for(user), account_id=account.pk)


def test_staff_register_and_the_director_confirms(cast):
    account = register(cast.staff_a, "8601 11 17947")
    assert account.state == BankAccount.State.PENDING and account.number == "86011117947"

    confirm(cast.director_a, account)

    account.refresh_from_db()
    assert account.state == BankAccount.State.CONFIRMED and account.confirmed_by == cast.director_a
    assert account.authority == "som fylkeskommunedirektør"
    assert [e.action for e in history_for(account)] == ["bank_account.registered", "bank_account.confirmed"]


def test_a_number_with_a_wrong_check_digit_is_refused(cast):
    with pytest.raises(Refused, match="Kontonummeret er ikke gyldig"):
        register(cast.staff_a, "86011117948")
    assert not BankAccount.objects.exists()


def test_the_fullmakt_holder_confirms_but_never_what_they_registered(cast):
    by_delegate = register(cast.delegate_a)
    with pytest.raises(Refused, match="Du registrerte kontonummeret"):
        confirm(cast.delegate_a, by_delegate)
    with pytest.raises(Refused, match="Bare fylkeskommunedirektøren eller den som har gyldig fullmakt"):
        confirm(cast.staff_a, by_delegate)
    confirm(cast.director_a, by_delegate)

    by_staff = register(cast.staff_a, hp.OTHER_ACCOUNT)
    confirm(cast.delegate_a, by_staff)
    by_staff.refresh_from_db()
    assert by_staff.authority == "etter fullmakt fra Dag Direktør"
    by_delegate.refresh_from_db()
    assert by_delegate.state == BankAccount.State.REPLACED and by_delegate.replaced_at is not None


def test_the_database_refuses_one_person_registering_and_confirming(cast):
    account = register(cast.director_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.filter(pk=account.pk).update(
            state=BankAccount.State.CONFIRMED, confirmed_by=cast.director_a, confirmed_at=timezone.now()
        )


def test_another_county_cannot_confirm_and_imdi_cannot_register(cast):
    account = register(cast.staff_a)
    with pytest.raises(Refused):
        confirm(cast.director_b, account)
    with pytest.raises(Refused):
        register(cast.caseworker)


def test_a_new_number_replaces_one_still_waiting(cast):
    first = register(cast.staff_a)
    second = register(cast.staff_a, hp.OTHER_ACCOUNT)
    first.refresh_from_db()
    assert first.state == BankAccount.State.REJECTED
    assert second.state == BankAccount.State.PENDING


def test_a_change_after_acceptance_is_in_the_history_and_mailed_to_the_official_mailbox(
    cast, django_capture_on_commit_callbacks
):
    grant = cheap_grant(cast)
    county = grant.case.application.organisation
    hp.confirmed_account(cast, county)
    mail.outbox.clear()
    staff, director = hp.member(county, "county_staff"), hp.member(county, "county_director")
    change = services.bank_account_register(actor=f.actor_for(staff), number=hp.OTHER_ACCOUNT)

    with django_capture_on_commit_callbacks(execute=True):
        services.bank_account_confirm(actor=f.actor_for(director), account_id=change.pk)

    events = [e for e in history_for(grant.case.application) if e.action == "bank_account.changed"]
    # The first account confirmed after acceptance, then the change: both in the history.
    assert [e.changes["account"] for e in events] == ["8601.11.17947", "1503.12.34562"]
    sent = [m for m in mail.outbox if county.letter_email in m.to]
    assert len(sent) == 1 and "1503.12.34562" in sent[0].body
    change.refresh_from_db()
    assert change.mailbox_notified_at is not None
    assert account_change_notify(change.pk) is False  # once


def test_the_county_page_registers_and_confirms_with_an_error_summary(client, cast):
    login(client, cast.staff_a)
    url = reverse("bank_account")
    wrong = client.post(url, {"number": "1234"})
    assert wrong.status_code == 200 and "error-summary" in wrong.content.decode()
    assert client.post(url, {"number": "8601.11.17947"}).status_code == 302
    pending = BankAccount.objects.get(state=BankAccount.State.PENDING)
    page = client.get(url).content.decode()
    assert "8601.11.17947" in page and "Du registrerte kontonummeret" in page

    login(client, cast.director_a)
    assert reverse("bank_account_confirm", args=[pending.pk]) in client.get(url).content.decode()
    client.post(reverse("bank_account_confirm", args=[pending.pk]))
    assert BankAccount.objects.get(pk=pending.pk).state == BankAccount.State.CONFIRMED
    assert "IMDi utbetaler tilskudd til 8601.11.17947" in client.get(reverse("dashboard")).content.decode()


def test_another_countys_account_is_a_404(client, cast):
    account = register(cast.staff_a)
    login(client, cast.director_b)
    assert client.post(reverse("bank_account_confirm", args=[account.pk])).status_code == 404
    login(client, cast.caseworker)
    assert client.get(reverse("bank_account")).status_code == 403


def test_the_account_page_has_constant_queries(client, cast):
    login(client, cast.director_a)

    def add_rows(n: int) -> None:
        for _ in range(n):
            register(cast.staff_a)

    assert_constant_queries(client, reverse("bank_account"), add_rows)


def test_a_change_whose_email_never_went_is_sent_by_the_sweep_once(cast, time_machine):
    grant = cheap_grant(cast)
    county = grant.case.application.organisation
    before = hp.confirmed_account(cast, county)  # after acceptance: its e-mail is asked for after the commit …
    before.refresh_from_db()
    assert before.mailbox_notified_at is None  # … which never comes in a test's transaction: the broker was "down"
    mail.outbox.clear()

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=5))
    tasks.sweep_confirmation_requests()
    tasks.sweep_confirmation_requests()

    assert len([m for m in mail.outbox if county.letter_email in m.to]) == 1


def test_an_account_confirmed_before_any_acceptance_asks_for_no_email(cast, time_machine):
    account = confirm(cast.director_a, register(cast.staff_a))
    assert account.mailbox_notified_at is not None
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=5))
    mail.outbox.clear()
    tasks.sweep_confirmation_requests()
    assert not [m for m in mail.outbox if cast.county_a.letter_email in m.to]
