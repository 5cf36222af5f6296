"""The roll-up of open cases the big screen reads (imported by ``cityloop.analytics.models``)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

SQUARE_LEVEL = "square"  # place: "x:y", the square's south-west corner in thousandths of a degree
UNIT_LEVEL = "unit"  # place: the responsible unit's id


class OpenCount(models.Model):
    """Open cases now, per light and per map square (about 100 m) or responsible unit, with the
    territory (district, street, community) of the cases so the permission scope can filter them.
    Recounted wholly by the worker's sweep: lights change without a transition."""

    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    community = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    level = models.CharField(max_length=8)
    place = models.CharField(max_length=24)
    light = models.CharField(max_length=8, blank=True)
    n = models.PositiveIntegerField(_("cases"))

    class Meta:
        verbose_name = _("open case count")
        verbose_name_plural = _("open case counts")
        indexes: ClassVar = [
            models.Index(
                fields=["district", "level", "place", "light", "street", "community", "n"],
                name="analytics_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.place} {self.light}: {self.n}"
