"""How the portal writes amounts, times and dates: as Norwegians do, in Oslo time."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

OSLO = ZoneInfo("Europe/Oslo")
NBSP = "\u00a0"
ZERO = Decimal("0")
CENT = Decimal("0.01")
DATE = "d.m.Y"
DATETIME = "d.m.Y H:i"


def kr(value) -> str:
    """An amount as Norwegians write it: ``kr 1 250 000`` (øre only when there are any), rounded half
    up to whole øre. Pages with many amounts call it once per cell: it formats with one
    ``format()`` rather than by hand."""
    if value is None or value == "":
        return ""
    amount = value if type(value) is Decimal else Decimal(value)
    text = f"{abs(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"  # 1,250,000.50
    if text.endswith(".00"):
        text = text[:-3]
    text = text.replace(",", NBSP).replace(".", ",")
    return f"kr{NBSP}−{text}" if amount < 0 else f"kr{NBSP}{text}"


def oslo(moment: dt.datetime) -> dt.datetime:
    """An aware time in Oslo time."""
    return moment.astimezone(OSLO)


def date(value: dt.date | dt.datetime) -> str:
    """``10.02.2025``; a time is first put in Oslo time."""
    if isinstance(value, dt.datetime):
        value = oslo(value).date()
    return formats.date_format(value, DATE)


def date_time(moment: dt.datetime) -> str:
    """``10.02.2025 14:30`` in Oslo time."""
    return formats.date_format(timezone.localtime(moment, OSLO), DATETIME)
