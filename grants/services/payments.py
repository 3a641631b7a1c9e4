"""Payments of an accepted grant (R17, økonomiregelverket L4): a caseworker proposes a payment (never
more than what is left of the grant, to the county's confirmed account), a caseworker attests it, a
budget holder who did not attest it approves it; approved payments go into a payment file
(``grants.payment_file``), downloaded once, and the bank's confirmation marks them paid.

``Decision.paid`` is the sum of the paid payments (a trigger); the database also refuses one person
attesting and approving, and (PostgreSQL) payments that together exceed the grant."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import tempfile
from decimal import Decimal

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import BankAccount, Payment, PaymentBatch
from grants.payment_file import write_payment_file
from grants.permissions import (
    can_approve_payment,
    can_attest,
    can_confirm_batch,
    can_pay,
    can_reject_payment,
    can_send_batch,
    can_work_cases,
    not_disqualified,
)
from grants.services.budget import lock_authority
from grants.services.cases import case_record, case_take, money
from grants.services.locking import lock_decision
from grants.workflows import PAYMENT, PAYMENT_BATCH
from portal import audit
from portal.audit import Actor
from portal.formats import kr
from portal.rules import Refused

BATCH_CHUNK = 500  # payments updated per statement when a file is made


def lock_payment(payment_id: int) -> Payment:
    """The payment, locked after its case and decision (``payment.decision`` is the locked row)."""
    decision_id = Payment.objects.values_list("decision_id", flat=True).get(pk=payment_id)
    decision = lock_decision(decision_id)
    payment = Payment.objects.select_for_update(of=("self",)).select_related("bank_account").get(pk=payment_id)
    payment.decision = decision
    return payment


def _record(actor: Actor, payment: Payment, action: str, **changes) -> None:
    case_record(actor, payment.decision.case, action, payment=payment.pk, amount=money(payment.amount), **changes)


# --- Proposing, attesting, approving ----------------------------------------------------------


def payment_propose(*, actor: Actor, decision_id: int, amount: Decimal) -> Payment:
    """Propose a payment of an accepted grant to the county's confirmed account."""
    can_work_cases(actor.membership).or_refuse()
    if amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        not_disqualified(actor.user, case).or_refuse()
        can_pay(decision).or_refuse()
        left = decision.amount - decision.payments.committed()
        if amount > left:
            raise Refused(
                _("Det er %(left)s igjen av tilskuddet å utbetale. %(amount)s er %(over)s for mye.")
                % {"left": kr(left), "amount": kr(amount), "over": kr(amount - left)}
            )
        account = BankAccount.objects.filter(
            organisation_id=case.application.organisation_id, state=BankAccount.State.CONFIRMED
        ).first()
        if account is None:
            raise Refused(
                _("Fylkeskommunen har ikke et bekreftet kontonummer. Utbetalingen kan foreslås når det er bekreftet.")
            )
        number = decision.payments.count() + 1
        payment = Payment.objects.create(
            decision=decision,
            amount=amount,
            reference=f"{case.application.reference}-U{number}",
            account=account.number,
            bank_account=account,
            recorded_by=actor.user,
        )
        _record(actor, payment, "payment.proposed", account=account.formatted, reference=payment.reference)
    return payment


def payment_attest(*, actor: Actor, payment_id: int) -> Payment:
    """A caseworker attests that the amount, the recipient and the account are right."""
    with transaction.atomic():
        payment = lock_payment(payment_id)
        can_attest(actor.membership, actor.user, payment).or_refuse()
        PAYMENT.take(payment, "attest", actor=None)  # the case history records the richer event
        payment.attested_by, payment.attested_at = actor.user, timezone.now()
        payment.save(update_fields=["state", "attested_by", "attested_at"])
        _record(actor, payment, "payment.attested")
    return payment


def payment_approve(*, actor: Actor, payment_id: int) -> Payment:
    """A budget holder whose limit covers the amount, not the attester, approves: it goes into the
    next payment file."""
    with transaction.atomic():
        payment = lock_payment(payment_id)
        lock_authority(actor.user, payment.decision.case.call.scheme_id)
        can_approve_payment(actor.membership, actor.user, payment).or_refuse()
        PAYMENT.take(payment, "approve", actor=None)
        payment.approved_by, payment.approved_at = actor.user, timezone.now()
        payment.save(update_fields=["state", "approved_by", "approved_at"])
        _record(actor, payment, "payment.approved")
    return payment


