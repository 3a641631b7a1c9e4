"""Form fields and widgets shared by grants' forms (and reporting's): amounts in kroner, a text
area, several files in one field, and the largest upload in MB for the help texts."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.uploads import max_upload_bytes

TEXTAREA = forms.Textarea(attrs={"rows": 5})


def max_upload_mb() -> int:
    """The largest upload, in whole MB, as the help texts and error messages say it."""
    return max_upload_bytes() // (1024 * 1024)


class AmountField(forms.DecimalField):
    """Kroner as Norwegians type them: "250 000", "250000,50" or "kr 1 250 000"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("kr").strip()
            value = "".join(value.split()).replace("\u00a0", "").replace(",", ".")
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(_("Skriv et beløp i hele kroner, for eksempel 250 000."), code="invalid") from None

    def prepare_value(self, value):
        """Shown as typed in Norway: "1 250 000", or "1 250 000,50" when there are øre."""
        if isinstance(value, Decimal):
            whole = f"{int(value):,}".replace(",", " ")
            cents = abs(value) % 1
            return f"{whole},{int(cents * 100):02d}" if cents else whole
        return value


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; cleans to a list (empty when none was chosen)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            single(None, initial)  # raises when the field is required
            return []
        return [single(upload, initial) for upload in uploads]
