"""``cityloop deadline``: answers checked by hand across the 2026 holidays, weekends and 调休 days."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def deadline(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("deadline", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        ("2026-02-13T16:00+08:00", "4", "working_hour", "2026-02-14T11:00:00+08:00"),
        ("2026-02-14T16:00+08:00", "2", "working_hour", "2026-02-24T09:00:00+08:00"),
        ("2026-02-13T10:00+08:00", "2", "working_day", "2026-02-24T10:00:00+08:00"),
        ("2026-02-27T10:00+08:00", "1", "working_day", "2026-02-28T10:00:00+08:00"),
        ("2026-09-30T15:00+08:00", "3", "working_day", "2026-10-10T15:00:00+08:00"),
        ("2026-09-30T15:00+08:00", "4", "working_hour", "2026-10-08T10:00:00+08:00"),
        ("2025-12-31T16:00+08:00", "3", "working_hour", "2026-01-04T10:00:00+08:00"),
        ("2026-02-13T16:00+08:00", "4", "clock_hour", "2026-02-13T20:00:00+08:00"),
        ("2026-02-13T16:00+08:00", "90", "minute", "2026-02-13T17:30:00+08:00"),
        ("2026-02-13T16:00+08:00", "10", "calendar_day", "2026-02-23T16:00:00+08:00"),
        # UTC in, Shanghai out; no offset means Shanghai.
        ("2026-02-13T08:00Z", "4", "working_hour", "2026-02-14T11:00:00+08:00"),
        ("2026-02-13T16:00", "4", "working_hour", "2026-02-14T11:00:00+08:00"),
    ],
)
def test_deadline(start: str, amount: str, unit: str, expected: str) -> None:
    out, err = deadline("--start", start, "--amount", amount, "--unit", unit)
    assert out == expected
    assert err == ""


def test_2027_is_answered_with_a_warning() -> None:
    out, err = deadline("--start", "2026-12-31T16:00+08:00", "--amount", "2", "--unit", "working_day")
    assert out == "2027-01-04T16:00:00+08:00"
    assert "provisional" in err and "2026-12-31" in err


def test_pauses_extension_and_json() -> None:
    out, _ = deadline(
        "--start",
        "2026-03-02T09:00+08:00",
        "--amount",
        "4",
        "--unit",
        "working_hour",
        "--pause",
        "2026-03-02T10:00+08:00/2026-03-02T11:00+08:00",
        "--extension",
        "1",
        "--json",
    )
    body = json.loads(out)
    assert body["deadline"] == "2026-03-02T17:00:00+08:00"
    assert body["provisional"] is False and body["amount"] == 5 and body["unit"] == "working_hour"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "fortnight"], "unknown time unit"),
        (["--unit", "hour", "--start", "13 Feb"], "not ISO 8601"),
        (["--unit", "hour", "--amount", "four"], "not a number"),
        (["--unit", "hour", "--calendar", "nowhere"], "no calendar"),
        (["--unit", "hour", "--pause", "2026-03-02T10:00+08:00"], "START/END"),
    ],
)
def test_bad_input_says_what_to_fix(args: list[str], message: str) -> None:
    base = {"--start": "2026-03-02T09:00+08:00", "--amount": "4"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [part for pair in base.items() for part in pair]
    with pytest.raises(CommandError, match=message):
        deadline(*flat)
