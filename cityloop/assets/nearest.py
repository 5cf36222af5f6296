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
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Field, Q, QuerySet
from h3.api import basic_int as h3

from cityloop.catalog.models import Category, Kind

from .models import H3_RESOLUTION, Component

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
# Grid distance can exceed straight distance / centre spacing by up to ~2 cells (measured over the
# globe), so the disk gets three rings of margin; pruning by centre distance then drops the excess.
RING_MARGIN = 3
MAX_RINGS = 12
# What a supervisor's "broken cover here" needs besides the ID: the subclass and who owns it.
NEAREST_RELATED = ("subclass", "owner")


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
    # A cell can reach into the circle only if its centre lies within the radius plus its own corner
    # distance (about one edge). Compared on a local flat projection, with 1% to spare for its error.
    reach_deg = 1.01 * (radius_m + 1.25 * edge) / METRES_PER_DEGREE
    limit = reach_deg * reach_deg
    shrink = math.cos(math.radians(lat))
    cells = []
    for cell in h3.grid_disk(origin, rings):
        c_lat, c_lon = h3.cell_to_latlng(cell)
        dx = ((c_lon - lon + 540.0) % 360.0 - 180.0) * shrink
        dy = c_lat - lat
        if dx * dx + dy * dy <= limit:
            cells.append(cell)
    return res, cells


def _ranges(res: int, cells: list[int]) -> list[tuple[int, int]]:
    """The resolution-12 integer range under each cell of a coarser resolution."""
    mask = _digit_mask(res)
    return [(low, low | mask) for low in (h3.cell_to_center_child(c, H3_RESOLUTION) for c in cells)]


def near_q(lon: float, lat: float, radius_m: float) -> Q:
    """A filter on ``h3`` that keeps every component within ``radius_m`` of the point (and a few more)."""
    res, cells = covering_cells(lon, lat, radius_m)
    if res == H3_RESOLUTION:
        return Q(h3__in=cells)
    ranges = [Q(h3__gte=low, h3__lte=high) for low, high in _ranges(res, cells)]
    return functools.reduce(lambda a, b: a | b, ranges)


def _column(name: str) -> str:
    field = Component._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


def _subclass_sql(subclass: Category | str | Iterable[str] | None) -> tuple[str, list[Any]] | None:
    """The subclass condition of the direct candidate query, as SQL and parameters.

    The column is written ``+subclass_id`` (a no-op on both engines) so that no planner walks the
    subclass index (every cover in the city) instead of the few H3 cells.
    """
    if subclass is None:
        return None
    column = f"+{connection.ops.quote_name(_column('subclass'))}"
    if isinstance(subclass, Category) and not subclass.is_class:
        return f"{column} = %s", [subclass.pk]
    codes = (
        [subclass.code]
        if isinstance(subclass, Category)
        else [subclass]
        if isinstance(subclass, str)
        else list(subclass)
    )
    parts, params = [], []
    subclasses = [c for c in codes if len(c) == 4]
    if subclasses:
        parts.append(f"code IN ({', '.join(['%s'] * len(subclasses))})")
        params += subclasses
    for cls in (c for c in codes if len(c) == 2):
        parts.append("(parent_id IS NOT NULL AND code LIKE %s)")
        params.append(f"{cls}%")
    table = connection.ops.quote_name(Category._meta.db_table)
    where = " OR ".join(parts) or "1 = 0"
    return f"{column} IN (SELECT id FROM {table} WHERE kind = %s AND ({where}))", [
        Kind.COMPONENT.value,
        *params,
    ]


