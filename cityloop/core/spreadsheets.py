"""Writing stored text into an Excel sheet safely (openpyxl), for every export of the project.

Text comes from users: a unit's name, a person's name, a reason. Two things in it must not reach a
workbook as they are: control characters, which the xlsx format cannot hold (openpyxl refuses the
whole sheet), and a leading "=", which openpyxl would store as a formula that runs in the reader's
Excel ("=HYPERLINK(…)"). Both are handled here, once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet


def cell_value(value: Any) -> Any:
    """``value`` as a sheet can hold it: text without the control characters xlsx refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_row(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append ``row`` to ``sheet`` as data: text cleaned, nothing stored as a formula."""
    sheet.append([cell_value(v) for v in row])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
            cell.data_type = "s"


def workbook(rows: Iterable[Iterable[Any]], *, title: str, widths: Iterable[int] = ()) -> bytes:
    """An .xlsx workbook of one sheet named ``title``: the first row a header, every cell below it
    text (phones and codes keep their leading zeros), columns as wide as ``widths`` says."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        append_row(sheet, row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
