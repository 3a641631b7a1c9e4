"""Forms of the steps of a repayment claim: IMDi's notice, claim, repayment and cancelling, and the
county's comments. They validate what was typed; the rules are the services' (``services.repayments``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import TEXTAREA, AmountField
from portal.form_fields import DateField
from portal.formats import kr
from portal.validators import normalise_account_number
from reporting.models import MIN_COMMENT_DAYS, RepaymentClaim, earliest_comment_deadline


class RepaymentNoticeForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Hvorfor kreves tilskuddet tilbake?"),
        choices=RepaymentClaim.Reason.choices,
        widget=forms.RadioSelect,
    )
    amount = AmountField(label=gettext_lazy("Beløp som kreves tilbake"))
    explanation = forms.CharField(
        label=gettext_lazy("Begrunnelse"),
        widget=TEXTAREA,
        max_length=8000,
        help_text=gettext_lazy("Hva IMDi bygger kravet på. Teksten står i varselet og i kravbrevet."),
    )
    comment_deadline = DateField(label=gettext_lazy("Frist for merknader"))

    def __init__(self, *args, paid=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment_deadline"].help_text = _(
            "Fylkeskommunen skal få minst %(days)s dager til å uttale seg (god forvaltningsskikk): tidligst %(date)s."
        ) % {"days": MIN_COMMENT_DAYS, "date": earliest_comment_deadline().strftime("%d.%m.%Y")}
        if paid is not None:
            self.fields["amount"].help_text = _("Høyst det som er utbetalt: %(paid)s.") % {"paid": kr(paid)}

    def clean_comment_deadline(self):
        deadline = self.cleaned_data["comment_deadline"]
        earliest = earliest_comment_deadline()
        if deadline < earliest:
            raise forms.ValidationError(
                _("Fristen må være minst %(days)s dager fram i tid: tidligst %(date)s.")
                % {"days": MIN_COMMENT_DAYS, "date": earliest.strftime("%d.%m.%Y")}
            )
        return deadline


class RepaymentCommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Merknader fra fylkeskommunen"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=8000,
        help_text=gettext_lazy("Dere kan sende merknader én gang. IMDi leser dem før kravet avgjøres."),
    )


class AccountNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        account = normalise_account_number(value)
        if account is None:
            raise forms.ValidationError(_("Skriv et gyldig kontonummer med 11 siffer, for eksempel 7694.05.12340."))
        return account


class RepaymentClaimForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Beløp som kreves"))
    due_date = DateField(label=gettext_lazy("Forfallsdato"))
    account_number = AccountNumberField(
        label=gettext_lazy("IMDis kontonummer"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, claim: RepaymentClaim, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice_amount = claim.amount_in_notice
        self.fields["amount"].help_text = _(
            "Beløpet i forhåndsvarselet var %(amount)s. Du kan sette det ned etter merknadene, ikke opp."
        ) % {"amount": kr(self.notice_amount)}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount > self.notice_amount:
            raise forms.ValidationError(
                _("Beløpet kan ikke være høyere enn i forhåndsvarselet (%(amount)s).")
                % {"amount": kr(self.notice_amount)}
            )
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Beløpet må være større enn 0."))
        return amount

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due <= timezone.localdate():
            raise forms.ValidationError(_("Forfallsdatoen må være etter i dag."))
        return due


class RepaymentRecordForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Innbetalt beløp"))
    repaid_on = DateField(label=gettext_lazy("Betalt dato"))

    def __init__(self, *args, claim: RepaymentClaim, **kwargs):
        kwargs.setdefault("initial", {"amount": claim.outstanding, "repaid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "Registrer når hele kravet (%(amount)s) er betalt inn. Forsinkelsesrenter regnes ut og føres for seg."
        ) % {"amount": kr(claim.outstanding)}


class RepaymentCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor frafalles kravet?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class RepaymentSendBackForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor sendes kravet tilbake?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class RepaymentSetOffForm(forms.Form):
    """Set-off against one of the county's proposed payments (``payments``, chosen by the view)."""

    payment = forms.TypedChoiceField(label=gettext_lazy("Utbetaling"), coerce=int)
    amount = AmountField(label=gettext_lazy("Beløp som motregnes"))

    def __init__(self, *args, claim: RepaymentClaim, payments, **kwargs):
        kwargs.setdefault("initial", {"amount": claim.outstanding})
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [
            (
                payment.pk,
                _("%(reference)s: %(amount)s (søknad %(application)s)")
                % {
                    "reference": payment.reference,
                    "amount": kr(payment.net_amount),
                    "application": payment.decision.case.application.reference,
                },
            )
            for payment in payments
        ]
        self.fields["amount"].help_text = _("Høyst det som står igjen av kravet: %(rest)s.") % {
            "rest": kr(claim.outstanding)
        }


class RepaymentInterestForm(forms.Form):
    paid_on = DateField(label=gettext_lazy("Rentene betalt dato"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
