"""Money controls on a repayment claim (issue 14, item 4): the claim is approved by a budget holder
before the letter goes, interest on late payment (forsinkelsesrenteloven) is computed to the øre, and
a claim is settled by set-off against a later payment to the same county, recorded on both."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from grants import services as grant_services
from grants.models import Payment
from grants.payment_file import write_payment_file
from grants.services import Refused
from portal.models import AuditEvent
from reporting.interest import days_late_per_period, late_interest
from reporting.models import LateInterestRate, RepaymentClaim, SetOff
from reporting.services import repayments, settlement
from tests import factories as f
from tests.conftest import login
from tests.grants.helpers_payments import confirm_all, proposed_payment
from tests.reporting.helpers import paid_grant, send_claim
from tests.reporting.test_repayments import ACCOUNT, START, approved_with_unused, flat, notice

pytestmark = pytest.mark.django_db

DUE = dt.date(2027, 4, 30)
H1_2027, H2_2027 = dt.date(2027, 1, 1), dt.date(2027, 7, 1)
RATES = {H1_2027: Decimal("12.50"), H2_2027: Decimal("12.75")}  # the tests' own rates, not published ones


# --- The interest, by hand -------------------------------------------------------------------


def words(response) -> str:
    """The page's text without its tags, in one line."""
    return flat(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_interest_for_a_claim_paid_45_days_late_to_the_ore():
    # Due 30 April, paid 14 June: 1 May..14 June is 31 + 14 = 45 days, all in the first half-year.
    # 150 000 x 12.50 % x 45 / 365 = 843 750 / 365 = 2 311.6438... -> kr 2 311.64
    assert days_late_per_period(DUE, dt.date(2027, 6, 14)) == [(H1_2027, 45)]
    assert late_interest(Decimal("150000"), DUE, dt.date(2027, 6, 14), RATES) == Decimal("2311.64")


def test_interest_over_1_july_takes_each_half_years_rate_and_rounds_once():
    # Due 15 June, paid 30 July: 16..30 June = 15 days at 12.50 %, 1..30 July = 30 days at 12.75 %.
    # 150 000 x (0.125 x 15 + 0.1275 x 30) / 365 = 855 000 / 365 = 2 342.4657... -> kr 2 342.47
    due, paid = dt.date(2027, 6, 15), dt.date(2027, 7, 30)
    assert days_late_per_period(due, paid) == [(H1_2027, 15), (H2_2027, 30)]
    assert late_interest(Decimal("150000"), due, paid, RATES) == Decimal("2342.47")
    # Rounding half up at the end: 1 000 x 12.50 % x 73 / 365 = 25.00 exactly; 1 day of 1 000 = 0.3424... -> 0.34
    assert late_interest(Decimal("1000"), dt.date(2027, 1, 31), dt.date(2027, 4, 14), RATES) == Decimal("25.00")
    assert late_interest(Decimal("1000"), DUE, DUE + dt.timedelta(days=1), RATES) == Decimal("0.34")


def test_no_interest_on_or_before_the_due_date_and_a_missing_rate_is_refused():
    assert late_interest(Decimal("150000"), DUE, DUE, RATES) == Decimal("0.00")
    assert late_interest(Decimal("150000"), DUE, dt.date(2027, 4, 1), RATES) == Decimal("0.00")
    with pytest.raises(Refused, match="Forsinkelsesrentesatsen for halvåret fra 01.01.2028 er ikke lagt inn"):
        late_interest(Decimal("150000"), DUE, dt.date(2028, 1, 2), RATES)


# --- Approval by a budget holder ----------------------------------------------------------------


def claim_ready(cast, time_machine, **kwargs) -> RepaymentClaim:
    """County A's notice of 200 000 on 1 March 2027, its deadline passed on the 16th."""
    decision = approved_with_unused(cast, **kwargs)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)
    return claim


def propose(cast, claim, *, user=None, amount="150000") -> RepaymentClaim:
    return repayments.repayment_claim(
        actor=f.actor_for(user or cast.caseworker),
        claim_id=claim.pk,
        due_date=DUE,
        account_number=ACCOUNT,
        amount=Decimal(amount),
    )


