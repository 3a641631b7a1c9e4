"""Every figure the statistics pages show (issue 16: the pages were made cheaper to write; what a user
reads must not change). On a data set with several years, an unpublished call, counties with and
without money, payments in every state and amounts in øre, each cell of both pages is compared, as
text, with the kroner written from the rows themselves and summed here in Python, and each bar of
the charts with its table."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from grants.models import Application, BudgetLine, Case, Decision, DecisionLine, Payment
from portal.formats import kr
from reporting.models import AccountLine, AnnualReport, CarryOver, RepaymentClaim
from tests import factories as f
from tests.reporting.test_statistics import (  # noqa: F401
    approved_report,
    carry_over,
    cheap_grant,
    money,
    repaid_claim,
    written_grant,
)

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")
DASH = "–"


class Page(HTMLParser):
    """Each table row's cells (``th`` and ``td``) by the row's ``data-row`` or ``data-call``, as text
    with its spaces collapsed (a no-break space is kept), and the ``<title>`` of each bar."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.bars: set[str] = set()
        self._row: str | None = None
        self._cell: list[str] | None = None
        self._in_bar = self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and ("data-row" in attrs or "data-call" in attrs):
            self._row = attrs.get("data-row") or attrs.get("data-call")
            assert self._row not in self.rows, f"two rows {self._row}"
            self.rows[self._row] = []
        elif tag in ("th", "td") and self._row:
            self._cell = []
        elif tag == "rect":
            self._in_bar = True
        elif tag == "title" and self._in_bar:
            self._in_title = True
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._row and self._cell is not None:
            self.rows[self._row].append(collapse("".join(self._cell)))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "title" and self._in_title:
            self.bars.add(collapse("".join(self._cell)))
            self._in_title, self._cell = False, None
        elif tag == "rect":
            self._in_bar = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def collapse(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def get(client, url) -> Page:
    response = client.get(url)
    assert response.status_code == 200
    page = Page(response.content.decode())
    page.html = response.content.decode()
    return page


# --- The figures, from the rows ---------------------------------------------------------------


def in_force(decision: Decision) -> bool:
    return (decision.kind, decision.state, decision.reversed_at) == (Decision.Kind.GRANT, Decision.State.APPROVED, None)


def case_figures(case: Case) -> dict[str, Decimal]:
    """Allocated, paid, used, carried over and repaid of one case, as the pages explain them."""
    reports = AnnualReport.objects.filter(case=case, state=AnnualReport.State.APPROVED)
    return {
        "allocated": case.allocated,
        "paid": sum((d.paid for d in case.decisions.all() if in_force(d)), ZERO),
        "used": sum((r.grant + r.carried_in - r.unused() for r in reports), ZERO),
        "carried_over": sum((c.amount for c in CarryOver.objects.filter(report__case=case)), ZERO),
        "repaid": sum((c.repaid_amount or ZERO for c in RepaymentClaim.objects.filter(case=case)), ZERO),
    }


def call_figures(call) -> dict[str, Decimal]:
    figures = dict.fromkeys(("allocated", "paid", "used", "carried_over", "repaid"), ZERO)
    for case in Case.objects.filter(call=call):
        for name, amount in case_figures(case).items():
            figures[name] += amount
    return figures


def texts(figures: dict[str, Decimal]) -> list[str]:
    return [kr(amount) for amount in figures.values()]


# --- The data set -----------------------------------------------------------------------------


def accepted_grant(cast, call, organisation, amount: str) -> Decision:
    """A county's grant approved and accepted, nothing paid yet, and a payment of it proposed."""
    amount = Decimal(amount)
    decision = written_grant(
        cast,
        call,
        organisation,
        amount,
        reference=f"A-{call.pk}-{organisation.pk}",
        categories=[call.cost_categories.order_by("order").first()],
        case_state=Case.State.ACCEPTED,
        description="Tolk",
    )
    Payment.objects.create(decision=decision, amount=amount / 2, reference="B-2", recorded_by=cast.caseworker)
    return decision


@pytest.fixture
def years(cast, money):  # noqa: F811 (the fixture of test_statistics)
    """cast.call with ``money``'s two counties, county C's grant in øre, a fourth county's accepted
    grant with a payment proposed and a fifth county's case with no decision; three earlier years of
    cast.scheme with two to four counties each, and an unpublished year with one. The amounts are in
    øre that ``cheap_grant`` can take an eighth of (SQLite would keep a fraction of an øre)."""
    cheap_grant(cast, cast.call, cast.county_c, amount="12345.68")
    accepted_grant(cast, cast.call, f.make_org("Aksepterfylke"), "4321.10")
    waiting = f.make_org("Ventefylke")
    application = Application.objects.create(
        call=cast.call,
        organisation=waiting,
        state=Application.State.SUBMITTED,
        created_by=cast.staff_a,
        reference="V-1",
    )
    Case.objects.create(application=application, call=cast.call, state=Case.State.ASSESSING, allocated=Decimal("99.99"))
    calls = [cast.call]
    for year, counties in ((2021, 3), (2022, 4), (2023, 2)):
        call = f.make_call(
            cast.scheme, year=year, open_now=False, title=f"Integrering {year}", pot=Decimal("800000.10")
        )
        for i in range(counties):
            amount = Decimal(8 * (125000 + 15432 * i + year)) / 100
            cheap_grant(cast, call, f.make_org(f"Fylke {year}-{i}"), amount=str(amount))
        calls.append(call)
    hidden = f.make_call(cast.scheme, year=2019, open_now=False, is_published=False, title="Upublisert")
    cheap_grant(cast, hidden, f.make_org("Fylke 2019"), amount="777.76")
    return {"calls": calls, "hidden": hidden}


# --- The overview -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "caseworker"])
def test_overview_shows_every_year_with_its_figures_and_bars(client, login_as, cast, years, role):
    login_as(role)
    page = get(client, reverse("statistics_overview"))
    calls = [*years["calls"], years["hidden"]] if role == "admin" else years["calls"]
    assert set(page.rows) == {str(call.pk) for call in calls} | {"sum"}
    assert ("Upublisert" in str(page.rows)) == (role == "admin")
    pot, sums = ZERO, dict.fromkeys(("allocated", "paid", "used", "carried_over", "repaid"), ZERO)
    for call in calls:
        call.refresh_from_db()
        figures = call_figures(call)
        assert figures["allocated"] == call.allocated
        title = call.title + ("" if call.is_published else " Ikke publisert")
        expected = [f"{call.year} – statistikk for {call.title}", title, kr(call.pot), *texts(figures)]
        assert page.rows[str(call.pk)] == expected, call.year
        for label, amount in (("Ramme", call.pot), ("Fordelt", call.allocated), ("Utbetalt", figures["paid"])):
            assert f"{call.year}, {label}: {kr(amount)}" in page.bars
        pot += call.pot
        for name, amount in figures.items():
            sums[name] += amount
    assert page.rows["sum"] == ["Sum for alle årene", kr(pot), *texts(sums)]
    assert len(page.bars) == 3 * len(calls)
    for call in calls:
        assert f'<a href="{reverse("statistics_call", args=[call.pk])}">{call.year}<' in page.html


def test_the_figures_are_not_empty(cast, years):
    """The data set has every kind of figure, in øre too (else the comparisons above prove little)."""
    figures = call_figures(cast.call)
    assert all(amount > 0 for amount in figures.values()), figures
    assert any(amount % 1 for call in years["calls"] for amount in call_figures(call).values())


# --- One call ---------------------------------------------------------------------------------


def test_call_page_shows_every_county_category_payment_and_state(client, login_as, cast, years):
    call = cast.call
    call.refresh_from_db()
    login_as("auditor")
    page = get(client, reverse("statistics_call", args=[call.pk]))

    figures = call_figures(call)
    assert page.rows["pot"] == ["Ramme", kr(call.pot)]
    labels = {"allocated": "Fordelt", "paid": "Utbetalt", "used": "Brukt", "carried_over": "Overført"}
    for name, label in {**labels, "repaid": "Tilbakebetalt"}.items():
        assert page.rows[name] == [label, kr(figures[name])]
        assert f"{label}, Beløp: {kr(figures[name])}" in page.bars

    cases = Case.objects.filter(call=call).select_related("application__organisation")
    assert len(cases) == 5
    for case in cases:
        organisation = case.application.organisation
        county = case_figures(case)
        assert page.rows[f"county-{organisation.pk}"] == [organisation.name, case.get_state_display(), *texts(county)]
        for name in ("allocated", "paid", "used"):
            assert f"{organisation.name}, {labels[name]}: {kr(county[name])}" in page.bars
    assert page.rows["county-sum"] == ["Sum", *texts(figures)]

    sums = dict.fromkeys(("budget", "granted", "spent"), ZERO)
    for category in call.cost_categories.all():
        budget = BudgetLine.objects.filter(category=category, application__state=Application.State.SUBMITTED)
        granted = [line.granted for line in DecisionLine.objects.filter(category=category) if in_force(line.decision)]
        spent = AccountLine.objects.filter(category=category, report__state__in=["submitted", "approved"])
        row = {
            "budget": sum((line.amount for line in budget), ZERO),
            "granted": sum(granted, ZERO),
            "spent": sum((line.spent for line in spent), ZERO),
        }
        assert page.rows[f"category-{category.pk}"] == [category.name, *texts(row)]
        for name in sums:
            sums[name] += row[name]
    assert page.rows["category-sum"] == ["Sum", *texts(sums)]

    payments = Payment.objects.filter(decision__case__call=call).select_related(
        "decision__case__application__organisation", "recorded_by", "attested_by", "approved_by", "batch"
    )
    assert {p.state for p in payments} == {Payment.State.PAID, Payment.State.PROPOSED}
    for payment in payments:
        application = payment.decision.case.application
        assert page.rows[f"payment-{payment.pk}"] == [
            application.organisation.name,
            application.reference,
            kr(payment.amount),
            payment.get_state_display(),
            payment.account or DASH,
            payment.recorded_by.full_name,
            payment.attested_by.full_name if payment.attested_by else DASH,
            payment.approved_by.full_name if payment.approved_by else DASH,
            payment.batch.message_id if payment.batch else DASH,
            payment.paid_on.strftime("%d.%m.%Y") if payment.paid_on else DASH,
        ]
    assert sum(key.startswith("payment-") for key in page.rows) == len(payments) == 4

    for state, label in Application.State.choices:
        count = Application.objects.filter(call=call, state=state).count()
        assert page.rows[f"application-{state}"] == [str(label), str(count)]
    for state, label in Case.State.choices:
        count = cases.filter(state=state).count()
        assert page.rows[f"case-{state}"] == [str(label), str(count)]
        assert f"{label}, Antall saker: {count}" in page.bars
    assert page.rows["case-sum"] == ["I alt", "5"]


def test_names_and_titles_are_escaped(client, login_as, cast, years):
    cast.county_c.name = "Fylke <b>C</b> & co"
    cast.county_c.save()
    earlier = years["calls"][1]
    earlier.title = 'Utlysning <i>"2021"</i>'
    earlier.save()
    login_as("caseworker")
    html = client.get(reverse("statistics_call", args=[cast.call.pk])).content.decode()
    assert "<b>" not in html
    assert "Fylke &lt;b&gt;C&lt;/b&gt; &amp; co, Fordelt: " in html  # the bar's title in the chart
    rows = Page(html).rows
    assert rows[f"county-{cast.county_c.pk}"][0] == "Fylke <b>C</b> & co"
    payment = Payment.objects.get(decision__case__application__organisation=cast.county_c)
    assert rows[f"payment-{payment.pk}"][0] == "Fylke <b>C</b> & co"
    html = client.get(reverse("statistics_overview")).content.decode()
    assert "<i>" not in html
    assert Page(html).rows[str(earlier.pk)][:2] == [f"{earlier.year} – statistikk for {earlier.title}", earlier.title]
