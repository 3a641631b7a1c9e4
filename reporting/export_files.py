"""The export files: a dataset's columns, and writing its rows as CSV (streamed) or XLSX.

The formats, chosen so that a file opens right in Norwegian Excel and is still easy for a program:

- **CSV**: UTF-8 with a byte order mark (so Excel reads æ, ø and å), ``;`` between fields, amounts
  with two decimals and a decimal comma and no thousands separator (``1250000,00``), dates in ISO
  form (``2025-02-10``) and times in Norwegian time as ``2025-02-10 14:30``, yes/no as ``Ja``/``Nei``,
  states in words. A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
  an apostrophe in front, so that a spreadsheet never runs a county's text as a formula. No sum row.
- **XLSX**: amounts and counts as numbers, dates as dates (shown ``10.02.2025``), text always as text
  (never a formula), a bold, frozen header row with a filter, and a sum row below the data whose
  sums are added up as ``Decimal`` here, so they equal the database's sums to the øre.

Rows are read with ``values_list(...).iterator(chunk_size=2000)`` and written as they come: memory
does not grow with the number of rows (the CSV in pieces of 1000 rows; xlsxwriter in its
constant-memory mode, to a temporary file).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

import xlsxwriter
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Call

CHUNK = 2000  # rows fetched from the database at a time
CSV_BATCH = 1000  # rows per piece of the streamed CSV
ZERO = Decimal("0")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, AMOUNT, NUMBER, DATE, DATETIME, BOOL, CHOICE = "text", "amount", "number", "date", "datetime", "bool", "choice"


@dataclass(frozen=True)
class Column:
    key: str  # stable, for programs: never translated or renamed
    label: Any  # the header people read (translatable)
    source: str  # the field or annotation read with values_list
    kind: str = TEXT
    choices: type[models.Choices] | None = None
    width: int = 16


@dataclass(frozen=True)
class Dataset:
    key: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    queryset: Callable[[Call], QuerySet]

    def rows(self, call: Call) -> Iterator[tuple]:
        sources = [column.source for column in self.columns]
        return self.queryset(call).values_list(*sources).iterator(chunk_size=CHUNK)

    def count(self, call: Call) -> int:
        return self.queryset(call).count()


# --- CSV --------------------------------------------------------------------------------------


def _labels(column: Column) -> dict:
    return {value: str(label) for value, label in column.choices.choices}


def _csv_column(column: Column) -> Callable[[tuple], list]:
    """How one column of a batch of rows is written: a list comprehension per column rather than
    a function call per value (a third faster). ``None`` stays ``None``: csv writes it as empty."""
    kind = column.kind
    if kind == AMOUNT:
        return lambda values: [v if v is None else f"{v:.2f}".replace(".", ",") for v in values]
    if kind == DATE:
        return lambda values: [v if v is None else v.isoformat() for v in values]
    if kind == DATETIME:
        localtime = timezone.localtime
        return lambda values: [v if v is None else localtime(v).strftime("%Y-%m-%d %H:%M") for v in values]
    if kind == BOOL:
        yes, no = _("Ja"), _("Nei")
        return lambda values: [v if v is None else (yes if v else no) for v in values]
    if kind == CHOICE:
        labels = _labels(column)
        return lambda values: [v if v is None else labels.get(v, v) for v in values]
    if kind == NUMBER:
        return list
    return lambda values: [v if v is None or not v.startswith(FORMULA_STARTS) else "'" + v for v in values]


def csv_stream(dataset: Dataset, call: Call, *, keys: bool = False) -> Iterator[bytes]:
    """The CSV file in pieces of ``CSV_BATCH`` rows. Headers and labels are read now, in the
    request's language; the rows are read from the database while the response is sent."""
    header = [column.key if keys else str(column.label) for column in dataset.columns]
    converters = [_csv_column(column) for column in dataset.columns]

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")
        writer.writerow(header)
        rows = dataset.rows(call)
        while batch := list(islice(rows, CSV_BATCH)):
            columns = [convert(values) for convert, values in zip(converters, zip(*batch, strict=True), strict=True)]
            writer.writerows(zip(*columns, strict=True))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate(0)
        if buffer.tell():  # the header of an empty export
            yield buffer.getvalue().encode()

    return generate()


# --- XLSX -------------------------------------------------------------------------------------


def _sheet_name(dataset: Dataset) -> str:
    name = "".join(ch for ch in str(dataset.title) if ch not in "[]:*?/\\")
    return name[:31] or dataset.key


def write_xlsx(dataset: Dataset, call: Call, target) -> int:
    """Write the dataset as an XLSX workbook to ``target`` (a path or a binary file) in xlsxwriter's
    constant-memory mode; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet(_sheet_name(dataset))
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})
    date = workbook.add_format({"num_format": "dd.mm.yyyy"})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    columns = dataset.columns
    for index, column in enumerate(columns):
        sheet.set_column(index, index, max(column.width, min(len(str(column.label)) + 2, 40)))
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, str(column.label), bold)

    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
    yes, no = _("Ja"), _("Nei")

    def writer(column: Column) -> Callable[[int, int, Any], Any]:
        kind = column.kind
        if kind == AMOUNT:
            return lambda r, c, v: write_number(r, c, float(v), money)
        if kind == NUMBER:
            return lambda r, c, v: write_number(r, c, v)
        if kind == DATE:
            return lambda r, c, v: write_datetime(r, c, v, date)
        if kind == DATETIME:
            return lambda r, c, v: write_datetime(r, c, timezone.localtime(v).replace(tzinfo=None), moment)
        if kind == BOOL:
            return lambda r, c, v: write_string(r, c, yes if v else no)
        if kind == CHOICE:
            labels = _labels(column)
            return lambda r, c, v: write_string(r, c, labels.get(v, v))
        return lambda r, c, v: write_string(r, c, v) if v else None

    writers = list(enumerate(writer(column) for column in columns))
    amounts = [index for index, column in enumerate(columns) if column.kind == AMOUNT]
    totals = dict.fromkeys(amounts, ZERO)
    rows = 0
    for rows, row in enumerate(dataset.rows(call), start=1):
        for index, write in writers:
            value = row[index]
            if value is not None:
                write(rows, index, value)
        for index in amounts:
            if row[index] is not None:
                totals[index] += row[index]
    sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    if amounts:
        sheet.write_string(rows + 1, 0, _("Sum"), bold)
        for index in amounts:
            sheet.write_number(rows + 1, index, float(totals[index]), money_bold)
    workbook.close()
    return rows


def xlsx_file(dataset: Dataset, call: Call):
    """The workbook in an anonymous temporary file, rewound (closing it deletes it)."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, which deletes it)
    try:
        write_xlsx(dataset, call, tmp)
    except BaseException:
        tmp.close()
        raise
    tmp.seek(0)
    return tmp
