"""The kept total of a report's accounts (issue 16): ``AnnualReport.spent_total`` equals the sum of its
account lines after every insert, change and delete, whoever writes them, and a save of a report read
before its lines changed does not write back an old total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from reporting.models import AccountLine, AnnualReport
from tests.reporting.helpers import paid_grant
from tests.reporting.test_statistics import approved_report

pytestmark = pytest.mark.django_db


def kept(report: AnnualReport) -> Decimal:
    return AnnualReport.objects.values_list("spent_total", flat=True).get(pk=report.pk)


def summed(report: AnnualReport) -> Decimal:
    return AccountLine.objects.filter(report=report).aggregate(total=Sum("spent"))["total"] or Decimal("0")


def test_the_total_follows_every_change_of_the_lines(cast):
    report = approved_report(paid_grant(cast), spent=["250000", "700000"])
    assert kept(report) == summed(report) == Decimal("950000")
    line = report.lines.order_by("pk").first()
    line.spent = Decimal("100000.50")
    line.save()
    assert kept(report) == summed(report) == Decimal("800000.50")
    AccountLine.objects.filter(report=report).update(spent=Decimal("1"))
    assert kept(report) == summed(report) == Decimal("2")
    line.delete()
    assert kept(report) == summed(report) == Decimal("1")


def test_a_save_of_a_stale_report_keeps_the_total(cast):
    report = approved_report(paid_grant(cast), spent=["250000", "700000"])
    stale = AnnualReport.objects.get(pk=report.pk)
    AccountLine.objects.filter(report=report).update(spent=Decimal("10"))
    stale.other_income = Decimal("5")
    stale.save()
    assert kept(report) == Decimal("20")
    assert AnnualReport.objects.get(pk=report.pk).other_income == Decimal("5")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the guard is a PostgreSQL trigger")
def test_postgresql_refuses_any_other_change_of_the_total(cast):
    report = approved_report(paid_grant(cast), spent=["250000", "700000"])
    AnnualReport.objects.filter(pk=report.pk).update(spent_total=Decimal("1"))
    assert kept(report) == Decimal("950000")
