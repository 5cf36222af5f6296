"""Reading a sheet people filled in by hand: an Excel workbook (.xlsx) or CSV in whatever encoding
Chinese Excel saved it in, its first row naming the columns in Chinese or English, in any order.

Shared by every import of a roster (the staff roster, the community set-up): each says which
columns it takes, what they may be called and how large a sheet may be; this module turns the file
into records with the row numbers the spreadsheet shows, or says what is wrong with it as a whole.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell of the sheet (row numbers as the spreadsheet shows them);
    ``column`` is the column's code, ``label`` its heading as the sheet's template names it."""

    row: int
    column: str
    reason: str
    label: str = ""

    @property
    def column_label(self) -> str:
        return self.label or self.column


class SheetError(ValidationError):
    """The file as a whole cannot be read as a sheet."""


def read_sheet(
    content: bytes, filename: str = "", *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> list[list[str]]:
    """The sheet's rows as text cells: an .xlsx workbook's first sheet, or CSV in any usual encoding
    (UTF-8 with or without a byte-order mark, GB18030). Reading stops one row past ``max_rows``."""
    if len(content) > max_bytes:
        raise SheetError({"file": too_large(max_bytes)})
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, max_rows)
    if filename.lower().endswith((".xlsx", ".xls")):
        raise SheetError({"file": _("this is not an Excel .xlsx workbook; save it as .xlsx or CSV")})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[unguard(c.strip()) for c in row] for row in csv.reader(io.StringIO(text))]
    raise SheetError({"file": _("the file is neither UTF-8 nor GB18030 text")})


def too_large(max_bytes: int) -> str:
    """The message for a file over ``max_bytes``, in the user's language."""
    if max_bytes == MAX_BYTES:
        return _("the file is larger than 2 MB")
    return _("the file is larger than %(mb)d MB") % {"mb": max_bytes // (1024 * 1024)}


def _read_xlsx(content: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SheetError({"file": _("the Excel file cannot be read")}) from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([_cell(v) for v in row])
        if len(rows) > max_rows + 1:
            break
    book.close()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number comes back as 13812345678.0
    return str(value).strip()


def choice_names(choices: type[Choices]) -> dict[str, str]:
    """Every way a sheet may write one of ``choices`` (its code, its English name in any case, its
    Chinese name) → its code."""
    names: dict[str, str] = {}
    for choice in choices:
        names[choice.value] = choice.value
        names[str(choice.label).lower()] = choice.value
        with translation.override("zh-hans"):
            names[str(choice.label)] = choice.value
    return names


def records(
    rows: list[list[str]],
    *,
    aliases: Mapping[str, str],
    headers: Mapping[str, str],
    required: Sequence[str],
    max_rows: int = MAX_ROWS,
    empty: str = "",
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The data rows as records keyed by column code (each with its ``row`` number; a column the
    header lacks reads as empty), or the errors of the sheet as a whole: empty, a ``required``
    column missing, more than ``max_rows`` rows. ``aliases`` maps every accepted heading (lower
    case) to its column code; ``headers`` each code to the heading the template uses."""
    if not rows or not any(rows[0]):
        return [], [RowError(1, "", _("the sheet is empty"))]
    header = [aliases.get(h.strip().lower().lstrip("\ufeff"), "") for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        reason = _("missing column %(columns)s") % {"columns": "、".join(headers[c] for c in missing)}
        return [], [RowError(1, missing[0], reason, headers[missing[0]])]
    if len(rows) - 1 > max_rows:
        return [], [RowError(max_rows + 2, "", _("more than %(n)d rows: split the sheet") % {"n": max_rows})]
    found: list[dict[str, Any]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        record: dict[str, Any] = {"row": number, **dict.fromkeys(headers, "")}
        taken: set[str] = set()
        for index, name in enumerate(header):
            if name and name not in taken:
                taken.add(name)
                record[name] = row[index].strip() if index < len(row) else ""
        found.append(record)
    if not found:
        return [], [RowError(2, "", empty or _("the sheet has no rows of people"))]
    return found, []


# A cell starting with one of these is a formula to a spreadsheet: a name such as "=HYPERLINK(…)"
# written by one user must not run in an administrator's Excel. CSV cells get a leading apostrophe
# (which reading the sheet back removes); workbook cells are stored as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """A CSV cell that no spreadsheet takes for a formula."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def unguard(cell: str) -> str:
    """The cell as written before :func:`guard`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def to_csv(rows: list[list[str]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, which Excel opens as Chinese."""
    out = io.StringIO()
    csv.writer(out).writerows([[guard(c) for c in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")
