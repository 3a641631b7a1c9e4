"""Each call's figures kept by the database (issue 16, ``reporting.models.figures``): after every kind of
change to the rows they are summed from, whoever writes them, ``CallFigures`` equals the sums of the
rows (counted here in Python) and the migration's summing query; on PostgreSQL nothing but the
triggers may change them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from grants.models import Decision
from reporting.db_call_figures import CALL_FIGURES_SUMMED
from reporting.models import AccountLine, AnnualReport, CallFigures, CarryOver, RepaymentClaim
from tests import factories as f
from tests.grants.helpers_payments import paid_payment
from tests.reporting.helpers import paid_grant
from tests.reporting.test_statistics import approved_report, carry_over, cheap_grant, repaid_claim
from tests.reporting.test_statistics_pages import call_figures

pytestmark = pytest.mark.django_db

FIGURES = ("paid", "used", "carried_over", "repaid")


def kept(call) -> dict[str, Decimal]:
    return CallFigures.objects.values(*FIGURES).get(call=call)


def summed(call) -> dict[str, Decimal]:
    figures = call_figures(call)
    return {name: figures[name] for name in FIGURES}


def assert_kept(*calls) -> None:
    """Each call's kept figures equal its rows' sums, and the migration's query agrees for every call."""
    for call in calls:
        assert kept(call) == summed(call), call
    with connection.cursor() as cursor:
        cursor.execute(CALL_FIGURES_SUMMED)
        by_query = {row[0]: [Decimal(str(value)).quantize(Decimal("0.01")) for value in row[1:]] for row in cursor}
    for figures in CallFigures.objects.values("call_id", *FIGURES):
        assert by_query[figures["call_id"]] == [figures[name] for name in FIGURES]


def test_a_new_call_has_its_figures_at_zero(cast):
    call = f.make_call(cast.scheme, year=2031)
    assert kept(call) == dict.fromkeys(FIGURES, Decimal("0"))


def test_the_figures_follow_payments_reports_carry_overs_and_claims(cast):
    grant = paid_grant(cast, paid="400000")
    assert kept(cast.call)["paid"] == Decimal("400000")
    report = approved_report(grant, spent=["300000", "500000"], carried_in="10000", other_income="50000")
    assert kept(cast.call)["used"] == Decimal("410000")  # min(400,000 + 10,000, 800,000 − 50,000)
    assert_kept(cast.call)

    paid_payment(cast, grant, "500000")  # what the approved report used grows with what is paid
    assert kept(cast.call)["used"] == Decimal("750000")
    line = report.lines.order_by("pk").first()
    line.spent = Decimal("100000.25")
    line.save()
    assert kept(cast.call)["used"] == Decimal("550000.25")
    AccountLine.objects.filter(report=report).update(spent=Decimal("10"))  # spent 20 − 50,000 other income
    assert kept(cast.call)["used"] == Decimal("0")
    line.delete()
    assert_kept(cast.call)

    AccountLine.objects.create(report=report, category=line.category, spent=Decimal("600000"))
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.SUBMITTED)
    assert kept(cast.call)["used"] == Decimal("0")
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.APPROVED, other_income=Decimal("0.5"))
    assert kept(cast.call)["used"] == Decimal("600009.50")  # 10 + 600,000 − 0.50
    assert_kept(cast.call)

    moved = carry_over(cast, report, "300000.10")
    assert kept(cast.call)["carried_over"] == Decimal("300000.10")
    CarryOver.objects.filter(pk=moved.pk).update(amount=Decimal("1000"))
    assert kept(cast.call)["carried_over"] == Decimal("1000")
    claim = repaid_claim(cast, grant, "2000")
    assert kept(cast.call)["repaid"] == Decimal("2000")
    RepaymentClaim.objects.filter(pk=claim.pk).update(
        state=RepaymentClaim.State.CLAIMED, repaid_amount=Decimal("1500.75"), repaid_on=None
    )  # back to a claim repaid in part
    assert kept(cast.call)["repaid"] == Decimal("1500.75")
    assert_kept(cast.call)

    CarryOver.objects.filter(pk=moved.pk).delete()
    assert kept(cast.call)["carried_over"] == Decimal("0")
    assert_kept(cast.call)


def test_a_reversed_grant_is_no_longer_paid_but_its_report_still_used(cast):
    grant = paid_grant(cast, amount="200000")
    approved_report(grant, spent=["150000"])
    Decision.objects.filter(pk=grant.pk).update(reversed_at=timezone.now())
    assert kept(cast.call)["paid"] == Decimal("0")
    assert kept(cast.call)["used"] == Decimal("150000")
    assert_kept(cast.call)


def test_each_call_keeps_its_own_figures(cast):
    earlier = f.make_call(cast.scheme, year=2022, open_now=False, eligible=[cast.county_a])
    later = f.make_call(cast.scheme, year=2023, open_now=False, eligible=[cast.county_a])
    cheap_grant(cast, earlier, cast.county_a, amount="8000")
    cheap_grant(cast, later, cast.county_a, amount="16000")
    cheap_grant(cast, later, cast.county_b, amount="800.08")
    assert kept(earlier) == {
        "paid": Decimal("8000"),
        "used": Decimal("6000"),
        "carried_over": Decimal("2000"),
        "repaid": Decimal("1000"),
    }
    assert kept(later)["paid"] == Decimal("16800.08")
    assert kept(cast.call) == dict.fromkeys(FIGURES, Decimal("0"))
    assert_kept(earlier, later, cast.call)


def test_a_draft_report_counts_for_nothing(cast):
    grant = paid_grant(cast)
    report = approved_report(grant, spent=["900000"])
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.DRAFT)
    AccountLine.objects.filter(report=report).update(spent=Decimal("1"))
    assert kept(cast.call)["used"] == Decimal("0")
    assert_kept(cast.call)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the guard is a PostgreSQL trigger")
def test_postgresql_refuses_any_other_change_of_the_figures(cast):
    paid_grant(cast, amount="300000")
    with pytest.raises(DatabaseError, match="only its triggers"), transaction.atomic():
        CallFigures.objects.filter(call=cast.call).update(paid=Decimal("1"))
    assert kept(cast.call)["paid"] == Decimal("300000")