def test_the_proposer_and_a_caseworker_without_a_high_enough_limit_cannot_approve(cast, time_machine):
    claim = claim_ready(cast, time_machine)
    propose(cast, claim)
    with pytest.raises(Refused, match="Du foreslo kravet"):
        repayments.repayment_approve(actor=f.actor_for(cast.caseworker), claim_id=claim.pk)
    outsider = f.make_user(roles=[(cast.imdi, "caseworker")])
    with pytest.raises(Refused, match="ikke budsjettdisponeringsmyndighet"):
        repayments.repayment_approve(actor=f.actor_for(outsider), claim_id=claim.pk)
    f.make_budget_holder(outsider, cast.scheme, limit="100000")
    with pytest.raises(Refused, match="Beløpsgrensen din er kr.100.000"):
        repayments.repayment_approve(actor=f.actor_for(outsider), claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIM_PROPOSED and not claim.letter
    repayments.repayment_approve(actor=f.actor_for(cast.caseworker2), claim_id=claim.pk)
    claim.refresh_from_db()
    assert (claim.state, claim.approved_by, claim.claimed_by) == ("claimed", cast.caseworker2, cast.caseworker)
    assert claim.letter_status == RepaymentClaim.LetterStatus.ISSUED


def test_a_proposed_claim_waits_on_imdis_dashboard_until_approved(client, cast, time_machine):
    claim = claim_ready(cast, time_machine)
    propose(cast, claim)
    login(client, cast.caseworker2)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Krav som venter på godkjenning av budsjettdisponent" in html
    assert reverse("repayment_detail", args=[claim.pk]) in html
    repayments.repayment_approve(actor=f.actor_for(cast.caseworker2), claim_id=claim.pk)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Krav som venter på godkjenning av budsjettdisponent" not in html


def test_the_budget_holder_sends_the_claim_back_with_a_reason(client, cast, time_machine):
    claim = claim_ready(cast, time_machine)
    propose(cast, claim)
    with pytest.raises(Refused, match="Skriv hvorfor"):
        repayments.repayment_send_back(actor=f.actor_for(cast.caseworker2), claim_id=claim.pk, reason=" ")
    login(client, cast.caseworker2)
    response = client.post(
        reverse("repayment_send_back", args=[claim.pk]), {"tilbake-reason": "Forfallsdatoen er for tidlig."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.sent_back_reason, claim.letter.name) == ("notice", "Forfallsdatoen er for tidlig.", "")
    login(client, cast.caseworker)
    page = words(client.get(reverse("repayment_detail", args=[claim.pk])))
    assert "Budsjettdisponenten sendte kravet tilbake: Forfallsdatoen er for tidlig." in page
    assert "sendt tilbake fra budsjettdisponenten" in page  # the history
    # Proposed again (the notice's amount is the ceiling still), approved by the other.
    with pytest.raises(Refused, match="ikke være høyere"):
        propose(cast, claim, amount="200001")
    propose(cast, claim, amount="200000")
    repayments.repayment_approve(actor=f.actor_for(cast.caseworker2), claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIMED and claim.sent_back_reason == ""


def test_the_database_refuses_the_proposer_as_approver(cast, time_machine):
    claim = claim_ready(cast, time_machine)
    propose(cast, claim)
    with pytest.raises(IntegrityError), transaction.atomic():
        RepaymentClaim.objects.filter(pk=claim.pk).update(approved_by=cast.caseworker)


# --- Interest recorded on the claim -------------------------------------------------------------


def test_a_repayment_45_days_late_records_the_interest_owed_to_the_ore(client, cast, time_machine):
    for start, percent in RATES.items():
        LateInterestRate.objects.create(start=start, percent=percent)
    claim = claim_ready(cast, time_machine)
    send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT, amount=Decimal("150000"))
    time_machine.move_to("2027-06-15 10:00:00+02:00", tick=False)
    repayments.repayment_record(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, repaid_on=dt.date(2027, 6, 14), amount=Decimal("150000")
    )
    claim.refresh_from_db()
    assert (claim.state, claim.repaid_amount, claim.interest) == ("repaid", Decimal("150000"), Decimal("2311.64"))
    event = AuditEvent.objects.get(action="repayment.recorded")
    assert (event.changes["interest"], event.changes["days_late"]) == ("2311.64", 45)

    login(client, cast.caseworker)
    page = flat(client.get(reverse("repayment_detail", args=[claim.pk])).content.decode())
    assert "Fylkeskommunen skylder kr 2 311,64 i forsinkelsesrenter" in page and "Rentene er ikke betalt." in page
    response = client.post(reverse("repayment_interest_paid", args=[claim.pk]), {"renter-paid_on": "15.06.2027"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.interest_paid_on, claim.interest_recorded_by) == (dt.date(2027, 6, 15), cast.caseworker)
    page = flat(client.get(reverse("repayment_detail", args=[claim.pk])).content.decode())
    assert "Rentene ble betalt 15.06.2027." in page
    assert "Forsinkelsesrenter på kr 2 311,64 registrert som betalt 15.06.2027" in page  # the history
    with pytest.raises(Refused, match="ingen ubetalte forsinkelsesrenter"):
        settlement.repayment_interest_paid(actor=f.actor_for(cast.caseworker), claim_id=claim.pk, paid_on=DUE)


def test_a_late_repayment_in_a_half_year_without_a_rate_is_refused(cast, time_machine):
    claim = claim_ready(cast, time_machine)
    send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT)
    time_machine.move_to("2027-06-15 10:00:00+02:00", tick=False)
    with pytest.raises(Refused, match="Forsinkelsesrentesatsen for halvåret fra 01.01.2027 er ikke lagt inn"):
        repayments.repayment_record(
            actor=f.actor_for(cast.caseworker), claim_id=claim.pk, repaid_on=dt.date(2027, 6, 14), amount=claim.amount
        )
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIMED and claim.interest == 0
    # On time, no rate is needed.
    repayments.repayment_record(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, repaid_on=DUE, amount=claim.amount
    )
    claim.refresh_from_db()
    assert (claim.state, claim.interest) == ("repaid", Decimal("0"))


def test_a_rate_starts_on_1_january_or_1_july(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        LateInterestRate.objects.create(start=dt.date(2027, 2, 1), percent=Decimal("12.50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        LateInterestRate.objects.create(start=dt.date(2027, 7, 1), percent=Decimal("-1"))
    LateInterestRate.objects.create(start=dt.date(2027, 7, 1), percent=Decimal("12.75"))


# --- Set-off against a later payment -------------------------------------------------------------


def claimed_with_a_later_payment(cast, time_machine, *, payment="400000"):
    """County A's grant of 1 000 000, 600 000 paid; a claim of 150 000 sent; then the rest proposed."""
    decision = paid_grant(cast, amount="1000000", paid="600000")
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision, amount="150000")
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT)
    time_machine.move_to("2027-03-17 09:00:00+01:00", tick=False)
    later = proposed_payment(cast, decision, payment)
    claim.refresh_from_db()
    return claim, later


def test_a_claim_set_off_in_part_is_recorded_on_the_claim_the_payment_and_the_payment_file(client, cast, time_machine):
    claim, payment = claimed_with_a_later_payment(cast, time_machine)
    login(client, cast.caseworker)
    page = flat(client.get(reverse("repayment_detail", args=[claim.pk])).content.decode())
    assert payment.reference in page and "Motregn i utbetalingen" in page
    response = client.post(
        reverse("repayment_set_off", args=[claim.pk]),
        {"motregning-payment": payment.pk, "motregning-amount": "100 000"},
    )
    assert response.status_code == 302

    claim.refresh_from_db()
    payment.refresh_from_db()
    set_off = SetOff.objects.get()
    assert (set_off.claim, set_off.payment, set_off.amount, set_off.set_off_on) == (
        claim,
        payment,
        Decimal("100000"),
        dt.date(2027, 3, 17),
    )
    assert (claim.state, claim.set_off_amount, claim.repaid_amount, claim.outstanding) == (
        "claimed",
        Decimal("100000"),
        Decimal("100000"),
        Decimal("50000"),
    )
    assert (payment.set_off_amount, payment.set_off_reference, payment.net_amount) == (
        Decimal("100000"),
        claim.reference,
        Decimal("300000"),
    )
    # Recorded on both cases' histories.
    assert AuditEvent.objects.filter(action="repayment.set_off", changes__claim=claim.pk).exists()
    assert AuditEvent.objects.get(action="payment.set_off").changes["net_amount"] == "300000.00"
    # The payment's page shows the set-off and the claim; the claim's page the payment.
    page = flat(client.get(reverse("payment_detail", args=[payment.pk])).content.decode())
    assert f"kr 100 000 mot krav om tilbakebetaling {claim.reference}" in page and "kr 300 000" in page
    response = client.get(reverse("repayment_detail", args=[claim.pk]))
    assert reverse("payment_detail", args=[payment.pk]) in response.content.decode()
    assert "Står igjen kr 50 000" in words(response) and f"{payment.reference} 17.03.2027 Carl Case" in words(response)

    # The payment goes on: attested, approved, into the file, which pays the net amount.
    grant_services.payment_attest(actor=f.actor_for(cast.caseworker), payment_id=payment.pk)
    grant_services.payment_approve(actor=f.actor_for(cast.caseworker2), payment_id=payment.pk)
    batch = grant_services.batch_create(actor=f.actor_for(cast.caseworker))
    assert (batch.count, batch.total) == (1, Decimal("300000"))
    xml = b"".join(write_payment_file(batch)).decode()
    assert '<InstdAmt Ccy="NOK">300000.00</InstdAmt>' in xml and "400000.00" not in xml
    assert xml.count("<CtrlSum>300000.00</CtrlSum>") == 2

    # The rest is repaid in money: the claim is repaid, 100 000 of it by set-off.
    repayments.repayment_record(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, repaid_on=dt.date(2027, 3, 17), amount=Decimal("50000")
    )
    claim.refresh_from_db()
    assert (claim.state, claim.repaid_amount, claim.set_off_amount) == ("repaid", Decimal("150000"), Decimal("100000"))


def test_a_claim_set_off_in_full_is_repaid_and_the_payment_cannot_be_rejected(cast, time_machine):
    claim, payment = claimed_with_a_later_payment(cast, time_machine)
    settlement.repayment_set_off(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, payment_id=payment.pk, amount=Decimal("150000")
    )
    claim.refresh_from_db()
    assert (claim.state, claim.repaid_on, claim.outstanding) == ("repaid", dt.date(2027, 3, 17), Decimal("0"))
    event = AuditEvent.objects.get(action="repayment.set_off")
    assert (event.from_state, event.to_state) == ("repayment:claimed", "repayment:repaid")
    with pytest.raises(Refused, match="motregnet i utbetalingen, så den kan ikke avvises"):
        grant_services.payment_reject(actor=f.actor_for(cast.caseworker), payment_id=payment.pk, reason="Feil")


def test_what_cannot_be_set_off(cast, time_machine):
    other = paid_grant(cast, organisation=cast.county_b, amount="500000", paid="100000")
    claim, payment = claimed_with_a_later_payment(cast, time_machine, payment="100000")
    caseworker = f.actor_for(cast.caseworker)

    def set_off(amount, payment_id=payment.pk):
        settlement.repayment_set_off(actor=caseworker, claim_id=claim.pk, payment_id=payment_id, amount=Decimal(amount))

    with pytest.raises(Refused, match="Det står kr.150.000 igjen av kravet"):
        set_off("150001")
    with pytest.raises(Refused, match="Noe av den må fortsatt utbetales"):
        set_off("100000")
    with pytest.raises(Refused, match="større enn 0"):
        set_off("0")
    with pytest.raises(Refused, match="en annen fylkeskommune"):
        set_off("1000", proposed_payment(cast, other, "1000").pk)
    grant_services.payment_attest(actor=caseworker, payment_id=payment.pk)
    with pytest.raises(Refused, match="ikke attestert"):
        set_off("1000")
    assert not SetOff.objects.exists()
    assert Payment.objects.get(pk=payment.pk).set_off_amount == 0


def test_a_payment_before_the_claim_is_not_offered_or_set_off(cast, time_machine):
    decision = paid_grant(cast, amount="1000000", paid="600000")
    time_machine.move_to(START, tick=False)
    earlier = proposed_payment(cast, decision, "100000")
    claim = notice(cast, decision, amount="150000")
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT)
    claim.refresh_from_db()
    assert list(settlement.set_off_candidates(claim)) == []
    with pytest.raises(Refused, match="foreslått etter at kravet ble sendt"):
        settlement.repayment_set_off(
            actor=f.actor_for(cast.caseworker), claim_id=claim.pk, payment_id=earlier.pk, amount=Decimal("1000")
        )


def test_the_database_guards_set_offs(cast, time_machine):
    claim, payment = claimed_with_a_later_payment(cast, time_machine)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(set_off_amount=Decimal("400000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SetOff.objects.create(
            claim=claim, payment=payment, amount=Decimal("0"), set_off_on=DUE, recorded_by=cast.caseworker
        )
    SetOff.objects.create(
        claim=claim, payment=payment, amount=Decimal("1"), set_off_on=DUE, recorded_by=cast.caseworker
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SetOff.objects.create(
            claim=claim, payment=payment, amount=Decimal("2"), set_off_on=DUE, recorded_by=cast.caseworker
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # set off more than is settled
        RepaymentClaim.objects.filter(pk=claim.pk).update(set_off_amount=Decimal("1"))


def test_a_paid_payment_confirms_the_full_amount_on_the_grant(cast, time_machine):
    """The grant counts the whole payment as paid: the set-off part settled the county's debt."""
    claim, payment = claimed_with_a_later_payment(cast, time_machine)
    settlement.repayment_set_off(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, payment_id=payment.pk, amount=Decimal("100000")
    )
    grant_services.payment_attest(actor=f.actor_for(cast.caseworker), payment_id=payment.pk)
    grant_services.payment_approve(actor=f.actor_for(cast.caseworker2), payment_id=payment.pk)
    confirm_all(cast, paid_on=dt.date(2027, 3, 17))
    claim.decision.refresh_from_db()
    assert claim.decision.paid == Decimal("1000000")
