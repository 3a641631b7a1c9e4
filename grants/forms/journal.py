"""The public journal's forms: the period to list, and a request for access to an entry
(offentleglova § 28). Anyone may send one, so the form has a field people do not see (a honeypot)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from grants.models import Scheme
from portal.form_fields import DateField
from portal.limits import TEXT_MAX

DEFAULT_DAYS = 7  # the last week
LONGEST = dt.timedelta(days=92)  # a period to list at once: a quarter


def last_week() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


class JournalPeriodForm(forms.Form):
    """From and to (journal dates, both included); the last week when not given."""

    fra = DateField(
        label=gettext_lazy("Fra og med"),
        required=False,
        error_messages={"invalid": gettext_lazy("Skriv datoen som dd.mm.åååå.")},
    )
    til = DateField(
        label=gettext_lazy("Til og med"),
        required=False,
        error_messages={"invalid": gettext_lazy("Skriv datoen som dd.mm.åååå.")},
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = last_week()
        if data.get("fra") is None:
            data["fra"] = data["til"] - dt.timedelta(days=DEFAULT_DAYS - 1) if data.get("til") else start
        if data.get("til") is None:
            data["til"] = max(end, data["fra"])
        if data["fra"] > data["til"]:
            self.add_error("til", gettext_lazy("Til-datoen må være samme dag som eller etter fra-datoen."))
        elif data["til"] - data["fra"] > LONGEST:
            self.add_error("til", gettext_lazy("Vis høyst 92 dager om gangen."))
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The period asked for when the form is valid, else the last week."""
        if self.is_valid():
            return self.cleaned_data["fra"], self.cleaned_data["til"]
        return last_week()


class AccessRequestForm(forms.Form):
    """A request for access to a journal entry's documents. ``website`` is hidden from people: a form
    that fills it in is a robot's."""

    name = forms.CharField(
        label=gettext_lazy("Navn"),
        max_length=200,
        error_messages={"required": gettext_lazy("Skriv navnet ditt.")},
    )
    email = forms.EmailField(
        label=gettext_lazy("E-post"),
        max_length=254,
        help_text=gettext_lazy("IMDi svarer deg på denne adressen."),
        error_messages={
            "required": gettext_lazy("Skriv e-postadressen din."),
            "invalid": gettext_lazy("Skriv en gyldig e-postadresse, for eksempel navn@example.no."),
        },
    )
    message = forms.CharField(
        label=gettext_lazy("Merknad (valgfritt)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For eksempel hvilke dokumenter du vil se, eller i hvilken form."),
    )
    website = forms.CharField(
        label=gettext_lazy("Nettsted (la stå tomt)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ArchiveExtractForm(forms.Form):
    """The scheme and the years of an archive extract an admin orders."""

    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Tilskuddsordning"),
        queryset=Scheme.objects.order_by("name"),
        error_messages={"required": gettext_lazy("Velg ordningen."), "invalid_choice": gettext_lazy("Velg ordningen.")},
    )
    first_year = forms.IntegerField(
        label=gettext_lazy("Fra og med år"),
        min_value=2000,
        max_value=2099,
        error_messages={"required": gettext_lazy("Skriv året uttrekket begynner med.")},
    )
    last_year = forms.IntegerField(
        label=gettext_lazy("Til og med år"),
        min_value=2000,
        max_value=2099,
        error_messages={"required": gettext_lazy("Skriv året uttrekket slutter med.")},
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        if first and last and last < first:
            self.add_error("last_year", gettext_lazy("Til-året må være samme år som eller etter fra-året."))
        return data
