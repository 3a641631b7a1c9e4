"""Payments with attestation and approval (issue 14, økonomiregelverket L4): proposed from an accepted
grant (never more than what is left of it), attested by a caseworker, approved by a budget holder who
did not attest it; paid when the bank confirms the payment file. ``Decision.paid`` counts only what
the bank has paid."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from grants import services
from grants.models import BankAccount, BudgetAuthority, Case, Decision, Payment
from grants.permissions import can_approve_payment
from portal.audit import history_for
from portal.models import Role
from portal.rules import Refused
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_payments as hp
from tests.grants.test_allocation_views import cheap_grant


@pytest.fixture
def grant(cast) -> Decision:
    """A county's approved grant of kr 1 000 000, accepted, with a confirmed account."""
    decision = cheap_grant(cast, amount="1000000")
    hp.confirmed_account(cast, decision.case.application.organisation)
    return decision


def actor(user):
    return f.actor_for(user)


def test_a_payment_goes_from_proposal_through_attestation_and_approval_to_paid(cast, grant):
    payment = services.payment_propose(actor=actor(cast.caseworker), decision_id=grant.pk, amount=Decimal("400000"))
    assert payment.state == Payment.State.PROPOSED and payment.account == hp.ACCOUNT
    assert payment.bank_account.state == BankAccount.State.CONFIRMED

    services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)
    services.payment_approve(actor=actor(cast.caseworker2), payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.state == Payment.State.APPROVED
    assert (payment.attested_by, payment.approved_by) == (cast.caseworker, cast.caseworker2)
    grant.refresh_from_db()
    assert grant.paid == 0  # approved is not paid: the bank has not paid it

    hp.confirm_all(cast, paid_on=dt.date(2025, 3, 1))

    payment.refresh_from_db()
    grant.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.paid_on == dt.date(2025, 3, 1)
    assert grant.paid == Decimal("400000") and grant.outstanding == Decimal("600000")
    actions = [e.action for e in history_for(grant.case.application)]
    for action in ("payment.proposed", "payment.attested", "payment.approved", "payment.registered"):
        assert action in actions
    assert Case.objects.get(pk=grant.case_id).state == Case.State.ACCEPTED  # not paid in full yet


def test_the_last_payment_confirmed_by_the_bank_moves_the_case_to_paid(cast, grant):
    hp.paid_payment(cast, grant, "1000000")
    grant.refresh_from_db()
    assert grant.paid == grant.amount
    assert Case.objects.get(pk=grant.case_id).state == Case.State.PAID


def test_the_attester_cannot_approve_and_the_database_refuses_it_too(cast, grant):
    payment = hp.proposed_payment(cast, grant, "100000")
    services.payment_attest(actor=actor(cast.caseworker2), payment_id=payment.pk)

    with pytest.raises(Refused, match="Du attesterte utbetalingen. En annen må godkjenne den."):
        services.payment_approve(actor=actor(cast.caseworker2), payment_id=payment.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            state=Payment.State.APPROVED, approved_by=cast.caseworker2, approved_at=payment.recorded_at
        )
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.ATTESTED


def test_a_payment_is_approved_only_by_a_budget_holder_whose_limit_covers_it(cast, grant):
    low = f.make_user("low@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    f.make_budget_holder(low, cast.scheme, limit="50000")
    none = f.make_user("none@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    payment = hp.proposed_payment(cast, grant, "100000")
    services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)

    with pytest.raises(Refused, match="ikke budsjettdisponeringsmyndighet"):
        services.payment_approve(actor=actor(none), payment_id=payment.pk)
    with pytest.raises(Refused, match="Beløpsgrensen din er"):
        services.payment_approve(actor=actor(low), payment_id=payment.pk)
    BudgetAuthority.objects.filter(user=low).update(limit=Decimal("100000"))
    services.payment_approve(actor=actor(low), payment_id=payment.pk)
    assert Payment.objects.get(pk=payment.pk).approved_by == low


def test_only_an_attested_payment_is_approved_and_only_a_proposed_one_attested(cast, grant):
    payment = hp.proposed_payment(cast, grant, "100000")
    with pytest.raises(Refused, match="venter ikke på godkjenning"):
        services.payment_approve(actor=actor(cast.caseworker2), payment_id=payment.pk)
    services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)
    with pytest.raises(Refused, match="venter ikke på attestasjon"):
        services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)


def test_proposals_never_exceed_what_is_left_and_a_rejected_one_frees_its_amount(cast, grant):
    first = hp.proposed_payment(cast, grant, "700000")
    with pytest.raises(Refused, match="Det er kr.300.000 igjen av tilskuddet"):
        hp.proposed_payment(cast, grant, "300001")

    with pytest.raises(Refused, match="Skriv hvorfor"):
        services.payment_reject(actor=actor(cast.caseworker2), payment_id=first.pk, reason=" ")
    services.payment_reject(actor=actor(cast.caseworker2), payment_id=first.pk, reason="Feil beløp.")

    second = hp.proposed_payment(cast, grant, "1000000")
    assert Payment.objects.get(pk=first.pk).state == Payment.State.REJECTED
    assert second.state == Payment.State.PROPOSED
    with pytest.raises(Refused, match="Bare en utbetaling som ikke er godkjent"):
        services.payment_reject(actor=actor(cast.caseworker2), payment_id=first.pk, reason="Igjen.")


