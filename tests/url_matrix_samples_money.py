"""Samples for the money URLs of the URL × role matrix (issue 14): the follow-up's ``paid`` grant's
payment, its payment file and county A's confirmed account; one budget authority and one rate of
interest on late payment for the admin rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from grants.models import BankAccount, BudgetAuthority
from reporting.models import LateInterestRate


def money_samples(cast) -> dict:
    rate = LateInterestRate.objects.create(start=dt.date(2027, 1, 1), percent=Decimal("12.50"))
    return {
        ("grants", "budgetauthority"): BudgetAuthority.objects.filter(user=cast.caseworker2).first(),
        ("reporting", "lateinterestrate"): rate,
    }


def _payment(objects):
    return objects["paid"].payments.order_by("pk").first()


def _account(objects):
    organisation = objects["paid"].case.application.organisation_id
    return BankAccount.objects.get(organisation_id=organisation, state=BankAccount.State.CONFIRMED)


MONEY_PK = {
    "payment_detail": lambda o: _payment(o).pk,
    "payment_attest": lambda o: _payment(o).pk,
    "payment_approve": lambda o: _payment(o).pk,
    "payment_reject": lambda o: _payment(o).pk,
    "batch_detail": lambda o: _payment(o).batch_id,
    "batch_download": lambda o: _payment(o).batch_id,
    "batch_confirm": lambda o: _payment(o).batch_id,
    "bank_account_confirm": lambda o: _account(o).pk,
    "bank_account_reject": lambda o: _account(o).pk,
}
