"""R18: carry-over is for a multi-year project only (its period runs past the grant year), and IMDi's
assessment of next year's application shows the carry-over asked for beside the unused amount in the
year's approved accounts, flagging a difference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import Application, Case
from grants.services import Refused
from reporting.models import AnnualReport, CarryOver
from reporting.services import reports as report_services
from reporting.services import review
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db


def draft_report(decision) -> AnnualReport:
    return report_services.report_start(
        actor=f.actor_for(decision.case.application.created_by), decision_id=decision.pk
    )


def accounts(report, *, requested: bool) -> dict:
    lines = list(report.lines.order_by("category__order"))
    return {
        "spent": {line.pk: Decimal("100000") for line in lines},
        "other_income": Decimal("0"),
        "carry_over_requested": requested,
        "carry_over_reason": "Sen oppstart." if requested else "",
    }


def test_a_one_year_project_cannot_ask_for_carry_over(cast):
    decision = paid_grant(cast, multi_year=False)  # period 01.01.2025–31.12.2025
    report = draft_report(decision)
    actor = f.actor_for(cast.staff_a)
    with pytest.raises(Refused, match="Bare et flerårig prosjekt"):
        report_services.report_save(
            actor=actor, report_id=report.pk, section="accounts", data=accounts(report, requested=True)
        )
    report.refresh_from_db()
    assert report.carry_over_requested is False
    # Without the request the accounts are saved.
    report_services.report_save(
        actor=actor, report_id=report.pk, section="accounts", data=accounts(report, requested=False)
    )
    assert report.lines.filter(spent=Decimal("100000")).count() == report.lines.count()


def test_the_accounts_page_of_a_one_year_project_offers_no_carry_over(client, cast):
    decision = paid_grant(cast, multi_year=False)
    report = draft_report(decision)
    login(client, cast.staff_a)
    page = client.get(reverse("report_section", args=[report.pk, "accounts"])).content.decode()
    assert "Prosjektperioden i søknaden slutter i tilskuddsåret" in page
    assert 'name="carry_over_requested"' in page and "disabled" in page


def test_a_multi_year_project_may_ask_for_carry_over(cast):
    decision = paid_grant(cast)  # period to 31.12.2026
    report = draft_report(decision)
    report_services.report_save(
        actor=f.actor_for(cast.staff_a), report_id=report.pk, section="accounts", data=accounts(report, requested=True)
    )
    report.refresh_from_db()
    assert report.carry_over_requested is True


def test_imdi_cannot_approve_carry_over_for_a_one_year_project(cast):
    decision = paid_grant(cast)
    f.make_call(cast.scheme, year=2026, eligible=[cast.county_a])
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    # The county shortened the project period to the grant year (the report was asked for before).
    Application.objects.filter(pk=decision.case.application_id).update(period_end=dt.date(2025, 12, 31))
    with pytest.raises(Refused, match="Bare et flerårig prosjekt"):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)
    assert not CarryOver.objects.exists()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED


def test_imdis_review_page_offers_no_carry_over_for_a_one_year_project(client, cast):
    decision = paid_grant(cast)
    f.make_call(cast.scheme, year=2026, eligible=[cast.county_a])
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    login(client, cast.caseworker)
    url = reverse("report_assess", args=[report.pk])
    assert "Godkjenn overføringen til 2026" in client.get(url).content.decode()
    Application.objects.filter(pk=decision.case.application_id).update(period_end=dt.date(2025, 12, 31))
    assert "Godkjenn overføringen til 2026" not in client.get(url).content.decode()


# --- The assessment of next year's application -------------------------------------------------


def next_years_case(cast, carry_over: str) -> Case:
    """County A's application for 2026, stating ``carry_over`` carried over from 2025, submitted."""
    call_2026 = f.make_call(cast.scheme, year=2026, eligible=[cast.county_a, cast.county_b])
    application = f.make_application(call_2026, cast.staff_a)
    Application.objects.filter(pk=application.pk).update(
        carry_over_amount=Decimal(carry_over), carry_over_explanation="Klassen startet sent i 2025."
    )
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    return Case.objects.get(application=application)


def approved_accounts_2025(cast) -> AnnualReport:
    """The 2025 accounts, approved by IMDi without a carry-over: kr 200 000 unused."""
    report = submitted_report(paid_grant(cast))
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)
    assert report.unused() == Decimal("200000")
    return report


def assess_page(client, cast, case) -> str:
    login(client, cast.caseworker)
    response = client.get(reverse("case_assess", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_assessment_flags_a_carry_over_that_differs_from_the_approved_accounts(client, cast):
    approved_accounts_2025(cast)
    case = next_years_case(cast, "150000")
    page = assess_page(client, cast, case)
    assert 'data-carry="asked">kr\u00a0150\u00a0000' in page
    assert 'data-carry="unused">kr\u00a0200\u00a0000' in page
    assert 'data-carry="difference"' in page
    assert "Avviket er kr\u00a050\u00a0000" in page


def test_the_assessment_shows_no_difference_when_the_amounts_agree(client, cast):
    approved_accounts_2025(cast)
    case = next_years_case(cast, "200000")
    page = assess_page(client, cast, case)
    assert 'data-carry="same"' in page
    assert 'data-carry="difference"' not in page


def test_a_carry_over_without_approved_accounts_is_flagged(client, cast):
    submitted_report(paid_grant(cast))  # submitted, not approved
    case = next_years_case(cast, "80000")
    page = assess_page(client, cast, case)
    assert 'data-carry="unused">Ikke godkjent regnskap' in page
    assert "det finnes ikke godkjent regnskap for 2025" in page


def test_nothing_is_shown_when_nothing_is_carried_over(client, cast):
    case = next_years_case(cast, "0")
    assert "carry-over-check-title" not in assess_page(client, cast, case)
