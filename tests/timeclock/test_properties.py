"""Properties of the arithmetic, checked by hypothesis over 2004–2030 on the standard calendar."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.timeclock import clock
from cityloop.timeclock.units import TimeUnit

from .conftest import SHANGHAI, STANDARD

WORKING = [TimeUnit.WORKING_HOUR, TimeUnit.WORKING_DAY]
PERIODS = [(dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))]

moments = st.datetimes(
    min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(SHANGHAI)
).map(lambda d: d.replace(microsecond=0))
# Quarters of a unit: exact in microseconds for both working units.
amounts = st.integers(min_value=0, max_value=400).map(lambda q: q / 4)
units = st.sampled_from(WORKING)
all_units = st.sampled_from(list(TimeUnit))


def _add(start: dt.datetime, amount: float, unit: TimeUnit, **kw: object) -> dt.datetime:
    return clock.add(start, amount, unit, calendar=STANDARD, **kw)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(start=moments, amount=amounts, unit=units)
def test_elapsed_undoes_add(start: dt.datetime, amount: float, unit: TimeUnit) -> None:
    end = _add(start, amount, unit)
    assert clock.elapsed(start, end, unit, calendar=STANDARD) == amount


@settings(max_examples=400, deadline=None)
@given(start=moments, a=amounts, b=amounts, unit=units)
def test_adding_a_then_b_is_adding_a_plus_b(start: dt.datetime, a: float, b: float, unit: TimeUnit) -> None:
    assert _add(_add(start, a, unit), b, unit) == _add(start, a + b, unit)


@settings(max_examples=400, deadline=None)
@given(start=moments, amount=amounts.filter(lambda x: x > 0), unit=units)
def test_deadlines_fall_in_working_periods_of_working_days(
    start: dt.datetime, amount: float, unit: TimeUnit
) -> None:
    end = _add(start, amount, unit)
    assert end > start
    assert clock.is_working_day(end.date(), calendar=STANDARD), f"{end} is not a working day"
    assert any(a <= end.time() <= b for a, b in PERIODS), f"{end} is outside the working periods"


@settings(max_examples=300, deadline=None)
@given(start=moments, amount=amounts, unit=all_units, more=amounts)
def test_more_time_never_ends_earlier(start: dt.datetime, amount: float, unit: TimeUnit, more: float) -> None:
    assert _add(start, amount, unit) <= _add(start, amount + more, unit)


@settings(max_examples=300, deadline=None)
@given(
    start=moments,
    amount=amounts,
    unit=all_units,
    offset_hours=st.integers(min_value=0, max_value=24 * 30),
    length_hours=st.integers(min_value=0, max_value=24 * 10),
)
def test_time_on_hold_does_not_count(
    start: dt.datetime, amount: float, unit: TimeUnit, offset_hours: int, length_hours: int
) -> None:
    hold_start = start + dt.timedelta(hours=offset_hours)
    hold = [(hold_start, hold_start + dt.timedelta(hours=length_hours))]
    end = _add(start, amount, unit, pauses=hold)
    assert end >= _add(start, amount, unit)
    used = Fraction(clock.elapsed(start, end, unit, calendar=STANDARD, pauses=hold))
    assert abs(used - Fraction(amount)) < Fraction(1, 10**9)
