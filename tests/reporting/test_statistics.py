"""IMDi's statistics pages: each call's money, per county and per cost category, applications by state,
and each scheme across the years. The tables must equal the database's own sums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, BudgetLine, Case, Decision, DecisionLine, Payment
from portal.formats import NBSP
from reporting import statistics
from reporting.models import AccountLine, AnnualReport, CarryOver, RepaymentClaim
from tests import factories as f
from tests.conftest import assert_constant_queries
from tests.grants.helpers_cases import decided, issued, submitted_case
from tests.grants.helpers_payments import proposed_payment
from tests.reporting.helpers import paid_grant

pytestmark = pytest.mark.django_db


# --- Reading the page -------------------------------------------------------------------------


class Tables(HTMLParser):
    """The page's table cells by row and figure: ``rows["county-12"]["paid"]`` is the text of the
    cell ``<td data-figure="paid">`` in ``<tr data-row="county-12">`` (or ``data-call``)."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.svgs: list[dict] = []
        self.titles: list[str] = []
        self._row = self._figure = None
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and ("data-row" in attrs or "data-call" in attrs):
            self._row = attrs.get("data-row") or attrs.get("data-call")
            self.rows.setdefault(self._row, {})
        elif tag == "td" and self._row and "data-figure" in attrs:
            self._figure = attrs["data-figure"]
            self.rows[self._row][self._figure] = ""
        elif tag == "svg":
            self.svgs.append(attrs)
        elif tag == "title" and self.svgs:
            self._in_title = True
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._figure = None
        elif tag == "tr":
            self._row = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._row and self._figure:
            self.rows[self._row][self._figure] += data
        if self._in_title:
            self.titles[-1] += data

    def amount(self, row: str, figure: str) -> Decimal:
        """``kr 1 250 000,50`` as a Decimal."""
        text = self.rows[row][figure].replace("kr", "").replace(NBSP, "").replace(" ", "").strip()
        return Decimal(text.replace("−", "-").replace(",", ".") or "0")


def page(client, url) -> Tables:
    response = client.get(url)
    assert response.status_code == 200
    return Tables(response.content.decode())


# --- Building a call with money ---------------------------------------------------------------


def approved_report(decision: Decision, *, spent: list[Decimal], carried_in="0", other_income="0") -> AnnualReport:
    """An approved annual report for ``decision`` with ``spent`` on the call's categories in order."""
    case = decision.case
    user = f.make_user()
    report = AnnualReport.objects.create(
        decision=decision,
        case=case,
        application=case.application,
        state=AnnualReport.State.APPROVED,
        deadline=case.call.report_deadline,
        carried_in=Decimal(carried_in),
        other_income=Decimal(other_income),
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
        created_by=user,
    )
    for category, amount in zip(case.call.cost_categories.order_by("order"), spent, strict=False):
        AccountLine.objects.create(report=report, category=category, spent=Decimal(amount))
    return report


def carry_over(cast, report: AnnualReport, amount) -> CarryOver:
    return CarryOver.objects.create(
        report=report,
        organisation=report.application.organisation,
        scheme=report.case.call.scheme,
        to_year=report.case.call.year + 1,
        amount=Decimal(amount),
        approved_by=cast.caseworker,
        approved_at=timezone.now(),
    )


def repaid_claim(cast, decision: Decision, amount) -> RepaymentClaim:
    now = timezone.now()
    return RepaymentClaim.objects.create(
        case=decision.case,
        decision=decision,
        state=RepaymentClaim.State.REPAID,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal(amount),
        explanation="Midler som ikke ble brukt.",
        reference=f"KRAV-{decision.pk}",
        notice_sent_at=now - dt.timedelta(days=40),
        notice_sent_by=cast.caseworker,
        comment_deadline=(now - dt.timedelta(days=20)).date(),
        claimed_at=now - dt.timedelta(days=15),
        claimed_by=cast.caseworker,
        due_date=(now - dt.timedelta(days=1)).date(),
        repaid_amount=Decimal(amount),
        repaid_on=now.date(),
        repaid_recorded_by=cast.caseworker,
        repaid_recorded_at=now,
    )


@pytest.fixture
def money(cast):
    """cast.call with county A's grant of 1,000,000 and county B's of 600,000, both paid; A's report
    approved (spent 700,000 + 250,000 with 100,000 other income and 40,000 carried in) with a carry-over
    of 60,000; B's approved (spent 550,000) with 50,000 repaid."""
    grant_a = paid_grant(cast)
    grant_b = paid_grant(cast, organisation=cast.county_b, amount="600000")
    report_a = approved_report(
        grant_a, spent=["250000", "700000"], carried_in="40000", other_income="100000"
    )  # used: min(1,040,000, 950,000 − 100,000) = 850,000
    report_b = approved_report(grant_b, spent=["50000", "500000"])  # used 550,000
    carry_over(cast, report_a, "60000")
    repaid_claim(cast, grant_b, "50000")
    return {"a": grant_a, "b": grant_b, "report_a": report_a, "report_b": report_b}


