"""Excel workbooks (openpyxl): every table of a run, one sheet each, grades coloured."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cityloop.core.spreadsheets import append_row

from .tables import GRADE_COLOURS, Table


def _sheet_title(text: str, taken: set[str]) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", "", text)[:28] or "sheet"
    title, n = base, 2
    while title in taken:
        title, n = f"{base[:26]}-{n}", n + 1
    taken.add(title)
    return title


def workbook(tables: list[Table], sheet_names: list[str] | None = None) -> bytes:
    """An .xlsx file with one sheet per table: a title row, the header, then the rows."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for n, table in enumerate(tables):
        name = sheet_names[n] if sheet_names else table.title.split(" ")[-1]
        sheet = book.create_sheet(_sheet_title(name, taken))
        append_row(sheet, [table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        append_row(sheet, table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DCE6F1")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            append_row(sheet, row)
            if table.grade_column is not None:
                grade = row[table.grade_column]
                if grade in GRADE_COLOURS:
                    cell = sheet.cell(row=sheet.max_row, column=table.grade_column + 1)
                    cell.fill = PatternFill("solid", fgColor=GRADE_COLOURS[grade])
                    cell.font = Font(bold=True, color="FFFFFF")
        for column in range(1, len(table.header) + 1):
            width = max(
                [len(str(table.header[column - 1]))]
                + [len(str(r[column - 1] or "")) for r in table.rows[:200]]
            )
            sheet.column_dimensions[get_column_letter(column)].width = min(40, max(8, width * 1.6))
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
