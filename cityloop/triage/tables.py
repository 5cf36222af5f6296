"""Reading the CSV files the triage commands take, with errors that say what to fix."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

# Excel saves UTF-8 with a byte-order mark; Chinese Windows tools often save GB18030.
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_BYTES = 512 * 1024 * 1024


class TableError(ValueError):
    """A file that cannot be read as the command needs it; the message names the problem."""


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, str]]

    def column(self, name: str, what: str) -> list[str]:
        """The values of column ``name`` (``what`` it should hold, for the error)."""
        if name not in self.columns:
            found = ", ".join(self.columns) or "none"
            raise TableError(
                f"no column {name!r} for the {what} (the file has: {found}); name it with --{what}"
            )
        return [(row.get(name) or "").strip() for row in self.rows]


def read_table(path: str | Path) -> Table:
    """A CSV file's header and rows; ``TableError`` for a missing, empty or unreadable file."""
    file = Path(path)
    if not file.is_file():
        raise TableError(f"{file}: no such file")
    if file.stat().st_size > MAX_BYTES:
        raise TableError(f"{file}: over {MAX_BYTES // 1024 // 1024} MiB")
    data = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(f"{file}: not UTF-8 or GB18030 text")
    if not text.strip():
        raise TableError(f"{file}: the file is empty")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    try:
        rows = [{k: v for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise TableError(f"{file}: not a readable CSV ({exc})") from None
    if not rows:
        raise TableError(f"{file}: a header but no rows")
    return Table(columns, rows)


def write_table(columns: list[str], rows: list[dict[str, str]]) -> str:
    """Rows as CSV text, columns in the order given."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
