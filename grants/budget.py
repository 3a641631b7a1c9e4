"""Budget totals per cost category and in all (R9): one function for the page, the live totals
(htmx), the snapshot of what was submitted and the receipt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


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
            sums[category_id] = sums.get(category_id, Decimal("0")) + amount
    rows = [CategoryTotal(c.pk, c.name, sums.get(c.pk, Decimal("0"))) for c in categories]
    return Totals(rows, sum((row.total for row in rows), Decimal("0")))
