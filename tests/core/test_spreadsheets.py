"""Stored text reaches an Excel export whatever it holds, and never as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from cityloop.core.spreadsheets import append_row


def test_control_characters_are_dropped_and_formulas_stay_text():
    book = Workbook()
    sheet = book.active
    append_row(sheet, ['=HYPERLINK("http://evil.example","点我")', "东街道\x0b社区\x01", 3])
    out = io.BytesIO()
    book.save(out)  # openpyxl refuses a sheet with control characters: this must not raise
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert row[0] == '=HYPERLINK("http://evil.example","点我")'
    assert row[1] == "东街道社区" and row[2] == 3
    reread = load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert reread.data_type == "s"  # text, not a formula Excel would run
