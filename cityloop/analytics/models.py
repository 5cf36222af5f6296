"""Roll-ups of reported cases, kept by the worker (``rollup.refresh``) so that pages never scan the
case table: an hourly count at the finest grain and a daily count per place level, both derived
data that can be rebuilt from the cases at any time."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

LEVELS = ("grid", "community", "street", "h3_8", "h3_9")
PLACE_COLUMNS = ("district", "grid", "community", "street", "h3_8", "h3_9")
HOW = "how"  # the daily table's hour-of-week rows: place is weekday × 24 + hour (local time)
CLASS = "class"  # the daily table's rows per category class (大类): place is the class's id
CHANNEL = "channel"  # the daily table's rows per channel: place is the channel's id


class HourlyCount(models.Model):
    """Cases reported in one UTC hour, per place, subclass and channel (voided and merged cases are
    not counted)."""

    hour = models.DateTimeField(_("hour"))
    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    community = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    grid = models.ForeignKey(
        "geo.Grid", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    h3_8 = models.CharField(max_length=16)
    h3_9 = models.CharField(max_length=16)
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    channel = models.ForeignKey("cases.Channel", on_delete=models.CASCADE, related_name="+", db_index=False)
    n = models.PositiveIntegerField(_("cases"))

    class Meta:
        verbose_name = _("hourly case count")
        verbose_name_plural = _("hourly case counts")
        indexes: ClassVar = [
            models.Index(fields=["hour"], name="analytics_hourly_hour_idx"),
            # The wall's intake today (per channel and hour in a district): one day's rows from the
            # index alone. Without it SQLite read the district's whole history through the channel
            # index below (250,000 cases: 55 ms → 1.5 ms; a million: about 700 ms before).
            models.Index(fields=["district", "hour", "channel", "n"], name="analytics_hourly_day_idx"),
            # Hotspots filtered by category or channel read these (the daily roll-up holds all cases
            # only): one class's or one channel's rows over a range of hours, from the index alone.
            models.Index(
                fields=[*PLACE_COLUMNS[:1], "category", "hour", *PLACE_COLUMNS[1:], "channel", "n"],
                name="analytics_hourly_cat_idx",
            ),
            models.Index(
                fields=[*PLACE_COLUMNS[:1], "channel", "hour", *PLACE_COLUMNS[1:], "category", "n"],
                name="analytics_hourly_chan_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h: {self.n}"


class DailyCount(models.Model):
    """All cases reported on one local day per place of one level (grid, community, street, two H3
    resolutions, or the hour of the week). Counts by category or channel come from the hourly
    roll-up: per place and day they would be nearly one row per case.

    Rows carry the territory (district, street, community) of their cases so the permission scope
    can filter them; a place that spans two communities has a row for each."""

    day = models.DateField(_("day"))
    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    community = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    level = models.CharField(max_length=12)
    place = models.CharField(max_length=20)
    n = models.PositiveIntegerField(_("cases"))

    class Meta:
        verbose_name = _("daily case count")
        verbose_name_plural = _("daily case counts")
        indexes: ClassVar = [
            models.Index(fields=["day"], name="analytics_daily_day_idx"),
            # The hotspot query: one level over a range of days, answered from the index.
            models.Index(
                fields=[
                    "district",
                    "level",
                    "day",
                    "place",
                    "street",
                    "community",
                    "n",
                ],
                name="analytics_daily_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.level} {self.place}: {self.n}"


class RollupState(models.Model):
    """How far the roll-ups have read: the last case id taken, and when the recent days were last
    recounted (to catch reclassified, voided and late-committed cases)."""

    name = models.CharField(max_length=32, unique=True)
    last_case_id = models.BigIntegerField(default=0)
    settled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("roll-up state")
        verbose_name_plural = _("roll-up states")

    def __str__(self) -> str:
        return f"{self.name}: case {self.last_case_id}"


class Closing(models.Model):
    """A closed case and the first report of the same subclass at the same spot after it closed (its
    grid, and its resolution-9 hexagon), kept by the roll-up's sweep so that recurrence (回潮) over a
    period is a count of indexed rows. ``*_gap`` is the seconds from the closing to that report
    (empty: none within ``closings.WINDOW``); a closing recurs within N days when its gap ≤ N days.

    Rows carry the case's territory and responsible unit, so the cases' own scope filters them."""

    case_id = models.BigIntegerField(primary_key=True)
    number = models.CharField(max_length=32)
    closed_at = models.DateTimeField()
    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    community = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        "geo.Grid", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    h3_9 = models.CharField(max_length=16)
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grid_again_id = models.BigIntegerField(null=True)
    grid_again_number = models.CharField(max_length=32, blank=True)
    grid_gap = models.PositiveIntegerField(null=True)
    hex_again_id = models.BigIntegerField(null=True)
    hex_again_number = models.CharField(max_length=32, blank=True)
    hex_gap = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("closed case for recurrence")
        verbose_name_plural = _("closed cases for recurrence")
        indexes: ClassVar = [
            # Recurrence over a period in a district: a range scan, counted from the index alone.
            models.Index(
                fields=[
                    "district",
                    "closed_at",
                    "category",
                    "grid_gap",
                    "hex_gap",
                    "street",
                    "responsible_unit",
                    "grid",
                    "h3_9",
                ],
                name="analytics_closing_idx",
            ),
            models.Index(fields=["closed_at"], name="analytics_closing_at_idx"),
            # A new report finds the closings at its spot in the window before it.
            models.Index(fields=["grid", "category", "closed_at"], name="analytics_closing_grid_idx"),
            models.Index(fields=["h3_9", "category", "closed_at"], name="analytics_closing_hex_idx"),
            models.Index(fields=["responsible_unit", "closed_at"], name="analytics_closing_unit_idx"),
            # Most closings at a busy spot hold their re-report long since: a new report is offered
            # only to those holding none (small partial indexes) and to those holding a later one.
            models.Index(
                fields=["grid", "category", "closed_at"],
                condition=models.Q(grid_again_id__isnull=True),
                name="analytics_closing_nogrid_idx",
            ),
            models.Index(
                fields=["h3_9", "category", "closed_at"],
                condition=models.Q(hex_again_id__isnull=True),
                name="analytics_closing_nohex_idx",
            ),
            # Partial as well, so that the planner never reads them for the closings holding none.
            models.Index(
                fields=["grid_again_id"],
                condition=models.Q(grid_again_id__isnull=False),
                name="analytics_closing_gagain_idx",
            ),
            models.Index(
                fields=["hex_again_id"],
                condition=models.Q(hex_again_id__isnull=False),
                name="analytics_closing_hagain_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} closed {self.closed_at:%Y-%m-%d}"


class BacklogCount(models.Model):
    """A snapshot of the open cases, brought up to date by every sweep (the groups whose count
    changed are rewritten): how many wait at each step, state, light and age (bucket of days since
    the report) per territory and responsible unit."""

    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    community = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    step = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=24)
    light = models.CharField(max_length=8, blank=True)
    bucket = models.PositiveSmallIntegerField()  # index into backlog.BUCKETS
    n = models.PositiveIntegerField(_("cases"))
    taken_at = models.DateTimeField()  # when this row was written (the snapshot's time: RollupState)

    class Meta:
        verbose_name = _("open case count")
        verbose_name_plural = _("open case counts")
        indexes: ClassVar = [
            models.Index(fields=["district", "street", "responsible_unit"], name="analytics_backlog_idx")
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.state} {self.light}: {self.n}"


from .briefings.models import Briefing, BriefingKind  # noqa: E402  (the app's models live in this module)
from .open_models import OpenCount  # noqa: E402

__all__ = [
    "HOW",
    "LEVELS",
    "BacklogCount",
    "Briefing",
    "BriefingKind",
    "Closing",
    "DailyCount",
    "HourlyCount",
    "OpenCount",
    "RollupState",
]
