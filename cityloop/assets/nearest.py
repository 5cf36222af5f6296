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

import numpy as np
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
    """Components of the given subclasses or classes (codes of 4 or 2 digits), as one join."""
    if subclass is None:
        return Q()
    if isinstance(subclass, Category):
        return Q(subclass=subclass) if not subclass.is_class else Q(subclass__parent=subclass)
    codes = [subclass] if isinstance(subclass, str) else list(subclass)
    q = Q(subclass__code__in=[c for c in codes if len(c) == 4])
    for cls in (c for c in codes if len(c) == 2):
        q |= Q(subclass__code__startswith=cls)
    return q & Q(subclass__kind=Kind.COMPONENT)


def nearest_components(
    lon: float,
    lat: float,
    subclass: Category | str | Iterable[str] | None = None,
    radius_m: float = 30,
    limit: int = 5,
    *,
    queryset: QuerySet[Component] | None = None,
    related: tuple[str, ...] = DETAIL_RELATED,
) -> list[tuple[Component, float]]:
    """The components within ``radius_m`` metres of (lon, lat), nearest first, with their distance
    in metres: at most ``limit`` of them. ``subclass`` narrows to a subclass (or a class: ``"01"``, or
    several codes); ``queryset`` (e.g. one restricted to a user's jurisdiction) narrows further.
    The components come with ``related`` (subclass, owner, units, grid, state) already loaded."""
    if radius_m <= 0 or limit <= 0:
        return []
    base = (queryset if queryset is not None else Component.objects.all()).filter(near_q(lon, lat, radius_m))
    candidates = list(base.filter(_subclass_q(subclass)).order_by().values_list("pk", "lon", "lat"))
    if not candidates:
        return []
    found = [
        (d, pk) for d, pk in zip(_distances(lon, lat, candidates), (c[0] for c in candidates), strict=True)
    ]
    found = sorted(f for f in found if f[0] <= radius_m)[:limit]
    if not found:
        return []
    rows = {
        c.pk: c
        for c in Component.objects.select_related(*related).filter(pk__in=[pk for _, pk in found]).order_by()
    }
    return [(rows[pk], round(float(distance), 2)) for distance, pk in found if pk in rows]


def _distances(lon: float, lat: float, rows: list[tuple[int, float, float]]) -> list[float]:
    """Haversine distances from (lon, lat) to each row's point, vectorised."""
    arr = np.asarray(rows, dtype=float)
    lat1, lat2 = math.radians(lat), np.radians(arr[:, 2])
    dlat, dlon = lat2 - lat1, np.radians(arr[:, 1] - lon)
    a = np.sin(dlat / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return (2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))).tolist()