def _candidate_rows(
    lon: float, lat: float, radius_m: float, subclass: tuple[str, list[Any]] | None = None
) -> list[tuple[int, float, float, int]]:
    """(id, lon, lat, subclass id) of every component in the covering cells, straight from SQL.

    The statement is trivial and runs on every nearest lookup; building it through the ORM would
    take longer than the database takes to answer it. Restricted lookups use :func:`near_q`.
    """
    res, cells = covering_cells(lon, lat, radius_m)
    quote = connection.ops.quote_name
    h3_col = quote(_column("h3"))
    columns = ", ".join(quote(_column(f)) for f in ("id", "lon", "lat", "subclass"))
    params: list[int]
    if res == H3_RESOLUTION:
        where, params = f"{h3_col} IN ({', '.join(['%s'] * len(cells))})", cells
    else:
        pairs = _ranges(res, cells)
        where = " OR ".join([f"({h3_col} BETWEEN %s AND %s)"] * len(pairs))
        params = [v for pair in pairs for v in pair]
    sql_params: list[Any] = list(params)
    if subclass is not None:
        where = f"({where}) AND {subclass[0]}"
        sql_params += subclass[1]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(Component._meta.db_table)} WHERE {where}", sql_params)
        return cursor.fetchall()


def _subclass_ids(subclass: Category | str | Iterable[str] | None) -> set[int] | None:
    """Ids of the given subclasses, or of every subclass of the given classes (codes of 4 or 2 digits).

    The nearest query filters by these in Python rather than in SQL: given a subclass condition, a
    planner without fresh statistics walks the subclass index (every cover in the city) instead of
    the few H3 cells.
    """
    if subclass is None:
        return None
    if isinstance(subclass, Category):
        return (
            {subclass.pk} if not subclass.is_class else set(subclass.subclasses.values_list("pk", flat=True))
        )
    codes = [subclass] if isinstance(subclass, str) else list(subclass)
    q = Q(code__in=[c for c in codes if len(c) == 4])
    for cls in (c for c in codes if len(c) == 2):
        q |= Q(code__startswith=cls, parent__isnull=False)
    return set(Category.objects.filter(q, kind=Kind.COMPONENT).values_list("pk", flat=True))


def nearest_components(
    lon: float,
    lat: float,
    subclass: Category | str | Iterable[str] | None = None,
    radius_m: float = 30,
    limit: int = 5,
    *,
    queryset: QuerySet[Component] | None = None,
    related: tuple[str, ...] = NEAREST_RELATED,
) -> list[tuple[Component, float]]:
    """The components within ``radius_m`` metres of (lon, lat), nearest first, with their distance
    in metres: at most ``limit`` of them. ``subclass`` narrows to a subclass (or a class: ``"01"``, or
    several codes); ``queryset`` (e.g. one restricted to a user's jurisdiction) narrows further.
    The components come with ``related`` (by default subclass and owner) loaded."""
    if radius_m <= 0 or limit <= 0:
        return []
    wanted = None
    if queryset is None:
        rows = _candidate_rows(lon, lat, radius_m, _subclass_sql(subclass))
    else:
        wanted = _subclass_ids(subclass)
        near = queryset.filter(near_q(lon, lat, radius_m)).order_by()
        rows = list(near.values_list("pk", "lon", "lat", "subclass_id"))
    candidates = [(pk, c_lon, c_lat) for pk, c_lon, c_lat, sub in rows if wanted is None or sub in wanted]
    if not candidates:
        return []
    found = [
        (d, pk) for d, pk in zip(_distances(lon, lat, candidates), (c[0] for c in candidates), strict=True)
    ]
    found = sorted(f for f in found if f[0] <= radius_m)[:limit]
    if not found:
        return []
    chosen = Component.objects.select_related(*related).filter(pk__in=[pk for _, pk in found]).order_by()
    by_pk = {c.pk: c for c in chosen}
    return [(by_pk[pk], round(float(distance), 2)) for distance, pk in found if pk in by_pk]


def _distances(lon: float, lat: float, rows: list[tuple[int, float, float]]) -> list[float]:
    """Haversine distances from (lon, lat) to each row's point, vectorised."""
    arr = np.asarray(rows, dtype=float)
    lat1, lat2 = math.radians(lat), np.radians(arr[:, 2])
    dlat, dlon = lat2 - lat1, np.radians(arr[:, 1] - lon)
    a = np.sin(dlat / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return (2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))).tolist()
