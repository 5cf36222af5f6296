"""The component inventory (部件, GB/T 30428.2): every surveyed facility in public space with its
16-digit ID, owner, maintenance unit, unit grid, state and location.

A location is a lon/lat point (lines and polygons keep a representative point, with the original
geometry as WKB). Each point carries its H3 cell so that "components near here" is an indexed
``IN`` query on SQLite and PostgreSQL alike; the exact distance is computed afterwards.
"""

from __future__ import annotations

from typing import Any, ClassVar

import shapely
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.catalog.models import Category
from cityloop.core.models import Unit
from cityloop.geo.models import Grid

# H3 resolution of the ``h3`` column: cells of ~9 m edge (~300 m²), so a 30 m radius is a disk of a
# few dozen cells, each holding a handful of components even in dense downtown surveys.
H3_RESOLUTION = 12


class ComponentState(models.Model):
    """A component state (完好 intact, 破损 damaged, 丢失 missing, 占用 occupied …); a city may add more."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["order", "code"]
        verbose_name = _("component state")
        verbose_name_plural = _("component states")

    def __str__(self) -> str:
        return self.name


class ComponentQuerySet(models.QuerySet["Component"]):
    def unowned(self, flag: bool = True) -> ComponentQuerySet:
        """Components with no owner (无主), or with one when ``flag`` is False."""
        return self.filter(owner__isnull=flag)

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> ComponentQuerySet:
        return self.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)


def _unit_fk(
    verbose: Any, related: str, *, index: bool = True
) -> models.ForeignKey[Unit | None, Unit | None]:
    return models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related,
        verbose_name=verbose,
        db_index=index,
    )


class Component(models.Model):
    """One component. ``code`` is its 16-digit ID: 6-digit admin code (the district) + 2-digit class +
    2-digit subclass + 6-digit sequence. An empty owner means unowned (无主): valid, and flagged so
    that routing falls back to the street of its grid."""

    code = models.CharField(_("component ID"), max_length=16, unique=True)
    subclass = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="components", verbose_name=_("subclass")
    )
    authority = _unit_fk(_("supervising authority"), "supervised_components", index=False)
    owner = _unit_fk(_("owner"), "owned_components")
    maintainer = _unit_fk(_("maintenance unit"), "maintained_components")
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=_("unit grid"),
    )
    # The grid's community, street and district, copied so that jurisdiction filters need no joins.
    community = _unit_fk(_("community"), "+")
    street = _unit_fk(_("street"), "+", index=False)
    district = _unit_fk(_("district"), "+", index=False)
    state = models.ForeignKey(
        ComponentState, on_delete=models.PROTECT, related_name="+", verbose_name=_("state"), db_index=False
    )
    first_recorded = models.DateField(_("first recorded"))
    changed = models.DateField(_("changed"))
    source = models.CharField(_("data source"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    h3 = models.BigIntegerField(_("H3 cell"))
    geom_wkb = models.BinaryField(_("original geometry (WKB)"), null=True, blank=True)
    # The location as surveyed when the file was in another system than WGS84 (a CGCS2000 zone, GCJ-02,
    # BD-09): that system and the point's coordinates in it (lon/lat above are always WGS84).
    original_crs = models.CharField(_("original coordinate system"), max_length=16, blank=True, default="")
    original_x = models.FloatField(_("original x"), null=True, blank=True)
    original_y = models.FloatField(_("original y"), null=True, blank=True)

    objects = ComponentQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        indexes: ClassVar = [
            # Covers the nearest lookup (cell → point, subclass, id): the database answers from the
            # index alone, without visiting the table's scattered rows.
            models.Index(fields=["h3", "lon", "lat", "subclass", "id"], name="component_near_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_unowned(self) -> bool:
        """No owner is recorded (无主): routing sends its problems to the street of its grid."""
        return self.owner_id is None

    @property
    def geometry(self) -> shapely.Geometry:
        """The surveyed geometry: the original line or polygon when there is one, else the point."""
        if self.geom_wkb:
            return shapely.from_wkb(bytes(self.geom_wkb))
        return shapely.Point(self.lon, self.lat)