def written_grant(cast, call, organisation, amount: Decimal, *, reference: str, categories, case_state, description):
    """A county's submitted application with a budget line of ``amount`` in each of ``categories`` and
    its grant of ``amount`` approved and accepted (granted in the last category), written directly."""
    now = timezone.now()
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        state=Application.State.SUBMITTED,
        created_by=cast.staff_a,
        submitted_at=now,
        reference=reference,
    )
    for category in categories:
        BudgetLine.objects.create(application=application, category=category, amount=amount, description=description)
    case = Case.objects.create(application=application, call=call, state=case_state, allocated=amount)
    decision = Decision.objects.create(
        case=case,
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        requested=amount * len(categories),
        amount=amount,
        rules="Regler",
        facts="Fakta",
        considerations="Hensyn",
        report_deadline=call.report_deadline,
        proposed_by=cast.caseworker,
        proposed_at=now,
        approved_by=cast.caseworker2,
        approved_at=now,
        accepted_at=now,
        accepted_by=cast.director_a,
    )
    DecisionLine.objects.create(decision=decision, category=categories[-1], requested=amount, granted=amount)
    return decision


def cheap_grant(cast, call, organisation, amount="10000"):
    """A county's submitted application with a paid grant, an approved report, a carry-over and a
    repaid claim, written directly (no letters): for the query-count tests."""
    amount = Decimal(amount)
    now = timezone.now()
    decision = written_grant(
        cast,
        call,
        organisation,
        amount,
        reference=f"S-{call.pk}-{organisation.pk}",
        categories=list(call.cost_categories.order_by("order")),
        case_state=Case.State.PAID,
        description="Lærere",
    )
    Payment.objects.create(
        decision=decision, amount=amount, paid_on=now.date(), reference="B-1", recorded_by=cast.caseworker, state="paid"
    )
    decision.refresh_from_db()
    report = approved_report(decision, spent=[amount / 2, amount / 4])
    carry_over(cast, report, amount / 4)
    repaid_claim(cast, decision, amount / 8)
    return decision


# --- The call's page --------------------------------------------------------------------------


def test_call_totals_equal_the_database_sums(client, login_as, cast, money):
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    call = cast.call
    call.refresh_from_db()
    grants = Decision.objects.filter(
        case__call=call, kind=Decision.Kind.GRANT, state=Decision.State.APPROVED, reversed_at__isnull=True
    )
    reports = AnnualReport.objects.filter(case__call=call, state=AnnualReport.State.APPROVED)
    expected = {
        "pot": call.pot,
        "allocated": call.allocated,
        "paid": grants.aggregate(s=Sum("paid"))["s"],
        "used": sum(r.grant + r.carried_in - r.unused() for r in reports),
        "carried_over": CarryOver.objects.filter(report__decision__case__call=call).aggregate(s=Sum("amount"))["s"],
        "repaid": RepaymentClaim.objects.filter(decision__case__call=call).aggregate(s=Sum("repaid_amount"))["s"],
    }
    assert expected["paid"] == Decimal("1600000")
    assert expected["used"] == Decimal("1400000")  # 850,000 + 550,000
    for figure, amount in expected.items():
        assert tables.amount(figure, figure) == amount, figure
        if figure != "pot":
            assert tables.amount("county-sum", figure) == amount, figure


def test_each_county_row_equals_its_own_sums(client, login_as, cast, money):
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    for county, decision in ((cast.county_a, money["a"]), (cast.county_b, money["b"])):
        row = f"county-{county.pk}"
        report = decision.annual_report
        assert tables.amount(row, "allocated") == decision.case.allocated
        assert tables.amount(row, "paid") == decision.paid
        assert tables.amount(row, "used") == report.grant + report.carried_in - report.unused()
        carried = CarryOver.objects.filter(report__decision=decision).aggregate(s=Sum("amount"))["s"] or 0
        assert tables.amount(row, "carried_over") == carried
        repaid = RepaymentClaim.objects.filter(decision=decision).aggregate(s=Sum("repaid_amount"))["s"] or 0
        assert tables.amount(row, "repaid") == repaid
    assert tables.amount(f"county-{cast.county_a.pk}", "used") == Decimal("850000")
    assert tables.amount(f"county-{cast.county_b.pk}", "repaid") == Decimal("50000")


