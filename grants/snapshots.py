"""What an application says, as plain data and as people read it.

- ``build_snapshot``: the whole application as plain data, frozen in each submission (what the
  receipt shows and what never changes).
- ``present``: a snapshot as sections of (label, value) rows, the same for "check your answers", the
  confirmation page, a submitted version and the receipt PDF.
- ``totals``: the budget per cost category and in all (R9), for the page, the live totals (htmx),
  the snapshot and the receipt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from grants.models import Application, PartnerKind
from grants.sections import SECTIONS, field_label, section_fields
from portal.formats import ZERO, kr

# --- The budget -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTotal:
    category_id: int
    name: str
    total: Decimal


@dataclass(frozen=True)
class Totals:
    categories: list[CategoryTotal]
    total: Decimal


def totals(categories: Iterable, lines: Iterable[tuple[int, Decimal]]) -> Totals:
    """``lines`` are (category id, amount) pairs; every category of the call is listed, also at 0."""
    sums: dict[int, Decimal] = {}
    for category_id, amount in lines:
        if category_id is not None and amount is not None:
            sums[category_id] = sums.get(category_id, ZERO) + amount
    rows = [CategoryTotal(c.pk, c.name, sums.get(c.pk, ZERO)) for c in categories]
    return Totals(rows, sum((row.total for row in rows), ZERO))


# --- The snapshot -----------------------------------------------------------------------------


def _value(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "full_name"):  # a named person of the county (the accounts' approvers): the name
        return value.full_name
    return value.isoformat()


def build_snapshot(application: Application) -> dict:
    """The whole application as plain data: what the receipt shows and what never changes. The call's
    title and the cost categories' names are the county's written standard's, whatever language the
    person who confirms reads the portal in."""
    with translation.override(application.organisation.written_standard or "nb"):
        return _snapshot(application)


def _snapshot(application: Application) -> dict:
    fields = [f for section in SECTIONS for f in section.fields]
    agreements = list(application.active_agreements())
    lines = list(application.budget_lines.select_related("category"))
    categories = list(application.call.cost_categories.all())
    budget = totals(categories, [(line.category_id, line.amount) for line in lines])
    return {
        "reference": application.reference,
        "call": {"id": application.call_id, "title": application.call.title, "year": application.call.year},
        "organisation": {"name": application.organisation.name, "orgnr": application.organisation.orgnr},
        "fields": {field: _value(getattr(application, field)) for field in fields},
        "agreements": [
            {
                "id": a.pk,
                "partner_kind": a.partner_kind,
                "partner_name": a.partner_name,
                "file": a.original_name,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in agreements
        ],
        "budget": {
            "lines": [
                {
                    "category": line.category.name,
                    "category_id": line.category_id,
                    "amount": str(line.amount),
                    "description": line.description,
                }
                for line in lines
            ],
            "categories": [
                {"id": row.category_id, "name": row.name, "total": str(row.total)} for row in budget.categories
            ],
            "total": str(budget.total),
        },
        "sent_by": application.sent_by.full_name if application.sent_by else "",
        "sent_at": _value(application.sent_at),
    }


# --- Reading the budget back -----------------------------------------------------------------
#
# A snapshot names each cost category in the county's written standard, and keeps its id: IMDi's
# caseworkers read the same category under its bokmål name. The amounts are matched to the call's
# categories by id; a snapshot made before the ids were kept, by name in either standard.


def _names(category) -> set[str]:
    return {
        name for name in (category.name, getattr(category, "name_nb", ""), getattr(category, "name_nn", "")) if name
    }


def _category_of(row: dict, categories: list, id_key: str, name_key: str):
    if row.get(id_key) is not None:
        return next((category for category in categories if category.pk == row[id_key]), None)
    return next((category for category in categories if row[name_key] in _names(category)), None)


def requested_per_category(snapshot: dict, categories: Iterable) -> dict[int, Decimal]:
    """What the snapshot applied for in each of ``categories``, by category id (0 where it asked nothing)."""
    categories = list(categories)
    found = {category.pk: ZERO for category in categories}
    for row in snapshot["budget"]["categories"]:
        category = _category_of(row, categories, "id", "name")
        if category is not None:
            found[category.pk] += Decimal(str(row["total"]))
    return found


def line_categories(snapshot: dict, categories: Iterable) -> list[int | None]:
    """The cost category id of each budget line of the snapshot, in the snapshot's order."""
    categories = list(categories)
    lines = snapshot["budget"]["lines"]
    return [getattr(_category_of(line, categories, "category_id", "category"), "pk", None) for line in lines]


# --- As people read it ------------------------------------------------------------------------

AMOUNT_FIELDS = {"carry_over_amount"}
DATE_FIELDS = {"period_start", "period_end"}


@dataclass
class AnswerSection:
    slug: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    agreements: list[dict] = field(default_factory=list)
    budget: dict | None = None


def _display(name: str, value) -> str:
    if value is None or value == "":
        return _("Ikke besvart")
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if name in AMOUNT_FIELDS:
        return kr(Decimal(value))
    if name in DATE_FIELDS:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    return str(value)


def present(snapshot: dict) -> list[AnswerSection]:
    fields = snapshot["fields"]
    sections = []
    for section in SECTIONS:
        part = AnswerSection(section.slug, str(section.title))
        for name in section_fields(section.slug):
            part.rows.append((field_label(name), _display(name, fields.get(name))))
        if section.slug == "avtaler":
            part.agreements = [
                {**a, "kind_label": PartnerKind(a["partner_kind"]).label} for a in snapshot.get("agreements", [])
            ]
        if section.slug == "budsjett":
            part.budget = {
                "lines": [{**line, "amount": Decimal(line["amount"])} for line in snapshot["budget"]["lines"]],
                "categories": [{**c, "total": Decimal(c["total"])} for c in snapshot["budget"]["categories"]],
                "total": Decimal(snapshot["budget"]["total"]),
            }
        sections.append(part)
    return sections
