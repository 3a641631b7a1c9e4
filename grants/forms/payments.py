"""The form of a payment of an accepted grant (R17); ``services.payment_register`` checks the rest."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from grants.forms.fields import AmountField
from grants.models import Decision
from portal.form_fields import DateField


class PaymentForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Beløp"))
    paid_on = DateField(
        label=gettext_lazy("Utbetalingsdato"),
    )
    reference = forms.CharField(
        label=gettext_lazy("Referanse (bilagsnummer)"),
        max_length=100,
        help_text=gettext_lazy("Bilagsnummeret i økonomisystemet, så utbetalingen kan finnes igjen."),
    )

    def __init__(self, *args, decision: Decision, **kwargs):
        kwargs.setdefault("initial", {"amount": decision.outstanding, "paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
