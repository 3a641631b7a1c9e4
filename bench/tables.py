"""What a measure returns (a ``Table`` of rows under ``Column`` titles), how it is printed, and the
``Timer`` that prints each phase of a run with its duration."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Column:
    title: str
    key: str
    fmt: str = "{}"
    align: str = ">"


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render(table: Table) -> str:
    def cell(column: Column, row: dict) -> str:
        value = row.get(column.key)
        if value is None or value == "":
            return "–"
        try:
            return column.fmt.format(value)
        except (ValueError, TypeError):
            return str(value)

    cells = [[cell(c, row) for c in table.columns] for row in table.rows]
    widths = [max([len(c.title)] + [len(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
    line = "  ".join(f"{c.title:{c.align}{w}}" for c, w in zip(table.columns, widths, strict=True))
    out = [line, "-" * len(line)]
    for r in cells:
        out.append("  ".join(f"{v:{c.align}{w}}" for v, c, w in zip(r, table.columns, widths, strict=True)))
    out += [f"* {note}" for note in table.notes]
    return "\n".join(out)


class Timer:
    def __init__(self):
        self.phases: dict[str, float] = {}

    def phase(self, name: str, func, *a, **kw):
        print(f"{name} …", end="", flush=True)
        begin = time.perf_counter()
        result = func(*a, **kw)
        self.phases[name] = round(time.perf_counter() - begin, 2)
        detail = f" ({result})" if isinstance(result, str) and result else ""
        print(f" {self.phases[name]:.1f} s{detail}", flush=True)
        return result
