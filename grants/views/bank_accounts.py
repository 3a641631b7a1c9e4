"""The county: the account its grants are paid to (økonomiregelverket, L4). Anyone in the county
registers a number; the director or a fullmakt holder (another person) confirms or rejects it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grants import permissions, services
from grants.access import get_bank_account_for
from grants.forms.payments import BankAccountForm
from grants.models import BankAccount
from portal.access import has_role
from portal.audit import Actor
from portal.models import COUNTY_ROLES
from portal.rules import Refused


@require_http_methods(["GET", "POST"])
def bank_account(request):
    membership = request.membership
    has_role(membership, *COUNTY_ROLES).or_403()
    form = BankAccountForm(request.POST or None)
    if request.method == "POST":
        permissions.can_register_account(membership).or_403()
        if form.is_valid():
            try:
                services.bank_account_register(actor=Actor.from_request(request), number=form.cleaned_data["number"])
            except Refused as refused:
                form.add_error("number", str(refused))
            else:
                messages.success(
                    request, _("Kontonummeret er registrert. Det må bekreftes av direktøren eller en med fullmakt.")
                )
                return redirect("bank_account")
    return _page(request, form)


def _page(request, form: BankAccountForm):
    membership = request.membership
    accounts = list(
        BankAccount.objects.filter(organisation=membership.organisation).select_related(
            "registered_by", "confirmed_by", "rejected_by"
        )[:100]
    )
    now = timezone.now()
    for account in accounts:
        account.may_confirm = permissions.can_confirm_account(membership, request.user, account, now)
    context = {
        "form": form,
        "accounts": accounts,
        "current": next((a for a in accounts if a.state == BankAccount.State.CONFIRMED), None),
        "pending": next((a for a in accounts if a.state == BankAccount.State.PENDING), None),
    }
    return render(request, "grants/bank_accounts/page.html", context)


def _act(request, pk: int, service, done: str):
    """Confirm or reject; a refusal is shown on the page with its reason."""
    account = get_bank_account_for(request.membership, pk, write=True)
    try:
        service(actor=Actor.from_request(request), account_id=account.pk)
    except Refused as refused:
        messages.error(request, str(refused))
        return _page(request, BankAccountForm())
    messages.success(request, done % {"account": account.formatted})
    return redirect("bank_account")


@require_POST
def bank_account_confirm(request, pk: int):
    return _act(request, pk, services.bank_account_confirm, _("Kontonummeret %(account)s er bekreftet."))


@require_POST
def bank_account_reject(request, pk: int):
    return _act(request, pk, services.bank_account_reject, _("Kontonummeret %(account)s er avvist."))
