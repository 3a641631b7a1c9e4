"""A call's money as the statistics sum it, kept by the database (issue 16).

``CallFigures`` holds, for each call, the sums that the statistics overview shows for every year of
every scheme: what is paid of the grants in force, what the approved annual reports used, what is
carried over and what is repaid (their definitions: ``reporting.statistics``). Triggers on the rows
they are summed from (decisions, annual reports, carry-overs, repayment claims; PostgreSQL and
SQLite, ``reporting.db_triggers``) add each change in the same transaction, as ``Call.allocated``
and ``AnnualReport.spent_total`` are kept: the overview then reads one row per call instead of
summing some 50,000 rows across every year at each request. Django never writes a row (on
PostgreSQL only the triggers may change one)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from grants.models import Call
from grants.models.applications import AMOUNT
from portal.formats import ZERO


class CallFigures(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, primary_key=True, related_name="figures")
    paid = models.DecimalField(_("utbetalt (kr)"), **AMOUNT, default=ZERO, editable=False)
    used = models.DecimalField(_("brukt (kr)"), **AMOUNT, default=ZERO, editable=False)
    carried_over = models.DecimalField(_("overført (kr)"), **AMOUNT, default=ZERO, editable=False)
    repaid = models.DecimalField(_("tilbakebetalt (kr)"), **AMOUNT, default=ZERO, editable=False)

    class Meta:
        verbose_name = _("utlysningens tall")
        verbose_name_plural = _("utlysningenes tall")

    def __str__(self) -> str:
        return str(self.call)
