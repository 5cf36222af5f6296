"""Fixtures for the working-time tests: Shanghai moments, and the standard calendar compiled
straight from the ``chinesecalendar`` package (no database, for the property tests)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest

from cityloop.timeclock import calendars
from cityloop.timeclock.clock import Schedule
from cityloop.timeclock.seed import package_days, package_years

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """``at("2026-02-13 16:00")``: an aware moment in Asia/Shanghai."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def package_schedule(**overrides: Any) -> Schedule:
    years = package_years()
    options: dict[str, Any] = {
        "periods": [(8 * 3600 + 1800, 12 * 3600), (14 * 3600, 17 * 3600 + 1800)],
        "weekdays": "12345",
        "days": {d.date: d.kind for d in package_days()},
        "tz": SHANGHAI,
        "known_from": dt.date(years[0], 1, 1),
        "known_until": dt.date(years[-1], 12, 31),
        "name": "package",
    }
    return Schedule(**{**options, **overrides})


STANDARD = package_schedule()


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    """Each test's calendar rows live in its own transaction; never reuse another test's compilation."""
    calendars.reset()
    yield
    calendars.reset()
