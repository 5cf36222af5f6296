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


from .briefings.models import Briefing, BriefingKind  # noqa: E402  (the app's models live in this module)
from .open_models import OpenCount  # noqa: E402

__all__ = [
    "HOW",
    "LEVELS",
    "Briefing",
    "BriefingKind",
    "DailyCount",
    "HourlyCount",
    "OpenCount",
    "RollupState",
]
