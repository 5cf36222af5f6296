"""Working calendars, the national holiday schedule (with 调休), step timers and escalation rules.

A deadline depends on which days are worked and at which hours. That is data: a city default
calendar, optional overrides for a district or a unit (some units work around the clock), and the
national schedule of statutory holidays and weekend days worked in lieu, one row per exceptional day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .units import Light, TimeUnit

DEFAULT_PERIODS: list[list[str]] = [["08:30", "12:00"], ["14:00", "17:30"]]
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def default_periods() -> list[list[str]]:
    return [list(p) for p in DEFAULT_PERIODS]


def parse_hhmm(value: str) -> int:
    """Seconds after midnight for ``HH:MM`` (``24:00`` allowed as the end of the day)."""
    match = _HHMM.match(str(value).strip())
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


class WorkCalendar(models.Model):
    """When a unit works: weekdays, daily working periods, and whether the national schedule applies.

    The city default has ``is_default``; a calendar with a ``unit`` applies to that unit and every
    unit under it that has no calendar of its own (a district, or a 24-hour unit).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_calendars",
        verbose_name=_("unit"),
        help_text=_("Empty for the city default; a district or unit to override the default there."),
    )
    is_default = models.BooleanField(_("city default"), default=False)
    periods = models.JSONField(
        _("working periods"),
        default=default_periods,
        help_text=_('Daily working periods as [["08:30", "12:00"], ["14:00", "17:30"]].'),
    )
    all_day = models.BooleanField(_("works 24 hours"), default=False)
    weekdays = models.CharField(
        _("working weekdays"), max_length=7, default="12345", help_text=_("ISO weekday digits, 1=Monday.")
    )
    follow_holidays = models.BooleanField(
        _("follows the national holiday schedule"),
        default=True,
        help_text=_("Statutory holidays are off and 调休 weekend days are worked."),
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering: ClassVar = ["-is_default", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(unit__isnull=False), name="workcalendar_one_per_unit"
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="workcalendar_one_default"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_default=True, unit__isnull=False), name="workcalendar_default_no_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def period_seconds(self) -> list[tuple[int, int]]:
        """The working periods as (start, end) seconds after midnight; the whole day when 24-hour."""
        if self.all_day:
            return [(0, 86400)]
        return [(parse_hhmm(a), parse_hhmm(b)) for a, b in self.periods]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.is_default and self.unit_id:
            errors["unit"] = "the city default applies everywhere; leave the unit empty"
        digits = str(self.weekdays)
        if not digits or any(c not in "1234567" for c in digits) or len(set(digits)) != len(digits):
            errors["weekdays"] = "give each working weekday once as a digit 1–7 (1 = Monday), e.g. 12345"
        if not self.all_day:
            try:
                periods = self._checked_periods()
            except ValueError as exc:
                errors["periods"] = str(exc)
            else:
                if not periods:
                    errors["periods"] = "give at least one working period, or tick 'works 24 hours'"
        if errors:
            raise ValidationError(errors)

    def _checked_periods(self) -> list[tuple[int, int]]:
        if not isinstance(self.periods, list) or not all(
            isinstance(p, list | tuple) and len(p) == 2 for p in self.periods
        ):
            raise ValueError('write the periods as a list of ["HH:MM", "HH:MM"] pairs')
        periods = [(parse_hhmm(a), parse_hhmm(b)) for a, b in self.periods]
        last_end = 0
        for start, end in periods:
            if end <= start:
                raise ValueError("each working period must end after it starts")
            if start < last_end:
                raise ValueError("working periods must be in order and must not overlap")
            last_end = end
        return periods


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (off)")
    WORKDAY = "workday", _("worked in lieu (调休上班)")
    NORMAL = "normal", _("normal (weekday rule)")


class CalendarDay(models.Model):
    """A day that departs from the weekday rule: a holiday, a weekend day worked in lieu, or (in a
    calendar's own list) a day put back to normal. Rows without a calendar are the national schedule."""

    calendar = models.ForeignKey(
        WorkCalendar,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="days",
        verbose_name=_("calendar"),
        help_text=_("Empty for the national schedule; a calendar for a local exception."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 春节"))
    source = models.CharField(_("source"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering: ClassVar = ["date"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(calendar__isnull=True), name="calendarday_national_unique"
            ),
            models.UniqueConstraint(fields=["calendar", "date"], name="calendarday_calendar_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose national holiday schedule is fully loaded. The calendar is *known* up to the end
    of the last year of the run of loaded years; past it, deadlines are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("loaded holiday year")
        verbose_name_plural = _("loaded holiday years")
        ordering: ClassVar = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class StepTimer(models.Model):
    """The clock of one step of a case-like subject: its limit, deadline, pauses, light and outcome.

    Whether the step was on time and how long it took are frozen when it ends, so a month's figures
    can be reproduced later whatever happens to the calendar.
    """

    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    # No index of its own: steptimer_district_idx starts with it (every index costs each transition).
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    step = models.CharField(_("step"), max_length=32)
    started_at = models.DateTimeField(_("started at"))
    limit_amount = models.FloatField(_("limit"))
    limit_unit = models.CharField(_("limit unit"), max_length=16, choices=TimeUnit.choices)
    extension = models.FloatField(_("extension"), default=0, help_text=_("in the limit's unit"))
    # Nobody searches timers by calendar (deleting a calendar checks them once): no index.
    calendar = models.ForeignKey(
        WorkCalendar, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    calendar_version = models.BigIntegerField(default=0)
    pauses = models.JSONField(default=list, blank=True, help_text=_("[[start, end or null], …] in ISO 8601"))
    deadline_at = models.DateTimeField(
        _("deadline"), null=True, blank=True, help_text=_("empty while on hold")
    )
    warn_at = models.DateTimeField(_("turns yellow at"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    revision = models.PositiveIntegerField(default=0, help_text=_("moves with each extension"))
    light = models.CharField(_("light"), max_length=8, choices=Light.choices, default=Light.GREEN)
    warned_at = models.DateTimeField(_("turned yellow at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("went overdue at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True)
    elapsed = models.FloatField(_("elapsed"), null=True, blank=True, help_text=_("in the limit's unit"))
    rule_ref = models.JSONField(default=dict, blank=True, help_text=_("which limit (and version) set it"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("step timer")
        verbose_name_plural = _("step timers")
        ordering: ClassVar = ["started_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "step"],
                condition=models.Q(ended_at__isnull=True),
                name="steptimer_one_running_per_step",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["ended_at", "warn_at"], name="steptimer_warn_idx"),
            models.Index(fields=["ended_at", "deadline_at"], name="steptimer_deadline_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="steptimer_subject_idx"),
            models.Index(fields=["district", "step", "ended_at"], name="steptimer_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.step}"

    @property
    def unit(self) -> TimeUnit:
        return TimeUnit(self.limit_unit)

    @property
    def total_amount(self) -> float:
        """The limit plus approved extensions, in the limit's unit."""
        return float(self.limit_amount) + float(self.extension)

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def pause_windows(self) -> list[tuple[dt.datetime, dt.datetime | None]]:
        """The hold windows as datetimes (the last one open while on hold)."""
        return [
            (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b) if b else None)
            for a, b in self.pauses
        ]


class EscalationCondition(models.TextChoices):
    WARNING = "warning", _("yellow (warning)")
    OVERDUE = "overdue", _("red (overdue)")


class EscalationRule(models.Model):
    """When a step has been yellow or red for long enough, a unit acts: e.g. a case red for more than
    one working day is urged (督办) by the district centre. Rules are data, with effective dates."""

    name = models.CharField(_("name"), max_length=100)
    step = models.CharField(_("step"), max_length=32, blank=True, help_text=_("empty: every step"))
    subject_type = models.CharField(_("subject type"), max_length=64, blank=True, default="cases.case")
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text=_("empty: all")
    )
    condition = models.CharField(_("condition"), max_length=8, choices=EscalationCondition.choices)
    after_amount = models.FloatField(_("after"), default=0)
    after_unit = models.CharField(
        _("after unit"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAY
    )
    action = models.CharField(_("action"), max_length=32, help_text=_("e.g. urge"))
    acting_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("acting unit")
    )
    active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.after_amount < 0:
            raise ValidationError({"after_amount": "give zero or a positive amount"})
        if self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": "must be after 'valid from'"})

    def as_ref(self) -> dict[str, Any]:
        return {"rule": self.pk, "version": self.version, "name": self.name}


class Escalation(models.Model):
    """One escalation that fell due, recorded once per timer, rule and timer revision."""

    timer = models.ForeignKey(
        StepTimer, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("timer")
    )
    rule = models.ForeignKey(
        EscalationRule, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("rule")
    )
    rule_version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=0)
    action = models.CharField(max_length=32, verbose_name=_("action"))
    acting_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("acting unit")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["timer", "rule", "revision"], name="escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.timer}"
