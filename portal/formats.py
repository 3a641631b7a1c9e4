"""How the portal writes amounts, times and dates: as Norwegians do, in Oslo time."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

OSLO = ZoneInfo("Europe/Oslo")
NBSP = "\u00a0"
ZERO = Decimal("0")
DATE = "d.m.Y"
DATETIME = "d.m.Y H:i"


def kr(value) -> str:
    """An amount as Norwegians write it: ``kr 1 250 000`` (øre only when there are any)."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    negative = amount < 0
    amount = abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = divmod(amount, 1)
    digits = f"{int(whole):,}".replace(",", NBSP)
    text = f"{digits},{int(cents * 100):02d}" if cents else digits
    return f"kr{NBSP}{'−' if negative else ''}{text}"


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