def test_used_never_exceeds_grant_and_carry_in_nor_goes_below_zero(client, login_as, cast):
    overspent = paid_grant(cast, amount="300000")
    approved_report(overspent, spent=["900000"], carried_in="10000")  # used: 310,000
    underspent = paid_grant(cast, organisation=cast.county_b, amount="200000")
    approved_report(underspent, spent=["20000"], other_income="50000")  # used: 0
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    assert tables.amount(f"county-{cast.county_a.pk}", "used") == Decimal("310000")
    assert tables.amount(f"county-{cast.county_b.pk}", "used") == Decimal("0")


def test_a_report_not_yet_approved_counts_as_spent_but_not_as_used(client, login_as, cast, money):
    AnnualReport.objects.filter(pk=money["report_b"].pk).update(state=AnnualReport.State.SUBMITTED)
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    assert tables.amount(f"county-{cast.county_b.pk}", "used") == Decimal("0")
    last = cast.call.cost_categories.order_by("-order").first()
    assert tables.amount(f"category-{last.pk}", "spent") == Decimal("1200000")  # 700,000 + 500,000


def test_budget_granted_and_spent_per_category_equal_the_database_sums(client, login_as, cast, money):
    login_as("auditor")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    for category in cast.call.cost_categories.all():
        budget = BudgetLine.objects.filter(category=category, application__state=Application.State.SUBMITTED)
        granted = DecisionLine.objects.filter(
            category=category, decision__state=Decision.State.APPROVED, decision__kind=Decision.Kind.GRANT
        )
        spent = AccountLine.objects.filter(category=category, report__state__in=["submitted", "approved"])
        row = f"category-{category.pk}"
        assert tables.amount(row, "budget") == (budget.aggregate(s=Sum("amount"))["s"] or 0)
        assert tables.amount(row, "granted") == (granted.aggregate(s=Sum("granted"))["s"] or 0)
        assert tables.amount(row, "spent") == (spent.aggregate(s=Sum("spent"))["s"] or 0)
    first = cast.call.cost_categories.order_by("order").first()
    assert tables.amount(f"category-{first.pk}", "budget") == Decimal("500000")  # 250,000 from each county
    assert tables.amount("category-sum", "spent") == Decimal("1500000")


def test_applications_and_cases_are_counted_by_state(client, login_as, cast, money):
    Application.objects.create(call=cast.call, organisation=cast.county_c, created_by=cast.staff_c)  # a draft
    login_as("admin")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    assert tables.rows["application-submitted"]["count"] == "2"
    assert tables.rows["application-draft"]["count"] == "1"
    assert tables.rows["application-awaiting_confirmation"]["count"] == "0"
    assert tables.rows["case-paid"]["count"] == str(Case.objects.filter(call=cast.call, state="paid").count())
    assert tables.rows["case-sum"]["count"] == "2"


def test_call_page_draws_its_charts_as_labelled_svg(client, login_as, cast, money):
    login_as("caseworker")
    response = client.get(reverse("statistics_call", args=[cast.call.pk]))
    tables = Tables(response.content.decode())
    assert len(tables.svgs) == 4
    for svg in tables.svgs:
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert f'id="{title_id}"' in response.content.decode()
        assert svg["viewbox"].startswith("0 0 ")
    assert "Fordelt, utbetalt og brukt per fylkeskommune" in tables.titles
    # The amounts are written beside the bars, as the kr filter writes them.
    assert f"kr{NBSP}850{NBSP}000" in response.content.decode()
    assert 'href="#table-counties"' in response.content.decode()


def test_every_payment_is_listed_with_its_attester_budget_holder_and_payment_file(client, login_as, cast, money):
    """Issue 14, item 7: the statistics show, for every payment, who attested it, the budget holder
    who approved it and the payment file it went in."""
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    payments = Payment.objects.filter(decision__case__call=cast.call).select_related(
        "attested_by", "approved_by", "batch", "recorded_by"
    )
    assert payments.count() == 2
    for payment in payments:
        row = tables.rows[f"payment-{payment.pk}"]
        assert tables.amount(f"payment-{payment.pk}", "amount") == payment.amount
        assert row["attested_by"] == payment.attested_by.full_name == cast.caseworker.full_name
        assert row["approved_by"] == payment.approved_by.full_name == cast.caseworker2.full_name
        assert row["payment_file"] == payment.batch.message_id != ""
        assert row["account"] == payment.account
        assert row["state"] == "Utbetalt"
        assert row["paid_on"] == payment.paid_on.strftime("%d.%m.%Y")


def test_a_payment_not_yet_approved_shows_no_approver_nor_file(client, login_as, cast):
    decision = decided(cast, submitted_case(cast), amount="100000")
    issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision.pk)
    payment = proposed_payment(cast, decision, "40000")
    login_as("caseworker")
    tables = page(client, reverse("statistics_call", args=[cast.call.pk]))
    row = tables.rows[f"payment-{payment.pk}"]
    assert (row["state"], row["attested_by"], row["approved_by"], row["payment_file"]) == ("Foreslått", "–", "–", "–")


