"""A working calendar compiled for arithmetic (:class:`Schedule`): which days of 2000–2100 are worked
and at what hours, and the *measure* of a moment in each time unit — a count of microseconds that
only grows while the unit's time runs — and back. The deadline, elapsed-time and light functions
built on it are in :mod:`.clock`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError

from .units import TimeUnit

US = 1_000_000
DAY_US = 86_400 * US
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
_BASE = FIRST_DAY.toordinal()
_EPOCH_NAIVE = dt.datetime(2000, 1, 1)
_EPOCH_UTC = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
_CLOCK_US = {TimeUnit.MINUTE: 60 * US, TimeUnit.HOUR: 3600 * US, TimeUnit.CALENDAR_DAY: DAY_US}


class Schedule:
    """A calendar compiled for arithmetic: which days of 2000–2100 are worked and at what hours.

    ``days`` maps dates to "holiday", "workday" or "normal"; days not in it follow ``weekdays``.
    """

    __slots__ = (
        "_cum",
        "_flags",
        "_last_end",
        "_offsets",
        "_periods",
        "_work_days",
        "calendar_id",
        "day_us",
        "follows_holidays",
        "known_from",
        "known_until",
        "name",
        "tz",
        "version",
    )

    def __init__(
        self,
        *,
        periods: Sequence[tuple[int, int]],
        weekdays: str,
        days: dict[dt.date, str],
        tz: dt.tzinfo,
        follows_holidays: bool = True,
        known_from: dt.date | None = None,
        known_until: dt.date | None = None,
        calendar_id: int | None = None,
        name: str = "",
        version: int = 0,
    ) -> None:
        self.calendar_id, self.name, self.version, self.tz = calendar_id, name, version, tz
        self.follows_holidays, self.known_from, self.known_until = follows_holidays, known_from, known_until
        self._periods = tuple((a * US, b * US) for a, b in periods)
        offsets, total = [], 0
        for a, b in self._periods:
            offsets.append(total)
            total += b - a
        self._offsets = tuple(offsets)
        self.day_us = total
        self._last_end = self._periods[-1][1]
        working_weekdays = {int(c) for c in weekdays}
        count = LAST_DAY.toordinal() - _BASE + 1
        flags = bytearray(count)
        for i in range(count):
            day = FIRST_DAY + dt.timedelta(days=i)
            kind = days.get(day, "normal")
            flags[i] = kind == "workday" or (kind == "normal" and day.isoweekday() in working_weekdays)
        self._flags = bytes(flags)
        self._work_days = [i for i in range(count) if flags[i]]
        cum, n = [0] * (count + 1), 0
        for i in range(count):
            cum[i] = n
            n += flags[i]
        cum[count] = n
        self._cum = cum

    # -- moments to measures and back ----------------------------------------------------------
    def _local(self, moment: dt.datetime) -> tuple[int, int]:
        if moment.tzinfo is None:
            raise ValidationError("give an aware datetime (with a time zone), e.g. 2026-02-13T16:00+08:00")
        local = moment.astimezone(self.tz)
        day = local.toordinal() - _BASE
        if not 0 <= day < len(self._flags):
            raise ValidationError(f"{moment:%Y-%m-%d} is outside the supported years {FIRST_DAY.year}–2100")
        return day, ((local.hour * 60 + local.minute) * 60 + local.second) * US + local.microsecond

    def _moment(self, day: int, us: int) -> dt.datetime:
        return (_EPOCH_NAIVE + dt.timedelta(days=day, microseconds=us)).replace(tzinfo=self.tz)

    def working_us(self, moment: dt.datetime) -> int:
        """Working time from 1 January 2000 up to ``moment``, in microseconds."""
        day, us = self._local(moment)
        base = self._cum[day] * self.day_us
        if not self._flags[day]:
            return base
        for (start, end), offset in zip(self._periods, self._offsets, strict=True):
            if us <= start:
                return base + offset
            if us < end:
                return base + offset + us - start
        return base + self.day_us

    def at_working_us(self, total: int, *, at_period_start: bool) -> dt.datetime:
        """The moment when working time reaches ``total``. Where that is a boundary between periods,
        ``at_period_start`` picks the start of the next period rather than the end of the last."""
        k, rem = divmod(total, self.day_us)
        if rem == 0 and not at_period_start and k > 0:
            return self._moment(self._day_of_work(k - 1), self._last_end)
        day = self._day_of_work(k)
        for (start, end), offset in zip(self._periods, self._offsets, strict=True):
            length = end - start
            if rem < offset + length or (rem == offset + length and not at_period_start):
                return self._moment(day, start + rem - offset)
        return self._moment(day, self._last_end)  # pragma: no cover - rem < day_us always

    def _day_of_work(self, k: int) -> int:
        if k >= len(self._work_days):
            raise ValidationError("the deadline falls after 2100; use a shorter limit")
        return self._work_days[k]

    def measure(self, moment: dt.datetime, unit: TimeUnit) -> int:
        if unit is TimeUnit.MINUTE or unit is TimeUnit.HOUR:
            if moment.tzinfo is None:
                raise ValidationError("give an aware datetime (with a time zone)")
            return (moment - _EPOCH_UTC) // _ONE_US
        if unit is TimeUnit.CALENDAR_DAY:
            day, us = self._local(moment)
            return day * DAY_US + us
        return self.working_us(moment)

    def moment(self, value: int, unit: TimeUnit) -> dt.datetime:
        if unit is TimeUnit.MINUTE or unit is TimeUnit.HOUR:
            return (_EPOCH_UTC + dt.timedelta(microseconds=value)).astimezone(self.tz)
        if unit is TimeUnit.CALENDAR_DAY:
            day, us = divmod(value, DAY_US)
            return self._moment(day, us)
        return self.at_working_us(value, at_period_start=unit is TimeUnit.WORKING_DAY)

    def unit_us(self, unit: TimeUnit) -> int:
        if unit is TimeUnit.WORKING_HOUR:
            return 3600 * US
        if unit is TimeUnit.WORKING_DAY:
            return self.day_us
        return _CLOCK_US[unit]

    # -- days ------------------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        index = day.toordinal() - _BASE
        return 0 <= index < len(self._flags) and bool(self._flags[index])

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` lies in a working period (start included, end excluded)."""
        day, us = self._local(moment)
        return bool(self._flags[day]) and any(a <= us < b for a, b in self._periods)

    def is_known(self, day: dt.date) -> bool:
        """Whether the holiday schedule for ``day`` is loaded (always, for a calendar ignoring it)."""
        if not self.follows_holidays:
            return True
        return (
            self.known_until is not None
            and self.known_from is not None
            and (self.known_from <= day <= self.known_until)
        )
