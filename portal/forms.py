from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.dates import start_of_day
from portal.form_fields import DateField
from portal.models import COUNTY_ROLES, Delegation, Organisation, User
from portal.validators import whole_number


class WholeIdChoiceField(forms.ModelChoiceField):
    """A choice of one row by id, where the id must be a whole number a bigint holds: "²", "2025-01-01" or
    10**25 is an invalid choice before the database is asked, and the form shows it again as no choice
    (a widget that looks the chosen row up, such as the admin's autocomplete, would ask with it)."""

    def to_python(self, value):
        if value not in self.empty_values and whole_number(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def bound_data(self, data, initial):
        return data if data in self.empty_values or whole_number(data) is not None else None


class WholeIdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of rows by id where every id must be a whole number a bigint holds: "²" or 10**25 is
    refused as an invalid choice before the database is asked (on SQLite it was a server error)."""

    def clean(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            if whole_number(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)

    def bound_data(self, data, initial):
        if isinstance(data, (list, tuple)):
            return [pk for pk in data if whole_number(pk) is not None]
        return data


class DelegationForm(forms.Form):
    grantee = forms.ModelChoiceField(
        label=_("Hvem får fullmakt"),
        queryset=User.objects.none(),
        help_text=_("Fullmakt kan bare gis til ansatte i egen fylkeskommune."),
    )
    valid_from = DateField(
        label=_("Gyldig fra og med"),
        help_text=_("Dato, f.eks. 01.02.2025."),
    )
    valid_to = DateField(
        label=_("Gyldig til og med"),
        help_text=_("Fullmakten gjelder ut denne dagen."),
    )
    reason = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("For eksempel: «Fravær i søknadsperioden»."),
    )

    def __init__(self, *args, organisation: Organisation, exclude_user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantee"].queryset = (
            User.objects.filter(
                memberships__organisation=organisation, memberships__role__in=COUNTY_ROLES, is_active=True
            )
            .exclude(pk=exclude_user.pk)
            .distinct()
            .order_by("full_name")
        )
        self.fields["grantee"].label_from_instance = lambda u: f"{u.full_name} ({u.email})"
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        today = timezone.localdate()
        if start and start < today:
            self.add_error("valid_from", _("En fullmakt kan ikke gjelde fra før i dag."))
        if end and end > today + Delegation.MAX_PERIOD:
            self.add_error("valid_to", _("En fullmakt kan gjelde i høyst fem år."))
        if start and end and end < start:
            self.add_error("valid_to", _("Sluttdatoen må være samme dag som eller etter startdatoen."))
        return data

    @property
    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: from the start of the first day to the end of the last."""
        return start_of_day(self.cleaned_data["valid_from"]), start_of_day(
            self.cleaned_data["valid_to"] + dt.timedelta(days=1)
        )


class ChooseRoleForm(forms.Form):
    membership = forms.TypedChoiceField(label=_("Rolle"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.get_role_display()} – {m.organisation.name}") for m in memberships
        ]
