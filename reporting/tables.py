"""The rows of the statistics pages' long tables (a scheme's years, a call's counties and its
payments), written as HTML here with every text escaped; the tables around them (caption, column
headers with their scope, sums) stay in the templates.

A call's page has hundreds of rows of ten cells, and the template language took some 50 µs to write
one (a lookup, a filter and an escape per cell): as long as the queries. Each amount is written once,
with ``portal.formats.kr``.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from grants.models import Case, Payment
from portal.formats import kr
from portal.links import pk_url
from reporting.statistics import CountyRow, YearRow

NO_VALUE = "–"  # in a cell with nothing to show yet


def _html(rows) -> SafeString:
    return mark_safe("\n".join(rows))  # noqa: S308 -- every text in the rows is escaped


def money_cells(figures: dict[str, Decimal]) -> SafeString:
    """A row's amounts as its ``<td class="text-end" data-figure="...">`` cells, in the order given."""
    cells = (f'<td class="text-end" data-figure="{key}">{escape(kr(amount))}</td>' for key, amount in figures.items())
    return mark_safe("".join(cells))  # noqa: S308 -- our figure names, and escaped amounts


def year_rows(rows: list[YearRow]) -> SafeString:
    """A scheme's years: the year, linking to the call's statistics, the call's title and its figures."""
    statistics_for = escape(_("statistikk for"))
    unpublished = f' <span class="status-tag status-closed">{escape(_("Ikke publisert"))}</span>'
    call_url = pk_url("statistics_call")
    lines = []
    for row in rows:
        url, title = escape(call_url(row.call_id)), escape(row.title)
        lines.append(
            f'<tr data-call="{row.call_id}"><th scope="row"><a href="{url}">{row.year}'
            f'<span class="visually-hidden"> – {statistics_for} {title}</span></a></th>'
            f"<td>{title}{'' if row.is_published else unpublished}</td>"
            f"{money_cells({'pot': row.pot, **row.figures.__dict__})}</tr>"
        )
    return _html(lines)


def county_rows(counties: list[CountyRow]) -> SafeString:
    """Each county with a case in the call: its name, the case's state and its figures."""
    states = {state: escape(str(label)) for state, label in Case.State.choices}
    return _html(
        f'<tr data-row="county-{row.organisation_id}"><th scope="row">{escape(row.name)}</th>'
        f"<td>{states.get(row.case_state) or escape(row.case_state)}</td>{money_cells(row.figures.__dict__)}</tr>"
        for row in counties
    )


def payment_rows(payments: list[dict]) -> SafeString:
    """Each payment (``reporting.statistics.payment_rows``): the county and application, the amount, the
    state in words, the account, who proposed, attested and approved it, its payment file and the day it
    was paid, with a dash for what is not there yet."""
    states = {state: escape(str(label)) for state, label in Payment.State.choices}

    def text(value) -> str:
        return escape(value) if value else NO_VALUE

    return _html(
        f'<tr data-row="payment-{row["pk"]}"><th scope="row">{escape(row["organisation"])}</th>'
        f"<td>{escape(row['application'])}</td>"
        f'<td class="text-end" data-figure="amount">{escape(kr(row["amount"]))}</td>'
        f'<td data-figure="state">{states.get(row["state"]) or escape(row["state"])}</td>'
        f'<td data-figure="account">{text(row["account"])}</td>'
        f'<td data-figure="proposed_by">{escape(row["proposer"])}</td>'
        f'<td data-figure="attested_by">{text(row["attester"])}</td>'
        f'<td data-figure="approved_by">{text(row["approver"])}</td>'
        f'<td data-figure="payment_file">{text(row["payment_file"])}</td>'
        f'<td data-figure="paid_on">{row["paid_on"].strftime("%d.%m.%Y") if row["paid_on"] else NO_VALUE}</td></tr>'
        for row in payments
    )