def test_no_payment_before_acceptance_or_without_a_confirmed_account(cast):
    decision = cheap_grant(cast, accepted=False)
    hp.confirmed_account(cast, decision.case.application.organisation)
    with pytest.raises(Refused, match="ikke akseptert"):
        services.payment_propose(actor=actor(cast.caseworker), decision_id=decision.pk, amount=Decimal("1"))

    other = cheap_grant(cast)  # a county without an account
    with pytest.raises(Refused, match="ikke et bekreftet kontonummer"):
        services.payment_propose(actor=actor(cast.caseworker), decision_id=other.pk, amount=Decimal("1"))


def test_an_account_changed_after_the_proposal_stops_its_approval(cast, grant):
    payment = hp.proposed_payment(cast, grant, "100000")
    services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)
    county = grant.case.application.organisation
    staff, director = hp.member(county, Role.COUNTY_STAFF), hp.member(county, Role.COUNTY_DIRECTOR)
    changed = services.bank_account_register(actor=actor(staff), number=hp.OTHER_ACCOUNT)
    services.bank_account_confirm(actor=actor(director), account_id=changed.pk)

    verdict = can_approve_payment(
        actor(cast.caseworker2).membership, cast.caseworker2, services.lock_payment(payment.pk)
    )
    assert not verdict and "Kontonummeret er endret etter forslaget" in verdict.reason
    assert Payment.objects.get(pk=payment.pk).account == hp.ACCOUNT  # it keeps the account it was made to


def test_a_legacy_registered_payment_counts_as_paid_and_a_proposed_one_does_not(cast):
    decision = cheap_grant(cast, amount="500000")
    Payment.objects.create(
        decision=decision,
        amount=Decimal("100000"),
        reference="BILAG-1",
        recorded_by=cast.caseworker,
        state=Payment.State.PAID,
        paid_on=dt.date(2025, 3, 1),
    )
    Payment.objects.create(decision=decision, amount=Decimal("50000"), reference="U-2", recorded_by=cast.caseworker)
    decision.refresh_from_db()
    assert decision.paid == Decimal("100000")


# --- The pages ----------------------------------------------------------------------------------


def test_the_payment_page_shows_the_step_and_why_a_button_is_missing(client, cast, grant):
    payment = hp.proposed_payment(cast, grant, "250000")
    services.payment_attest(actor=actor(cast.caseworker), payment_id=payment.pk)
    login(client, cast.caseworker)

    page = client.get(reverse("payment_detail", args=[payment.pk])).content.decode()

    assert "8601.11.17947" in page and "Attestert" in page
    assert "Du attesterte utbetalingen. En annen må godkjenne den." in page
    assert reverse("payment_approve", args=[payment.pk]) not in page

    login(client, cast.caseworker2)
    response = client.post(reverse("payment_approve", args=[payment.pk]), follow=True)
    assert "Utbetalingen på" in response.content.decode() and "er godkjent" in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.APPROVED


def test_a_payment_is_proposed_attested_and_rejected_through_the_pages(client, cast, grant):
    login(client, cast.caseworker)
    response = client.post(reverse("payment_create", args=[grant.pk]), {"amount": "300 000"})
    payment = Payment.objects.get(decision=grant)
    assert response["Location"] == reverse("payment_detail", args=[payment.pk])
    client.post(reverse("payment_attest", args=[payment.pk]))
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.ATTESTED

    empty = client.post(reverse("payment_reject", args=[payment.pk]), {"reason": ""})
    assert empty.status_code == 200 and "error-summary" in empty.content.decode()
    client.post(reverse("payment_reject", args=[payment.pk]), {"reason": "Feil konto."})
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.REJECTED


def test_the_auditor_reads_a_payment_and_changes_nothing(client, cast, grant):
    payment = hp.proposed_payment(cast, grant, "100000")
    login(client, cast.auditor)
    assert client.get(reverse("payment_detail", args=[payment.pk])).status_code == 200
    assert client.post(reverse("payment_attest", args=[payment.pk])).status_code == 403
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PROPOSED


def test_payments_due_lists_what_waits_with_constant_queries(client, cast):
    login(client, cast.caseworker)

    def add_rows(n: int) -> None:
        for _ in range(n):
            decision = cheap_grant(cast, amount="300000")
            hp.proposed_payment(cast, decision, "100000")

    assert_constant_queries(client, reverse("payments_due"), add_rows)
    page = client.get(reverse("payments_due")).content.decode()
    assert "Til attestasjon og godkjenning" in page and "Foreslått" in page


# --- The database (PostgreSQL) --------------------------------------------------------------------

postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's triggers and row locks")


@postgres
def test_the_database_refuses_payments_over_the_grant_and_changes_to_a_payment(cast, grant):
    payment = hp.proposed_payment(cast, grant, "900000")
    with pytest.raises(DatabaseError, match="never exceed"), transaction.atomic():
        Payment.objects.create(
            decision=grant, amount=Decimal("100000.01"), reference="RAW", recorded_by=cast.caseworker
        )
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1"))
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(account=hp.OTHER_ACCOUNT)
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).delete()
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("900000")


@postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_never_exceed_the_grant(transactional_db, cast):
    grant = cheap_grant(cast, amount="1000000")
    hp.confirmed_account(cast, grant.case.application.organisation)
    barrier = threading.Barrier(4)
    results: list[str] = []

    def propose() -> None:
        try:
            barrier.wait(timeout=30)
            services.payment_propose(actor=actor(cast.caseworker), decision_id=grant.pk, amount=Decimal("400000"))
            results.append("proposed")
        except Refused:
            results.append("refused")
        except DatabaseError as error:
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=propose) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["proposed", "proposed", "refused", "refused"], results
    assert Payment.objects.filter(decision=grant).committed() == Decimal("800000")
