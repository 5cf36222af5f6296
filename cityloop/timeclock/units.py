"""The units a time limit is counted in, and the traffic-light colours of a running step."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeUnit(models.TextChoices):
    """Units of a time limit; the values are the strings the catalog CSV uses.

    ``minute`` and ``hour`` are clock time (urgent steps), ``calendar_day`` is the same wall-clock
    time N days later, ``working_hour`` and ``working_day`` count only the working calendar.
    """

    MINUTE = "minute", _("minutes")
    WORKING_HOUR = "working_hour", _("working hours")
    HOUR = "hour", _("clock hours")
    WORKING_DAY = "working_day", _("working days")
    CALENDAR_DAY = "calendar_day", _("calendar days")

    @property
    def is_working(self) -> bool:
        """Whether the unit counts only working time (and so depends on a calendar)."""
        return self in (TimeUnit.WORKING_HOUR, TimeUnit.WORKING_DAY)

    @classmethod
    def parse(cls, value: str | TimeUnit) -> TimeUnit:
        """The unit named by ``value``; ``clock_hour`` is accepted for ``hour``."""
        if isinstance(value, TimeUnit):
            return value
        found = _BY_VALUE.get(value)  # the common case, kept fast: deadlines are computed in bulk
        if found is not None:
            return found
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValidationError(
                {"unit": f"unknown time unit {value!r}; use one of {', '.join(cls.values)} (or clock_hour)"}
            ) from None


_BY_VALUE: dict[str, TimeUnit] = {unit.value: unit for unit in TimeUnit}
_ALIASES = {
    "clock_hour": "hour",
    "clock_hours": "hour",
    "hours": "hour",
    "minutes": "minute",
    "working_hours": "working_hour",
    "working_days": "working_day",
    "calendar_days": "calendar_day",
}


class Light(models.TextChoices):
    """A running step's traffic light: how much of its limit is used."""

    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")
