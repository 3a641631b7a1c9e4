"""Forms of IMDi's review of an annual report: the list's filter, approving and returning. They
validate what was typed; the rules are the services' (``services.review``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import TEXTAREA
from portal.formats import kr
from reporting.models import AnnualReport

CARRY = "carry"
REPAY = "repay"


class ReportApproveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("IMDis vurdering"),
        widget=TEXTAREA,
        required=False,
        max_length=4000,
        help_text=gettext_lazy("Kort om hva IMDi har sett etter, og eventuelle merknader. Fylkeskommunen ser dette."),
    )

    def __init__(self, *args, unused=None, to_year: int | None = None, offer_carry_over: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if offer_carry_over:
            self.fields["unused_choice"] = forms.ChoiceField(
                label=_("Ubrukte midler: %(amount)s") % {"amount": kr(unused)},
                widget=forms.RadioSelect,
                choices=[
                    (
                        CARRY,
                        _("Godkjenn overføringen til %(year)s, slik fylkeskommunen har søkt om") % {"year": to_year},
                    ),
                    (REPAY, _("Ikke godkjenn overføringen: de ubrukte midlene skal betales tilbake")),
                ],
                help_text=_(
                    "Godkjenner du overføringen, står beløpet i søknaden for %(year)s, og fylkeskommunen kan ikke "
                    "endre det. Skal midlene betales tilbake, sender du forhåndsvarsel om krav etterpå."
                )
                % {"year": to_year},
            )

    @property
    def carry_over(self) -> bool:
        return self.cleaned_data.get("unused_choice") == CARRY


class ReportReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hva må fylkeskommunen rette?"),
        widget=TEXTAREA,
        max_length=4000,
        help_text=gettext_lazy("Fylkeskommunen får begrunnelsen på e-post og ser den i portalen."),
    )


OVERDUE = "overdue"


class ReportFilterForm(forms.Form):
    call = forms.ModelChoiceField(
        label=gettext_lazy("Utlysning"), queryset=None, required=False, empty_label=gettext_lazy("Alle")
    )
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        self.fields["state"].choices = [
            ("", _("Alle")),
            *AnnualReport.State.choices,
            (OVERDUE, _("Ikke levert, fristen er ute")),
        ]
