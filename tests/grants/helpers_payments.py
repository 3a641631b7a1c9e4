"""Money at each stage (issue 14), built through the services: a county's confirmed bank account, a
payment proposed, attested by cast.caseworker and approved by cast.caseworker2 (a budget holder), and
paid: put in a payment file, downloaded and confirmed by the bank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from grants import services
from grants.models import BankAccount, Decision, Payment
from portal.models import Role, User
from tests import factories as f

ACCOUNT = "86011117947"  # a valid Norwegian account number (mod-11)
OTHER_ACCOUNT = "15031234562"


def member(organisation, role: str):
    """Someone in ``organisation`` with ``role`` (made if the county has nobody in it)."""
    user = User.objects.filter(memberships__organisation=organisation, memberships__role=role).order_by("pk").first()
    return user or f.make_user(roles=[(organisation, role)])


def confirmed_account(cast, organisation=None, *, number: str = ACCOUNT, staff=None, director=None) -> BankAccount:
    """The county's confirmed account: registered by its staff, confirmed by its director."""
    organisation = organisation or cast.county_a
    current = BankAccount.objects.filter(organisation=organisation, state=BankAccount.State.CONFIRMED).first()
    if current is not None:
        return current
    staff = staff or member(organisation, Role.COUNTY_STAFF)
    director = director or member(organisation, Role.COUNTY_DIRECTOR)
    account = services.bank_account_register(actor=f.actor_for(staff, organisation), number=number)
    return services.bank_account_confirm(actor=f.actor_for(director, organisation), account_id=account.pk)


def proposed_payment(cast, decision: Decision, amount, *, user=None) -> Payment:
    confirmed_account(cast, decision.case.application.organisation)
    return services.payment_propose(
        actor=f.actor_for(user or cast.caseworker), decision_id=decision.pk, amount=Decimal(amount)
    )


def approved_payment(cast, decision: Decision, amount, *, attester=None, approver=None) -> Payment:
    """Proposed and attested by ``attester`` (cast.caseworker), approved by ``approver`` (cast.caseworker2)."""
    attester = attester or cast.caseworker
    payment = proposed_payment(cast, decision, amount, user=attester)
    services.payment_attest(actor=f.actor_for(attester), payment_id=payment.pk)
    return services.payment_approve(actor=f.actor_for(approver or cast.caseworker2), payment_id=payment.pk)


def confirm_all(cast, *, paid_on: dt.date = dt.date(2025, 3, 1)):
    """Every approved payment into a file, downloaded and confirmed paid by the bank."""
    caseworker = f.actor_for(cast.caseworker)
    batch = services.batch_create(actor=caseworker)
    services.batch_send(actor=caseworker, batch_id=batch.pk)
    return services.batch_confirm(actor=caseworker, batch_id=batch.pk, paid_on=paid_on)


def paid_payment(cast, decision: Decision, amount, *, paid_on: dt.date = dt.date(2025, 3, 1)) -> Payment:
    """A payment of ``amount`` of ``decision``, all the way to the bank's confirmation."""
    payment = approved_payment(cast, decision, amount)
    confirm_all(cast, paid_on=paid_on)
    payment.refresh_from_db()
    decision.refresh_from_db()
    return payment
