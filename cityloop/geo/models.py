"""Unit grids (单元网格, GB/T 30428.1) and the road network drawn on the console's map.

Geometries are stored as WKB in WGS84 lon/lat, so no spatial database extension is needed; the bounding
box columns let SQL pre-filter by area, and shapely does the exact work in memory.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import shapely
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class GeometryMixin(models.Model):
    """A WKB geometry with its bounding box, kept in step by :meth:`set_geometry`."""

    geom_wkb = models.BinaryField(_("geometry (WKB, WGS84)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        abstract = True

    @property
    def geometry(self) -> shapely.Geometry:
        return shapely.from_wkb(bytes(self.geom_wkb))

    def set_geometry(self, geom: shapely.Geometry) -> None:
        self.geom_wkb = shapely.to_wkb(geom)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = (float(v) for v in geom.bounds)


class GridQuerySet(models.QuerySet["Grid"]):
    def valid_at(self, on: dt.date | None = None) -> GridQuerySet:
        """Grids whose validity covers the day ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on)
        )

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> GridQuerySet:
        return self.filter(
            min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat, max_lat__gte=min_lat
        )


class Grid(GeometryMixin):
    """A unit grid: a closed polygon of about 10,000 m² inside exactly one community.

    The code is the 6-digit county admin code + 3-digit street + 3-digit community + a 2- or 3-digit
    sequence. A redrawn grid gets a new row: the old one ends (``valid_to``) and history is kept.
    """

    code = models.CharField(_("code"), max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    responsible_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_grids",
        verbose_name=_("responsible unit"),
        help_text=_("Empty means the street of the grid is responsible (territorial fallback)."),
    )
    area_m2 = models.FloatField(_("area (m²)"))
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit grid")
        verbose_name_plural = _("unit grids")
        ordering: ClassVar = ["code", "valid_from"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="grid_code_version_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="grid_bbox_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class Road(GeometryMixin):
    """A road or lane of the district, drawn on the map and used to place components and addresses."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[("arterial", _("Arterial road")), ("secondary", _("Secondary road")), ("lane", _("Lane"))],
    )
    district = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="roads",
        null=True,
        blank=True,
        verbose_name=_("district"),
    )

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")

    def __str__(self) -> str:
        return self.name


class RoadAlias(models.Model):
    """Another name people use for a road (长江路 for 长江中路, an old name, a colloquial one).

    Keyed by the road's name, not a road row: a road is often several rows (segments), and a
    re-imported road keeps its aliases."""

    road_name = models.CharField(_("road name"), max_length=100, db_index=True)
    alias = models.CharField(_("alias"), max_length=100)

    class Meta:
        verbose_name = _("road alias")
        verbose_name_plural = _("road aliases")
        ordering: ClassVar = ["road_name", "alias"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["road_name", "alias"], name="road_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.road_name}"


class AddressPoint(models.Model):
    """A door number (门牌) on a road where the city has surveyed it: 长江路 12号 at a point."""

    road_name = models.CharField(_("road name"), max_length=100)
    number = models.PositiveIntegerField(_("door number"))
    # What follows the number on the plate: "-1", "甲", "附" …; empty for a plain number.
    suffix = models.CharField(_("number suffix"), max_length=20, blank=True, default="")
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    source = models.CharField(_("data source"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("address point")
        verbose_name_plural = _("address points")
        ordering: ClassVar = ["road_name", "number", "suffix"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["road_name", "number", "suffix"], name="address_point_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.road_name}{self.number}{self.suffix}号"


class PointOfInterest(models.Model):
    """A named place people give as an address: a school, a hospital, a market, a bus stop, an estate."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # Other names, as a JSON list of strings (一中 for 云湖市第一中学).
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=32, blank=True, default="")
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    source = models.CharField(_("data source"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("point of interest")
        verbose_name_plural = _("points of interest")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name
