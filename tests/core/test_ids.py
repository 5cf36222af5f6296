"""Row ids read from text a user typed."""

from __future__ import annotations

import pytest

from cityloop.core.ids import row_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("0", None),
        ("", None),
        ("-3", None),
        ("12a", None),
        ("²", None),
        ("١٢", None),
        (" 7", None),
    ],
)
def test_row_id_accepts_only_plain_digits_in_range(text: str, expected: int | None) -> None:
    assert row_id(text) == expected
