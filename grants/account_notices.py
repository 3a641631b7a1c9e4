"""The e-mail to a county's official mailbox when the account its grants are paid to changes after a
grant is accepted (``services.bank_account_confirm`` asks for it after the commit), sent once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from grants.models import BankAccount
from portal.mail import compose, recipients, send_message_once


def account_change_notify(account_id: int) -> bool:
    """E-mail the county's official mailbox that the account its grants are paid to has changed, once."""
    account = BankAccount.objects.select_related("organisation", "confirmed_by").get(pk=account_id)
    organisation = account.organisation
    message = compose(
        "grants/email/account_changed",
        to=recipients(organisation, mailbox=True),
        context={
            "account": account,
            "organisation": organisation,
            "url": settings.SITE_URL + reverse("bank_account"),
        },
        language=organisation.written_standard,
    )
    return send_message_once(BankAccount.objects.filter(pk=account_id), "mailbox_notified_at", message)


def unsent_changes() -> list[int]:
    """Changes confirmed a while ago whose e-mail never went (the broker was down): for the sweep."""
    stale = timezone.now() - dt.timedelta(minutes=2)
    return list(
        BankAccount.objects.filter(
            state__in=[BankAccount.State.CONFIRMED, BankAccount.State.REPLACED],
            mailbox_notified_at__isnull=True,
            confirmed_at__lt=stale,
        ).values_list("pk", flat=True)
    )
