"""Date fields every form shares: a date the portal can reckon with (the years 2000–2099), typed in a
date input or as 01.02.2025, with a clear message otherwise. A payment dated 9999-12-31 or a project
period in year 9998 is refused at the form, not met as a server error or stored as data."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]


def out_of_range(earliest: dt.date, latest: dt.date) -> ValidationError:
    return ValidationError(
        _("Skriv en dato mellom %(earliest)s og %(latest)s."),
        code="out_of_range",
        params={"earliest": earliest.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")},
    )


class DateField(forms.DateField):
    """A date between ``earliest`` and ``latest`` (by default 2000–2099), with a date input."""

    def __init__(self, *, earliest: dt.date = EARLIEST, latest: dt.date = LATEST, **kwargs):
        self.earliest, self.latest = earliest, latest
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs["widget"] = forms.DateInput(
            attrs={"type": "date", "min": earliest.isoformat(), "max": latest.isoformat()}, format="%Y-%m-%d"
        )
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.earliest <= value <= self.latest:
            raise out_of_range(self.earliest, self.latest)


class DateTimeField(forms.DateTimeField):
    """A time (Norwegian time) on a day between ``earliest`` and ``latest``, with a date-and-time input."""

    def __init__(self, *, earliest: dt.date = EARLIEST, latest: dt.date = LATEST, **kwargs):
        self.earliest, self.latest = earliest, latest
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs["widget"] = forms.DateTimeInput(
            attrs={
                "type": "datetime-local",
                "min": f"{earliest.isoformat()}T00:00",
                "max": f"{latest.isoformat()}T23:59",
            },
            format="%Y-%m-%dT%H:%M",
        )
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.earliest <= value.date() <= self.latest:  # typed in Norwegian time
            raise out_of_range(self.earliest, self.latest)
