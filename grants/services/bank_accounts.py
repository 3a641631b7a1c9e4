"""The county's bank account, the one its grants are paid to (økonomiregelverket, L4): someone in the
county registers the number (checked by python-stdnum), the director or a fullmakt holder (another
person) confirms it; the confirmed one replaces the one before. A change after a grant is accepted
is written in that grant's case history and e-mailed to the county's official mailbox."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import tasks
from grants.models import BankAccount, Decision
from grants.permissions import can_confirm_account, can_register_account
from grants.services.cases import case_record
from grants.workflows import BANK_ACCOUNT
from portal import audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import Organisation
from portal.rules import Refused
from portal.validators import normalise_account_number


def _lock_organisation(organisation_id: int) -> Organisation:
    """The county's row: registrations and confirmations of its accounts take turns."""
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def _record(actor: Actor, account: BankAccount, action: str, **changes) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=account,
        subject_organisation=account.organisation,
        changes={"account": account.formatted, **changes},
    )


def bank_account_register(*, actor: Actor, number: str) -> BankAccount:
    """Register the number the county's grants are to be paid to; it waits for confirmation (a
    number still waiting is replaced by the new one)."""
    can_register_account(actor.membership).or_refuse()
    formatted = normalise_account_number(number)
    if formatted is None:
        raise Refused(_("Kontonummeret er ikke gyldig. Et norsk kontonummer har 11 siffer og riktig kontrollsiffer."))
    digits = formatted.replace(".", "")
    with transaction.atomic():
        organisation = _lock_organisation(actor.membership.organisation_id)
        now = timezone.now()
        for waiting in BankAccount.objects.filter(organisation=organisation, state=BankAccount.State.PENDING):
            BANK_ACCOUNT.take(waiting, "reject", actor=None)
            waiting.rejected_by, waiting.rejected_at = actor.user, now
            waiting.save(update_fields=["state", "rejected_by", "rejected_at"])
            _record(actor, waiting, "bank_account.rejected")
        account = BankAccount.objects.create(
            organisation=organisation, number=digits, registered_by=actor.user, registered_at=now
        )
        _record(actor, account, "bank_account.registered")
    return account


def bank_account_confirm(*, actor: Actor, account_id: int) -> BankAccount:
    """The director or a fullmakt holder confirms the number: it replaces the county's account."""
    with transaction.atomic():
        organisation_id = BankAccount.objects.values_list("organisation_id", flat=True).get(pk=account_id)
        _lock_organisation(organisation_id)
        account = BankAccount.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=account_id)
        now = timezone.now()
        authority = can_confirm_account(actor.membership, actor.user, account, now)
        authority.or_refuse()
        previous = BankAccount.objects.filter(organisation_id=organisation_id, state=BankAccount.State.CONFIRMED)
        for old in previous:
            BANK_ACCOUNT.take(old, "replace", actor=None)
            old.replaced_at = now
            old.save(update_fields=["state", "replaced_at"])
        BANK_ACCOUNT.take(account, "confirm", actor=None)
        account.confirmed_by, account.confirmed_at, account.authority = actor.user, now, str(authority.reason)
        account.save(update_fields=["state", "confirmed_by", "confirmed_at", "authority"])
        _record(actor, account, "bank_account.confirmed", authority=account.authority)
        accepted = list(
            Decision.objects.grants_in_force()
            .filter(accepted_at__isnull=False, case__application__organisation_id=organisation_id)
            .select_related("case__application__organisation")
        )
        for decision in accepted:
            case_record(actor, decision.case, "bank_account.changed", account=account.formatted)
        if accepted:
            send_after_commit(tasks.notify_account_changed, account.pk)
        else:  # no grant accepted yet: nothing to tell the mailbox, and nothing for the sweep to send
            account.mailbox_notified_at = now
            account.save(update_fields=["mailbox_notified_at"])
    return account


def bank_account_reject(*, actor: Actor, account_id: int) -> BankAccount:
    """Whoever may confirm may refuse a number that is wrong."""
    with transaction.atomic():
        account = BankAccount.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=account_id)
        can_confirm_account(actor.membership, actor.user, account).or_refuse()
        BANK_ACCOUNT.take(account, "reject", actor=None)
        account.rejected_by, account.rejected_at = actor.user, timezone.now()
        account.save(update_fields=["state", "rejected_by", "rejected_at"])
        _record(actor, account, "bank_account.rejected")
    return account