def test_a_call_with_more_payments_than_the_page_lists_links_to_the_export(client, login_as, cast, money, monkeypatch):
    monkeypatch.setattr(statistics, "PAYMENT_ROWS", 1)
    login_as("caseworker")
    html = client.get(reverse("statistics_call", args=[cast.call.pk])).content.decode()
    assert len(Tables(html).rows.keys() & {f"payment-{p.pk}" for p in Payment.objects.all()}) == 1
    assert "Siden viser de første 1 utbetalingene." in html
    assert reverse("export_csv", args=[cast.call.pk, "payments"]) in html


# --- Query counts -----------------------------------------------------------------------------


def test_call_page_query_count_does_not_grow_with_applications(client, login_as, cast):
    login_as("caseworker")
    counties = iter([f.make_org(f"Fylke {i}") for i in range(50)])

    def add_rows(n):
        for _i in range(n):
            cheap_grant(cast, cast.call, next(counties))

    assert_constant_queries(client, reverse("statistics_call", args=[cast.call.pk]), add_rows)


def test_overview_query_count_does_not_grow_with_calls(client, login_as, cast):
    login_as("caseworker")
    years = iter(range(2000, 2020))
    county = cast.county_a

    def add_rows(n):
        for _i in range(n):
            call = f.make_call(cast.scheme, year=next(years), eligible=[county])
            cheap_grant(cast, call, county)

    assert_constant_queries(client, reverse("statistics_overview"), add_rows, small=1, large=8)


# --- Across the years -------------------------------------------------------------------------


def test_overview_has_a_row_per_year_with_the_database_sums(client, login_as, cast, money):
    earlier = f.make_call(cast.scheme, year=2024, open_now=False, eligible=[cast.county_a])
    cheap_grant(cast, earlier, cast.county_a, amount="80000")
    login_as("caseworker")
    response = client.get(reverse("statistics_overview"))
    tables = Tables(response.content.decode())
    for call in (cast.call, earlier):
        call.refresh_from_db()
        row = str(call.pk)
        paid = Decision.objects.filter(case__call=call, state="approved", kind="grant").aggregate(s=Sum("paid"))["s"]
        reports = AnnualReport.objects.filter(case__call=call, state="approved")
        assert tables.amount(row, "pot") == call.pot
        assert tables.amount(row, "allocated") == call.allocated
        assert tables.amount(row, "paid") == paid
        assert tables.amount(row, "used") == sum(r.grant + r.carried_in - r.unused() for r in reports)
        carried = CarryOver.objects.filter(report__decision__case__call=call).aggregate(s=Sum("amount"))["s"]
        assert tables.amount(row, "carried_over") == carried
        repaid = RepaymentClaim.objects.filter(decision__case__call=call).aggregate(s=Sum("repaid_amount"))["s"]
        assert tables.amount(row, "repaid") == repaid
        assert reverse("statistics_call", args=[call.pk]) in response.content.decode()
    assert tables.amount(str(earlier.pk), "used") == Decimal("60000")  # 40,000 + 20,000 spent of 80,000
    assert tables.amount("sum", "paid") == Decimal("1680000")
    assert tables.svgs and tables.svgs[0]["role"] == "img"


def test_unpublished_calls_are_shown_to_admins_only(client, login_as, cast):
    hidden = f.make_call(cast.scheme, year=2030, is_published=False, title="Hemmelig utlysning")
    login_as("caseworker")
    assert "Hemmelig utlysning" not in client.get(reverse("statistics_overview")).content.decode()
    assert client.get(reverse("statistics_call", args=[hidden.pk])).status_code == 404
    client.logout()
    login_as("admin")
    assert "Hemmelig utlysning" in client.get(reverse("statistics_overview")).content.decode()
    assert client.get(reverse("statistics_call", args=[hidden.pk])).status_code == 200


# --- Who may read them ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("caseworker", 200),
        ("admin", 200),
        ("auditor", 200),
        ("county_staff", 403),
        ("county_director", 403),
        ("staff_b", 403),
        ("stranger", 403),
    ],
)
def test_only_imdi_roles_read_the_statistics(client, login_as, cast, role, status):
    login_as(role)
    assert client.get(reverse("statistics_overview")).status_code == status
    assert client.get(reverse("statistics_call", args=[cast.call.pk])).status_code == status


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(reverse("statistics_call", args=[cast.call.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"] or "logg-inn" in response["Location"]


@pytest.mark.parametrize(("role", "status"), [("caseworker", 405), ("admin", 405), ("auditor", 403)])
def test_the_pages_take_no_posts(client, login_as, cast, role, status):
    login_as(role)
    assert client.post(reverse("statistics_overview")).status_code == status
    assert client.post(reverse("statistics_call", args=[cast.call.pk])).status_code == status
