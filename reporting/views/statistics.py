"""IMDi's statistics: each call's money, per county and per cost category, its applications by state,
and each scheme across the years. Read-only pages for caseworkers, admins and auditors."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.formats import kr
from reporting import statistics, tables
from reporting.charts import Series, bar_chart, count
from reporting.permissions import can_view_statistics


def _figures_series(*keys: str) -> list[Series]:
    labels = {
        "pot": _("Ramme"),
        "allocated": _("Fordelt"),
        "paid": _("Utbetalt"),
        "used": _("Brukt"),
        "carried_over": _("Overført"),
        "repaid": _("Tilbakebetalt"),
        "budget": _("Budsjett (søkt)"),
        "granted": _("Tildelt"),
        "spent": _("Regnskap (brukt)"),
    }
    return [Series(key, labels[key]) for key in keys]


@require_GET
def statistics_overview(request):
    """Every scheme across the years: one row per call, with a chart of pot, allocated and paid."""
    membership = request.membership
    can_view_statistics(membership).or_403()
    schemes = statistics.across_years(statistics.visible_calls(membership))
    sections = []
    for scheme in schemes:
        table_id = f"table-scheme-{scheme.scheme_id}"
        chart = bar_chart(
            chart_id=f"chart-scheme-{scheme.scheme_id}",
            title=_("%(scheme)s: ramme, fordelt og utbetalt per år") % {"scheme": scheme.name},
            description=_(
                "Liggende stolper for hvert år fra %(first)s til %(last)s: rammen (helfarget), det som er "
                "fordelt (skravert) og det som er utbetalt (prikket), med beløpet ved hver stolpe."
            )
            % {"first": scheme.rows[0].year, "last": scheme.rows[-1].year},
            table_id=table_id,
            items=[{"year": row.year, "pot": row.pot, **row.figures.__dict__} for row in scheme.rows],
            label=lambda item: str(item["year"]),
            series=_figures_series("pot", "allocated", "paid"),
        )
        sums = tables.money_cells({"pot": scheme.pot, **scheme.totals.__dict__}) if len(scheme.rows) > 1 else None
        rows = tables.year_rows(scheme.rows)
        sections.append({"scheme": scheme, "chart": chart, "table_id": table_id, "rows": rows, "sums": sums})
    return render(request, "reporting/statistics/overview.html", {"sections": sections})


def _money_charts(stats, totals: list[dict]) -> dict:
    """The call's money: its totals, and each county's share."""
    return {
        "totals": bar_chart(
            chart_id="chart-totals",
            title=_("Utlysningens penger"),
            description=_(
                "Liggende stolper for rammen, det som er fordelt, utbetalt, brukt, overført til neste år "
                "og tilbakebetalt, med beløpet ved hver stolpe."
            ),
            table_id="table-totals",
            items=totals,
            label=lambda item: item["label"],
            series=[Series("value", _("Beløp"))],
            width=480,
            label_width=110,
        ),
        "counties": bar_chart(
            chart_id="chart-counties",
            title=_("Fordelt, utbetalt og brukt per fylkeskommune"),
            description=_(
                "Liggende stolper for hver fylkeskommune: fordelt (helfarget), utbetalt (skravert) og brukt "
                "etter godkjent årsrapport (prikket), med beløpet ved hver stolpe."
            ),
            table_id="table-counties",
            items=[{"name": row.name, **row.figures.__dict__} for row in stats.counties],
            label=lambda item: item["name"],
            series=_figures_series("allocated", "paid", "used"),
        ),
    }


def _other_charts(stats) -> dict:
    """Budget against accounts per cost category, and the cases by state."""
    return {
        "categories": bar_chart(
            chart_id="chart-categories",
            title=_("Budsjett, tildelt og regnskap per kostnadskategori"),
            description=_(
                "Liggende stolper for hver kostnadskategori: budsjettet fylkeskommunene søkte om (helfarget), "
                "det som er tildelt (skravert) og det regnskapene viser er brukt (prikket)."
            ),
            table_id="table-categories",
            items=stats.categories,
            label=lambda item: item.name,
            series=_figures_series("budget", "granted", "spent"),
        ),
        "cases": bar_chart(
            chart_id="chart-cases",
            title=_("Saker etter status"),
            description=_("Liggende stolper med antall saker i hver status."),
            table_id="table-case-states",
            items=stats.case_states,
            label=lambda item: item.label,
            series=[Series("count", _("Antall saker"))],
            fmt=count,
            width=520,
            label_width=200,
        ),
    }


def _category_rows(stats: statistics.CallStatistics) -> list[dict]:
    return [
        {
            "category_id": str(row.category_id),
            "name": row.name,
            "cells": tables.money_cells({"budget": row.budget, "granted": row.granted, "spent": row.spent}),
        }
        for row in stats.categories
    ]


@require_GET
def statistics_call(request, pk: int):
    """One call: its totals, each county's share, budget against accounts per cost category, and
    its applications and cases by state."""
    membership = request.membership
    can_view_statistics(membership).or_403()
    calls = statistics.visible_calls(membership).select_related("scheme")
    call = get_object_or_404(calls.only(*statistics.CALL_FIELDS), pk=pk)
    stats = statistics.call_statistics(call)
    totals = [
        {"key": s.key, "label": s.label, "value": stats.pot if s.key == "pot" else getattr(stats.totals, s.key)}
        for s in _figures_series("pot", *statistics.FIGURES)
    ]
    for item in totals:
        item["text"] = kr(item["value"])
    category_totals = stats.category_totals
    payments = stats.payments[: statistics.PAYMENT_ROWS]
    context = {
        "call": call,
        "stats": stats,
        "totals": totals,
        "charts": {**_money_charts(stats, totals), **_other_charts(stats)},
        "counties": tables.county_rows(stats.counties),
        "county_sums": tables.money_cells(stats.totals.__dict__),
        "categories": _category_rows(stats),
        "category_sums": tables.money_cells(
            {"budget": category_totals.budget, "granted": category_totals.granted, "spent": category_totals.spent}
        ),
        "case_total": sum(s.count for s in stats.case_states),
        "application_total": sum(s.count for s in stats.application_states),
        "payments": tables.payment_rows(payments),
        "payment_count": len(payments),
        "more_payments": len(stats.payments) > len(payments),
    }
    return render(request, "reporting/statistics/call.html", context)