def payment_reject(*, actor: Actor, payment_id: int, reason: str) -> Payment:
    """A payment that is wrong is rejected with a reason; its amount is free to propose again."""
    if not reason.strip():
        raise Refused(_("Skriv hvorfor utbetalingen avvises."))
    with transaction.atomic():
        payment = lock_payment(payment_id)
        can_reject_payment(actor.membership, actor.user, payment).or_refuse()
        PAYMENT.take(payment, "reject", actor=None)
        payment.rejected_by, payment.rejected_at = actor.user, timezone.now()
        payment.reject_reason = reason.strip()
        payment.save(update_fields=["state", "rejected_by", "rejected_at", "reject_reason"])
        _record(actor, payment, "payment.rejected", reason=payment.reject_reason)
    return payment


# --- The payment file -------------------------------------------------------------------------


def _may_handle_files(actor: Actor) -> None:
    """A caseworker; or the portal itself (``manage.py payment_file``, run on the server)."""
    if actor.user is not None:
        can_work_cases(actor.membership).or_refuse()


def _store_file(batch: PaymentBatch) -> None:
    """Write the batch's file once, in constant memory, and keep it with its SHA-256."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        for chunk in write_payment_file(batch):
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        batch.file.save(f"{batch.message_id}.xml", File(spool), save=False)
    batch.sha256 = digest.hexdigest()
    batch.save(update_fields=["file", "sha256"])


def batch_create(*, actor: Actor) -> PaymentBatch:
    """Put every approved payment not yet in a file into a new payment file."""
    _may_handle_files(actor)
    with transaction.atomic():
        rows = list(
            Payment.objects.ready_for_file()
            .select_for_update()
            .annotate(net=F("amount") - F("set_off_amount"))
            .order_by("pk")
            .values_list("pk", "net")
        )
        if not rows:
            raise Refused(_("Ingen godkjente utbetalinger venter på en betalingsfil."))
        now = timezone.now()
        batch = PaymentBatch.objects.create(
            message_id=f"IMDI-{timezone.localtime(now):%Y%m%d%H%M%S}-{secrets.token_hex(4).upper()}",
            count=len(rows),
            total=sum((amount for _pk, amount in rows), Decimal("0")),
            created_by=actor.user,
            created_at=now,
        )
        ids = [pk for pk, _amount in rows]
        for start in range(0, len(ids), BATCH_CHUNK):
            Payment.objects.filter(pk__in=ids[start : start + BATCH_CHUNK]).update(batch=batch)
        _store_file(batch)
        audit.record(
            actor=actor,
            action="payment_batch.created",
            obj=batch,
            changes={"count": batch.count, "amount": money(batch.total)},
        )
    return batch


def batch_send(*, actor: Actor, batch_id: int) -> PaymentBatch:
    """The file is downloaded to go to the bank: once, so that it is never paid twice."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        if actor.user is not None:
            can_send_batch(actor.membership, batch).or_refuse()
        PAYMENT_BATCH.take(batch, "send", actor=actor, changes={"sha256": batch.sha256})
        batch.sent_by, batch.sent_at = actor.user, timezone.now()
        batch.save(update_fields=["state", "sent_by", "sent_at"])
    return batch


def _mark_paid(actor: Actor, payment_id: int, paid_on: dt.date, batch: PaymentBatch) -> None:
    payment = lock_payment(payment_id)
    PAYMENT.take(payment, "pay", actor=None)
    payment.paid_on = paid_on
    payment.save(update_fields=["state", "paid_on"])
    decision = payment.decision
    decision.refresh_from_db(fields=["paid"])
    case = decision.case
    event = {"decision": decision.pk, "amount": money(payment.amount), "paid_on": paid_on.isoformat()}
    event |= {"reference": payment.reference, "batch": batch.message_id}
    if decision.paid == decision.amount and case.state == case.State.ACCEPTED:
        case_take(case, "pay", actor=actor, **event)
        case.save(update_fields=["state", "updated_at"])
    else:
        case_record(actor, case, "payment.registered", **event)


def batch_confirm(*, actor: Actor, batch_id: int, paid_on: dt.date, bank_reference: str = "") -> PaymentBatch:
    """Record the bank's confirmation: every payment of the file is paid on ``paid_on``."""
    if paid_on > timezone.localdate():
        raise Refused(_("Utbetalingsdatoen kan ikke være fram i tid."))
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        can_confirm_batch(actor.membership, batch).or_refuse()
        PAYMENT_BATCH.take(batch, "confirm", actor=actor, changes={"paid_on": paid_on.isoformat()})
        batch.confirmed_by, batch.confirmed_at = actor.user, timezone.now()
        batch.paid_on, batch.bank_reference = paid_on, bank_reference.strip()
        batch.save(update_fields=["state", "confirmed_by", "confirmed_at", "paid_on", "bank_reference"])
        for payment_id in batch.payments.order_by("decision_id", "pk").values_list("pk", flat=True):
            _mark_paid(actor, payment_id, paid_on, batch)
    return batch
