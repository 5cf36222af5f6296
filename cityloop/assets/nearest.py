"""Components near a point: an indexed H3 query, then the exact (haversine) distance.

The ``h3`` column holds each component's resolution-12 cell (~9.5 m edge in China). For a radius up
to a couple of hundred metres the query is ``h3 IN (cells)``: the disk of cells around the point,
pruned to those whose centre is close enough for the cell to reach into the circle (a few dozen for
30 m). For larger radii the disk is taken at a coarser resolution and each coarse cell becomes one
``BETWEEN`` range, because the resolution-12 descendants of a cell are a contiguous run of integers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from h3.api import basic_int as h3

from cityloop.catalog.models import Category, Kind

from .models import H3_RESOLUTION, Component

EARTH_RADIUS_M = 6_371_008.8
# Grid distance can exceed straight distance / centre spacing by up to ~2 cells (measured over the
# globe), so the disk gets three rings of margin; pruning by centre distance then drops the excess.
RING_MARGIN = 3
MAX_RINGS = 12
DETAIL_RELATED = ("subclass", "owner", "maintainer", "authority", "grid", "state", "community", "street")


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def cell_of(lon: float, lat: float) -> int:
    """The ``h3`` column value for a point."""
    return int(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


@functools.lru_cache(maxsize=16)
def _digit_mask(res: int) -> int:
    """Bits that turn the centre child at resolution 12 into the largest descendant (digits → 6)."""
    return sum(6 << (3 * (15 - i)) for i in range(res + 1, H3_RESOLUTION + 1))


def _edge_m(cell: int) -> float:
    """Edge length of a hexagon with this cell's area (cells vary in size across the globe)."""
    return math.sqrt(2 * h3.cell_area(cell, "m^2") / (3 * math.sqrt(3)))


def covering_cells(lon: float, lat: float, radius_m: float) -> tuple[int, list[int]]:
    """(resolution, cells) whose union covers the circle: the disk around the point at the finest
    resolution (≤ 12) that needs at most ``MAX_RINGS`` rings, minus cells too far to touch it."""
    for res in range(H3_RESOLUTION, -1, -1):
        origin = h3.latlng_to_cell(lat, lon, res)
        edge = _edge_m(origin)
        rings = math.ceil(radius_m / (math.sqrt(3) * edge)) + RING_MARGIN
        if rings <= MAX_RINGS or res == 0:
            break
    reach = radius_m + 1.25 * edge  # a cell's corners lie about one edge from its centre
    cells = [
        c
        for c in h3.grid_disk(origin, rings)
        if haversine_m(lon, lat, *reversed(h3.cell_to_latlng(c))) <= reach
    ]
    return res, cells


def near_q(lon: float, lat: float, radius_m: float) -> Q:
    """A filter on ``h3`` that keeps every component within ``radius_m`` of the point (and a few more)."""
    res, cells = covering_cells(lon, lat, radius_m)
    if res == H3_RESOLUTION:
        return Q(h3__in=cells)
    mask = _digit_mask(res)
    ranges = []
    for cell in cells:
        low = h3.cell_to_center_child(cell, H3_RESOLUTION)
        ranges.append(Q(h3__gte=low, h3__lte=low | mask))
    return functools.reduce(lambda a, b: a | b, ranges)


def _subclass_q(subclass: Category | str | Iterable[str] | None) -> Q:
    if subclass is None:
        return Q()
    if isinstance(subclass, Category):
        return Q(subclass=subclass) if not subclass.is_class else Q(subclass__parent=subclass)
    codes = [subclass] if isinstance(subclass, str) else list(subclass)
    ids = list(
        Category.objects.filter(kind=Kind.COMPONENT)
        .filter(Q(code__in=codes) | Q(parent__code__in=codes))
        .exclude(code__in=[c for c in codes if len(c) == 2])
        .values_list("pk", flat=True)
    )
    return Q(subclass_id__in=ids)


def nearest_components(
    lon: float,
    lat: float,
    subclass: Category | str | Iterable[str] | None = None,
    radius_m: float = 30,
    limit: int = 5,
    *,
    queryset: QuerySet[Component] | None = None,
) -> list[tuple[Component, float]]:
    """The components within ``radius_m`` metres of (lon, lat), nearest first, with their distance
    in metres: at most ``limit`` of them. ``subclass`` narrows to a subclass (or a class: ``"01"``, or
    several codes); ``queryset`` (e.g. one restricted to a user's jurisdiction) narrows further."""
    if radius_m <= 0 or limit <= 0:
        return []
    base = (queryset if queryset is not None else Component.objects.all()).filter(near_q(lon, lat, radius_m))
    base = base.filter(_subclass_q(subclass))
    found: list[tuple[float, int]] = []
    for pk, c_lon, c_lat in base.values_list("pk", "lon", "lat"):
        distance = haversine_m(lon, lat, c_lon, c_lat)
        if distance <= radius_m:
            found.append((distance, pk))
    found.sort()
    found = found[:limit]
    if not found:
        return []
    rows = Component.objects.select_related(*DETAIL_RELATED).in_bulk([pk for _, pk in found])
    return [(rows[pk], round(distance, 2)) for distance, pk in found if pk in rows]
