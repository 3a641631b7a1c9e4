"""Interest on late payment of a repayment claim (forsinkelsesrenteloven, lov 17. desember 1976
nr. 100).

§ 2: when a sum of money is not paid on its due date, the creditor may claim interest on it from the
due date. § 3 first paragraph: the rate is fixed by the Ministry of Finance for six months at a time,
from 1 January and 1 July (the central bank's policy rate on 1 December and 1 June plus at least
eight percentage points). The published rates are entered by admins per half-year
(``reporting.models.LateInterestRate``); none is assumed.

``late_interest`` is a pure function: for each half-year period the payment was late in, the amount
times the period's rate (percent per year) times the days late in that period, over 365; the sum is
rounded to the øre (ROUND_HALF_UP) once, at the end. The days late are counted from the day after
the due date up to and including the day of payment. A period with no rate is refused (``Refused``)
with a Norwegian message: the portal never guesses a rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from portal.rules import Refused

ORE = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)


def half_year_start(day: dt.date) -> dt.date:
    """The 1 January or 1 July that begins the half-year ``day`` is in."""
    return dt.date(day.year, 1 if day.month < 7 else 7, 1)


def next_half_year(start: dt.date) -> dt.date:
    return dt.date(start.year, 7, 1) if start.month == 1 else dt.date(start.year + 1, 1, 1)


def days_late_per_period(due_date: dt.date, paid_on: dt.date) -> list[tuple[dt.date, int]]:
    """The days from the day after ``due_date`` to ``paid_on`` (inclusive), per half-year start."""
    periods: list[tuple[dt.date, int]] = []
    day = due_date + dt.timedelta(days=1)
    while day <= paid_on:
        start = half_year_start(day)
        last = min(paid_on, next_half_year(start) - dt.timedelta(days=1))
        periods.append((start, (last - day).days + 1))
        day = last + dt.timedelta(days=1)
    return periods


def late_interest(amount: Decimal, due_date: dt.date, paid_on: dt.date, rates: Mapping[dt.date, Decimal]) -> Decimal:
    """The interest owed on ``amount`` paid on ``paid_on`` when it fell due on ``due_date``
    (forsinkelsesrenteloven §§ 2 and 3), to the øre. ``rates`` maps each half-year's start (1 January
    or 1 July) to its rate in percent per year. Nothing is owed for a payment on or before the due
    date."""
    total = Decimal(0)
    for start, days in days_late_per_period(due_date, paid_on):
        if start not in rates:
            raise Refused(
                _(
                    "Forsinkelsesrentesatsen for halvåret fra %(start)s er ikke lagt inn. Be en administrator legge "
                    "den inn før betalingen registreres."
                )
                % {"start": start.strftime("%d.%m.%Y")}
            )
        total += amount * Decimal(rates[start]) / Decimal(100) * Decimal(days) / DAYS_IN_YEAR
    return total.quantize(ORE, rounding=ROUND_HALF_UP)
