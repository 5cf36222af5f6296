"""Reading a row id out of text a user typed (a path, a query parameter)."""

from __future__ import annotations

# Ids are 64-bit on PostgreSQL and SQLite; a longer number cannot name a row, and binding it
# would fail in the driver (a 500) rather than find nothing.
_MAX_ID = 2**63 - 1


def row_id(text: str) -> int | None:
    """The id ``text`` spells in plain ASCII digits, or None if it spells no possible id."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= _MAX_ID else None
