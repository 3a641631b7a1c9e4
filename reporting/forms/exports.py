"""The export page's choice of call and CSV header row."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from portal.widgets import FastSelect

HEADER_KEYS = "nokler"


class ChooseForm(forms.Form):
    """The call to export from, and the CSV's header row; read from the query string."""

    call = forms.TypedChoiceField(label=gettext_lazy("Utlysning"), coerce=int, widget=FastSelect)
    kolonner = forms.ChoiceField(
        label=gettext_lazy("Kolonneoverskrifter i CSV-filene"),
        choices=[
            ("", gettext_lazy("Norske navn (for å lese)")),
            (HEADER_KEYS, gettext_lazy("Faste nøkler (for programmer, endres aldri)")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, data, *, calls):
        super().__init__(data)
        self.fields["call"].choices = [(c.pk, f"{c.title} ({c.year})") for c in calls]
        self.fields["call"].widget.attrs["class"] = "form-select"
