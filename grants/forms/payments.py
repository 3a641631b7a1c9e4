"""The forms of payments, payment files and the county's bank account (økonomiregelverket, L4).
The services (``services.payment_propose`` …) check the rest: state, rights and the money's limits."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from grants.forms.fields import AmountField
from portal.form_fields import DateField
from portal.validators import normalise_account_number


class PaymentForm(forms.Form):
    amount = AmountField(
        label=gettext_lazy("Beløp"),
        help_text=gettext_lazy(
            "Aldri mer enn det som er igjen av tilskuddet. Utbetalingen må attesteres og godkjennes."
        ),
    )

    def __init__(self, *args, left=None, **kwargs):
        if left is not None:
            kwargs.setdefault("initial", {"amount": left})
        super().__init__(*args, **kwargs)


class PaymentRejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor avvises utbetalingen?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class BatchConfirmForm(forms.Form):
    paid_on = DateField(label=gettext_lazy("Utbetalingsdato (fra bankens bekreftelse)"))
    bank_reference = forms.CharField(
        label=gettext_lazy("Bankens referanse"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Referansen i bankens kvittering på betalingsfilen, om den har en."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class BankAccountForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Kontonummer"),
        max_length=20,
        help_text=gettext_lazy("Elleve siffer, for eksempel 1234.56.78903. Punktum og mellomrom kan brukes."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        formatted = normalise_account_number(self.cleaned_data["number"])
        if formatted is None:
            raise forms.ValidationError(
                gettext_lazy(
                    "Kontonummeret er ikke gyldig. Et norsk kontonummer har 11 siffer og riktig kontrollsiffer."
                )
            )
        return formatted
