"""Deadlines worked out by hand across the 2026 holidays, weekends and 调休 days (standard calendar:
08:30–12:00 and 14:00–17:30, Monday to Friday, national schedule)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cityloop.timeclock import clock
from cityloop.timeclock.clock import OnHold
from cityloop.timeclock.units import Light, TimeUnit

from .conftest import STANDARD, at, package_schedule


def add(start: str, amount: float, unit: str, **kw: object) -> dt.datetime:
    return clock.add(at(start), amount, unit, calendar=STANDARD, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # The example: Friday 16:00 + 4 working hours; Saturday 14 Feb is worked in lieu.
        ("2026-02-13 16:00", 4, "working_hour", "2026-02-14 11:00"),
        ("2026-02-13 16:00", 8, "working_hour", "2026-02-14 17:00"),
        # Saturday 14 Feb runs out, 15–23 Feb are off: the rest is on Tuesday 24 Feb.
        ("2026-02-14 16:00", 2, "working_hour", "2026-02-24 09:00"),
        ("2026-02-13 10:00", 1, "working_day", "2026-02-14 10:00"),
        ("2026-02-13 10:00", 2, "working_day", "2026-02-24 10:00"),
        # Saturday 28 Feb is worked too.
        ("2026-02-27 10:00", 1, "working_day", "2026-02-28 10:00"),
        ("2026-02-27 10:00", 2, "working_day", "2026-03-02 10:00"),
        # A start inside the holiday counts from the next working period (Tuesday 24 Feb 08:30).
        ("2026-02-18 09:00", 1, "working_hour", "2026-02-24 09:30"),
        ("2026-02-18 09:00", 1, "working_day", "2026-02-25 08:30"),
        # National Day: 1–7 Oct off, Saturday 10 Oct worked.
        ("2026-09-30 15:00", 4, "working_hour", "2026-10-08 10:00"),
        ("2026-09-30 15:00", 3, "working_day", "2026-10-10 15:00"),
        # Mid-autumn: Sunday 20 Sep worked, Friday 25 Sep off.
        ("2026-09-18 10:00", 1, "working_day", "2026-09-20 10:00"),
        ("2026-09-24 10:00", 1, "working_day", "2026-09-28 10:00"),
        # Labour Day: 1–5 May off, Saturday 9 May worked.
        ("2026-04-30 17:00", 1, "working_hour", "2026-05-06 09:00"),
        ("2026-05-08 11:00", 1, "working_day", "2026-05-09 11:00"),
        # Year boundary: 1–3 Jan 2026 off, Sunday 4 Jan worked.
        ("2025-12-31 16:00", 3, "working_hour", "2026-01-04 10:00"),
        ("2025-12-31 16:00", 1, "working_day", "2026-01-04 16:00"),
        # An ordinary weekend.
        ("2026-03-07 10:00", 1, "working_hour", "2026-03-09 09:30"),
        ("2026-03-06 16:00", 2, "working_hour", "2026-03-09 09:00"),
        # Using up a period exactly ends at its end, not at the start of the next one.
        ("2026-03-02 08:30", 3.5, "working_hour", "2026-03-02 12:00"),
        ("2026-03-02 08:30", 7, "working_hour", "2026-03-02 17:30"),
        # Working days from outside working time: from the start of the next working period.
        ("2026-03-02 17:30", 1, "working_day", "2026-03-04 08:30"),
        ("2026-03-02 12:30", 1, "working_day", "2026-03-03 14:00"),
        ("2026-03-02 07:00", 1, "working_day", "2026-03-03 08:30"),
        ("2026-03-02 10:15", 0.5, "working_day", "2026-03-02 15:45"),
        # Clock units ignore the calendar.
        ("2026-02-13 16:00", 4, "hour", "2026-02-13 20:00"),
        ("2026-02-13 16:00", 4, "clock_hour", "2026-02-13 20:00"),
        ("2026-02-13 16:00", 30, "minute", "2026-02-13 16:30"),
        ("2026-02-13 23:50", 30, "minute", "2026-02-14 00:20"),
        ("2026-02-13 16:00", 3, "calendar_day", "2026-02-16 16:00"),
    ],
)
def test_hand_checked(start: str, amount: float, unit: str, expected: str) -> None:
    assert add(start, amount, unit) == at(expected)


def test_results_are_shown_in_shanghai_time() -> None:
    result = clock.add(dt.datetime(2026, 2, 13, 8, 0, tzinfo=dt.UTC), 4, "working_hour", calendar=STANDARD)
    assert result.isoformat() == "2026-02-14T11:00:00+08:00"


def test_decimal_and_zero_amounts() -> None:
    assert add("2026-03-02 09:00", Decimal("1.5"), "working_hour") == at("2026-03-02 10:30")
    assert add("2026-03-07 10:00", 0, "working_hour") == at("2026-03-07 10:00")


def test_2027_is_provisional_not_an_error() -> None:
    found = clock.deadline(at("2026-12-31 16:00"), 2, "working_day", calendar=STANDARD)
    # 1 Jan 2027 is unknown, so it counts as an ordinary Friday.
    assert found.at == at("2027-01-04 16:00")
    assert found.provisional
    assert "2026-12-31" in found.warning
    inside = clock.deadline(at("2026-12-30 10:00"), 1, "working_day", calendar=STANDARD)
    assert inside.at == at("2026-12-31 10:00") and not inside.provisional
    later = clock.deadline(at("2027-03-01 10:00"), 1, "working_hour", calendar=STANDARD)
    assert later.at == at("2027-03-01 11:00") and later.provisional
    assert not clock.deadline(at("2027-03-01 10:00"), 1, "hour", calendar=STANDARD).provisional


def test_far_outside_the_supported_years_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="supported years"):
        clock.add(at("1999-06-01 10:00"), 1, "working_day", calendar=STANDARD)
    with pytest.raises(ValidationError, match="aware"):
        clock.add(dt.datetime(2026, 3, 2, 9), 1, "working_hour", calendar=STANDARD)
    with pytest.raises(ValidationError, match="unknown time unit"):
        clock.add(at("2026-03-02 09:00"), 1, "fortnight", calendar=STANDARD)
    with pytest.raises(ValidationError, match="negative"):
        clock.add(at("2026-03-02 09:00"), -1, "hour", calendar=STANDARD)


def test_pauses_do_not_count() -> None:
    start = "2026-03-02 09:00"  # Monday; 4 working hours end at 15:00
    assert add(start, 4, "working_hour") == at("2026-03-02 15:00")
    one_hour = [(at("2026-03-02 10:00"), at("2026-03-02 11:00"))]
    assert add(start, 4, "working_hour", pauses=one_hour) == at("2026-03-02 16:00")
    # On hold from Monday 11:00 to Tuesday 09:00: 5 working hours do not count.
    overnight = [(at("2026-03-02 11:00"), at("2026-03-03 09:00"))]
    assert add(start, 4, "working_hour", pauses=overnight) == at("2026-03-03 11:00")
    # Holds outside working time, or after the deadline, change nothing.
    night = [(at("2026-03-02 18:00"), at("2026-03-03 08:00"))]
    assert add(start, 4, "working_hour", pauses=night) == at("2026-03-02 15:00")
    late = [(at("2026-03-02 16:00"), at("2026-03-02 17:00"))]
    assert add(start, 4, "working_hour", pauses=late) == at("2026-03-02 15:00")
    # Overlapping windows count once.
    overlapping = [
        (at("2026-03-02 10:00"), at("2026-03-02 11:00")),
        (at("2026-03-02 10:30"), at("2026-03-02 11:30")),
    ]
    assert add(start, 4, "working_hour", pauses=overlapping) == at("2026-03-02 16:30")
    # Clock units pause in clock time.
    assert add(start, 2, "hour", pauses=[(at("2026-03-02 09:30"), at("2026-03-02 10:00"))]) == at(
        "2026-03-02 11:30"
    )
    with pytest.raises(OnHold):
        add(start, 4, "working_hour", pauses=[(at("2026-03-02 10:00"), None)])


def test_extension_adds_to_the_limit() -> None:
    found = clock.deadline(at("2026-03-02 09:00"), 4, "working_hour", calendar=STANDARD, extension=2)
    assert found.at == at("2026-03-02 17:00")
    assert found.amount == 6


def test_elapsed() -> None:
    assert (
        clock.elapsed(at("2026-03-02 09:00"), at("2026-03-03 09:00"), "working_hour", calendar=STANDARD) == 7
    )
    assert (
        clock.elapsed(at("2026-03-02 09:00"), at("2026-03-03 09:00"), "working_day", calendar=STANDARD) == 1
    )
    # Friday 16:00 to Tuesday 24 Feb 09:00: 1.5 + 7 (Saturday in lieu) + 0.5.
    assert (
        clock.elapsed(at("2026-02-13 16:00"), at("2026-02-24 09:00"), "working_hour", calendar=STANDARD) == 9
    )
    assert clock.elapsed(
        at("2026-02-13 16:00"), at("2026-02-24 09:00"), "calendar_day", calendar=STANDARD
    ) == (pytest.approx(10 + 17 / 24))
    assert clock.elapsed(at("2026-03-02 09:00"), at("2026-03-02 09:45"), "minute", calendar=STANDARD) == 45
    held = [(at("2026-03-02 10:00"), at("2026-03-02 11:00"))]
    assert (
        clock.elapsed(
            at("2026-03-02 09:00"), at("2026-03-02 12:00"), "working_hour", calendar=STANDARD, pauses=held
        )
        == 2
    )
    open_hold = [(at("2026-03-02 10:00"), None)]
    assert (
        clock.elapsed(
            at("2026-03-02 09:00"),
            at("2026-03-02 12:00"),
            "working_hour",
            calendar=STANDARD,
            pauses=open_hold,
        )
        == 1
    )
    assert (
        clock.elapsed(at("2026-03-03 09:00"), at("2026-03-02 09:00"), "working_hour", calendar=STANDARD) == -7
    )


def test_lights(settings: object) -> None:
    assert clock.light(0.5) == Light.GREEN == "green"
    assert clock.light(0.8) == "yellow"
    assert clock.light(1.0) == "yellow"
    assert clock.light(1.01) == "red"
    start, deadline = at("2026-03-02 09:00"), at("2026-03-02 15:00")  # 4 working hours
    assert (
        clock.light_for(start, deadline, at("2026-03-02 11:00"), "working_hour", calendar=STANDARD) == "green"
    )
    assert (
        clock.light_for(start, deadline, at("2026-03-02 14:12"), "working_hour", calendar=STANDARD)
        == "yellow"
    )
    # Lunch break: no working time passes, the light stays as it was at noon.
    assert (
        clock.light_for(start, deadline, at("2026-03-02 13:00"), "working_hour", calendar=STANDARD) == "green"
    )
    assert (
        clock.light_for(start, deadline, at("2026-03-02 15:00"), "working_hour", calendar=STANDARD)
        == "yellow"
    )
    assert (
        clock.light_for(start, deadline, at("2026-03-02 15:01"), "working_hour", calendar=STANDARD) == "red"
    )


def test_light_thresholds_come_from_settings(settings: object) -> None:
    settings.CITYLOOP_LIGHT_YELLOW_AT = 0.5  # type: ignore[attr-defined]
    assert clock.light(0.6) == "yellow"


def test_a_24_hour_calendar() -> None:
    round_the_clock = package_schedule(
        periods=[(0, 86400)], weekdays="1234567", days={}, follows_holidays=False
    )
    assert clock.add(at("2026-02-13 16:00"), 4, "working_hour", calendar=round_the_clock) == at(
        "2026-02-13 20:00"
    )
    assert clock.add(at("2026-02-15 03:00"), 1, "working_day", calendar=round_the_clock) == at(
        "2026-02-16 03:00"
    )
    assert not clock.deadline(at("2027-06-01 10:00"), 1, "working_day", calendar=round_the_clock).provisional


def test_working_day_helpers() -> None:
    assert clock.is_working_day(dt.date(2026, 2, 14), calendar=STANDARD)
    assert not clock.is_working_day(dt.date(2026, 2, 16), calendar=STANDARD)
    assert clock.is_working_time(at("2026-02-14 08:30"), calendar=STANDARD)
    assert not clock.is_working_time(at("2026-02-14 12:00"), calendar=STANDARD)
    assert TimeUnit.parse("Working_Days") is TimeUnit.WORKING_DAY
