"""Statistics for IMDi: what each call had, allocated, paid and got back, per county, per cost
category and across the years of a scheme.

The figures, as the pages explain them:

- pot (ramme): ``Call.pot``; allocated (fordelt): ``Call.allocated`` (per county: ``Case.allocated``);
- paid (utbetalt): the sum of ``Decision.paid`` of approved grant decisions that are not reversed;
- used (brukt): for each approved annual report, what of the grant and last year's carry-over
  the year's expenses used once other income is counted: ``paid + carried_in - unused``, which
  is ``min(paid + carried_in, max(0, spent - other_income))`` (``AnnualReport.unused``, in SQL);
- carried over (overført): the sum of ``CarryOver.amount`` of the call's reports;
- repaid (tilbakebetalt): the sum of ``RepaymentClaim.repaid_amount`` of the call's decisions.

Every function here runs a fixed number of queries, whatever the number of applications or calls:
a call's figures are correlated subqueries on its cases, never a query per row; across the years,
each call's sums are the ones the database keeps from the same rows (``CallFigures``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from grants.models import Application, BudgetLine, Call, Case, CostCategory, Decision, DecisionLine, Payment
from portal.formats import ZERO
from portal.models import Membership, Role
from reporting.models import AccountLine, AnnualReport, CarryOver, RepaymentClaim

MONEY = DecimalField(max_digits=16, decimal_places=2)
# The figures of a call (or a county's share of it), in the order the tables show them.
FIGURES = ("allocated", "paid", "used", "carried_over", "repaid")
# What the call's page reads of the call (its long texts stay in the database).
CALL_FIELDS = ("id", "title", "year", "is_published", "pot", "allocated", "scheme__name")


# --- Who sees which calls ---------------------------------------------------------------------


def visible_calls(membership: Membership | None):
    """The calls whose statistics ``membership`` may read: admins every call, the other IMDi roles
    the published ones (as on the dashboard's list of calls). Check the role first."""
    calls = Call.objects.all()
    if membership is None or membership.role != Role.ADMIN:
        calls = calls.filter(is_published=True)
    return calls


# --- The figures as SQL -----------------------------------------------------------------------


def _sum_of(queryset, group: str, column: str):
    """``SUM(column)`` of ``queryset``'s rows (already filtered on an OuterRef), as a scalar subquery."""
    summed = queryset.order_by().values(group).annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def used_expression():
    """What one annual report used of IMDi's money: ``min(paid + carried_in, max(0, spent -
    other_income))``, the same as ``paid + carried_in - AnnualReport.unused()``; the triggers that keep
    each call's ``CallFigures`` add the same (reporting.db_triggers)."""
    spent = F("spent_total")  # kept by the database (reporting.db_triggers), not summed per report
    from_imdi = F("decision__paid") + F("carried_in")
    return Least(from_imdi, Greatest(Value(ZERO), spent - F("other_income"), output_field=MONEY), output_field=MONEY)


def _paid(**lookup):
    return Decision.objects.grants_in_force().filter(**lookup)


def _figures_for(prefix: str, outer: str = "pk") -> dict:
    """Subquery annotations for paid, used, carried over and repaid of the rows whose ``prefix``
    (``case`` for a case, ``case__call`` for a call) is OuterRef(``outer``)."""
    ref = OuterRef(outer)
    reports = AnnualReport.objects.filter(state=AnnualReport.State.APPROVED, **{prefix: ref})
    used = reports.order_by().values(prefix).annotate(total=Sum(used_expression())).values("total")
    return {
        "paid": _sum_of(_paid(**{prefix: ref}), prefix, "paid"),
        "used": Coalesce(Subquery(used, output_field=MONEY), Value(ZERO), output_field=MONEY),
        "carried_over": _sum_of(
            CarryOver.objects.filter(**{f"report__decision__{prefix}": ref}), f"report__decision__{prefix}", "amount"
        ),
        "repaid": _sum_of(
            RepaymentClaim.objects.filter(**{f"decision__{prefix}": ref}), f"decision__{prefix}", "repaid_amount"
        ),
    }


# --- What the pages show ----------------------------------------------------------------------


@dataclass
class Figures:
    """Money of a call, or of one county's share of it (kr)."""

    allocated: Decimal = ZERO
    paid: Decimal = ZERO
    used: Decimal = ZERO
    carried_over: Decimal = ZERO
    repaid: Decimal = ZERO

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @classmethod
    def from_row(cls, row: dict) -> Figures:
        return cls(**{name: row[name] or ZERO for name in FIGURES})


@dataclass
class CountyRow:
    organisation_id: int
    name: str
    application_state: str
    case_state: str
    figures: Figures


@dataclass
class CategoryRow:
    """One cost category: the budgets applied for (budget lines of submitted applications), the
    grants (decision lines of approved, not reversed grants) and what was spent (account lines of
    submitted and approved annual reports)."""

    category_id: int
    name: str
    budget: Decimal
    granted: Decimal
    spent: Decimal


@dataclass
class StateCount:
    state: str
    label: str
    count: int


@dataclass
class CallStatistics:
    call: Call
    pot: Decimal
    totals: Figures
    counties: list[CountyRow]
    categories: list[CategoryRow]
    category_totals: CategoryRow
    application_states: list[StateCount]
    case_states: list[StateCount]
    payments: list[dict] = field(default_factory=list)


def call_statistics(call: Call) -> CallStatistics:
    """The call's figures, per county and per cost category, its applications by state and its
    payments: six queries, whatever the number of applications."""
    counties = _county_rows(call)
    totals = Figures()
    for row in counties:
        totals.add(row.figures)
    totals.allocated = call.allocated  # the same sum, kept by the database's trigger
    categories = category_rows(call)
    category_totals = CategoryRow(
        0,
        "",
        sum((c.budget for c in categories), ZERO),
        sum((c.granted for c in categories), ZERO),
        sum((c.spent for c in categories), ZERO),
    )
    application_states, case_states = state_counts(call)
    return CallStatistics(
        call=call,
        pot=call.pot,
        totals=totals,
        counties=counties,
        categories=categories,
        category_totals=category_totals,
        application_states=application_states,
        case_states=case_states,
        payments=payment_rows(call),
    )


PAYMENT_ROWS = 500  # the page lists this many at most; the export "payments" has every one


def payment_rows(call: Call) -> list[dict]:
    """The payments of the call's grants with their money controls (økonomiregelverket): who proposed
    and attested each, the budget holder who approved it, the payment file it went in and when it
    was paid. One query of plain values (a call has hundreds of payments: no model instances); the
    first ``PAYMENT_ROWS`` and one more, to tell that there are more. The county's name is its
    ``name`` as in ``_county_rows`` (a county's name is the same in both written standards,
    portal/translation.py)."""
    organisation = "decision__case__application__organisation__"
    return list(
        Payment.objects.filter(decision__case__call=call)
        .order_by(f"{organisation}name", "recorded_at", "pk")
        .values(
            "pk",
            "amount",
            "state",
            "paid_on",
            "account",
            application=F("decision__case__application__reference"),
            organisation=F(f"{organisation}name"),
            proposer=F("recorded_by__full_name"),
            attester=F("attested_by__full_name"),
            approver=F("approved_by__full_name"),
            payment_file=F("batch__message_id"),
        )[: PAYMENT_ROWS + 1]
    )


def _county_rows(call: Call) -> list[CountyRow]:
    """Each county with a case in the call (one application per county and call): one query."""
    rows = (
        Case.objects.filter(call=call)
        .annotate(**_figures_for("case"))
        .order_by("application__organisation__name", "pk")
        .values(
            "application__organisation_id",
            "application__organisation__name",
            "application__state",
            "state",
            "allocated",
            *FIGURES[1:],
        )
    )
    return [
        CountyRow(
            organisation_id=row["application__organisation_id"],
            name=row["application__organisation__name"],
            application_state=row["application__state"],
            case_state=row["state"],
            figures=Figures.from_row(row),
        )
        for row in rows
    ]


def category_rows(call: Call) -> list[CategoryRow]:
    """The call's cost categories with budget, granted and spent: one query."""
    ref = OuterRef("pk")
    budget = BudgetLine.objects.filter(category=ref, application__state=Application.State.SUBMITTED)
    granted = DecisionLine.objects.filter(
        category=ref,
        decision__kind=Decision.Kind.GRANT,
        decision__state=Decision.State.APPROVED,
        decision__reversed_at__isnull=True,
    )
    spent = AccountLine.objects.filter(
        category=ref, report__state__in=[AnnualReport.State.SUBMITTED, AnnualReport.State.APPROVED]
    )
    rows = (
        CostCategory.objects.filter(call=call)
        .annotate(
            budget=_sum_of(budget, "category", "amount"),
            granted=_sum_of(granted, "category", "granted"),
            spent=_sum_of(spent, "category", "spent"),
        )
        .order_by("order", "pk")
        .values("pk", "name", "budget", "granted", "spent")
    )
    return [CategoryRow(r["pk"], r["name"], r["budget"], r["granted"], r["spent"]) for r in rows]


def state_counts(call: Call) -> tuple[list[StateCount], list[StateCount]]:
    """How many of the call's applications, and of its cases, are in each state (every state listed,
    zeros too): two queries."""
    applications = dict(Application.objects.filter(call=call).order_by().values_list("state").annotate(n=Count("pk")))
    cases = dict(Case.objects.filter(call=call).order_by().values_list("state").annotate(n=Count("pk")))
    return (
        [StateCount(state, str(label), applications.get(state, 0)) for state, label in Application.State.choices],
        [StateCount(state, str(label), cases.get(state, 0)) for state, label in Case.State.choices],
    )


# --- Across the years -------------------------------------------------------------------------


@dataclass
class YearRow:
    call_id: int
    year: int
    title: str
    is_published: bool
    pot: Decimal
    figures: Figures


@dataclass
class SchemeYears:
    scheme_id: int
    name: str
    rows: list[YearRow] = field(default_factory=list)
    totals: Figures = field(default_factory=Figures)
    pot: Decimal = ZERO


def across_years(calls) -> list[SchemeYears]:
    """One row per call (year) of each scheme, oldest year first, with the scheme's totals: one query,
    whatever the number of calls or applications. Each call's sums are the ones the database keeps
    (``CallFigures``, reporting.db_triggers), the same as the call's page sums from its rows."""
    rows = calls.order_by("scheme__name", "scheme_id", "year").values(
        "pk",
        "year",
        "title",
        "is_published",
        "pot",
        "allocated",
        "scheme_id",
        "scheme__name",
        **{name: F(f"figures__{name}") for name in FIGURES[1:]},
    )
    schemes: dict[int, SchemeYears] = {}
    for row in rows:
        scheme = schemes.get(row["scheme_id"])
        if scheme is None:
            scheme = schemes[row["scheme_id"]] = SchemeYears(row["scheme_id"], row["scheme__name"])
        year = Figures.from_row(row)
        scheme.rows.append(YearRow(row["pk"], row["year"], row["title"], row["is_published"], row["pot"], year))
        scheme.totals.add(year)
        scheme.pot += row["pot"]
    return list(schemes.values())
