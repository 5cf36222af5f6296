"""The in-memory spatial index: point → unit grid → community, street, district.

An STRtree over every grid polygon (all versions; validity is filtered per query, so a point can be
located as of any date). Each process keeps one index and rebuilds it when the grids change
(``cityloop.core.versioned``: every grid write moves the ``geo.grids`` counter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.utils import timezone

from cityloop.core.models import Unit, UnitKind
from cityloop.core.versioned import Versioned

_FOREVER = dt.date.max.toordinal()
_NONE = np.iinfo(np.int64).max
CHUNK = 250_000


@dataclass(frozen=True, slots=True)
class Location:
    """Where a point lies in the grid system."""

    grid_id: int
    grid_code: str
    community_id: int
    community_code: str
    community_name: str
    street_id: int | None
    street_code: str | None
    street_name: str | None
    district_id: int | None
    district_code: str | None
    district_name: str | None
    # The unit the grid's own problems go to first (a grid's responsible unit), if it has one.
    grid_unit_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day(at: dt.date | dt.datetime | None) -> int:
    if at is None:
        return timezone.localdate().toordinal()
    if isinstance(at, dt.datetime):
        return (timezone.localtime(at) if timezone.is_aware(at) else at).date().toordinal()
    return at.toordinal()


class GridIndex:
    """An immutable snapshot of the grids, queried with vectorised shapely calls."""

    def __init__(self, version: int) -> None:
        from .models import Grid

        self.version = version
        rows = list(
            Grid.objects.values_list(
                "id", "code", "geom_wkb", "valid_from", "valid_to", "community_id", "responsible_unit_id"
            )
        )
        units = {
            u.pk: u
            for u in Unit.objects.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.STREET, UnitKind.DISTRICT])
        }
        self.geoms: npt.NDArray[Any] = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else np.array([])
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.valid_from = np.array([r[3].toordinal() for r in rows], dtype=np.int64)
        self.valid_to = np.array([r[4].toordinal() if r[4] else _FOREVER for r in rows], dtype=np.int64)
        self.locations: list[Location] = [
            self._location(r[0], r[1], units.get(r[5]), units, r[6]) for r in rows
        ]
        self._lookup: list[Location | None] = [*self.locations, None]
        self.by_grid: dict[int, Location] = {loc.grid_id: loc for loc in self.locations}

    @staticmethod
    def _location(
        grid_id: int, code: str, community: Unit | None, units: dict[int, Unit], grid_unit_id: int | None
    ) -> Location:
        street = units.get(community.parent_id) if community and community.parent_id else None
        district = units.get(street.parent_id) if street and street.parent_id else None
        return Location(
            grid_id=grid_id,
            grid_code=code,
            community_id=community.pk if community else 0,
            community_code=community.code if community else "",
            community_name=community.name if community else "",
            street_id=street.pk if street else None,
            street_code=street.code if street else None,
            street_name=street.name if street else None,
            district_id=district.pk if district else None,
            district_code=district.code if district else None,
            district_name=district.name if district else None,
            grid_unit_id=grid_unit_id,
        )

    def __len__(self) -> int:
        return len(self.locations)

    def positions(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, at: dt.date | dt.datetime | None = None
    ) -> npt.NDArray[np.int64]:
        """For each point, the position of its grid in ``self.locations``, or -1 outside every grid.

        A point on the shared edge of two grids belongs to the one that comes first in the index (the
        lowest code), as in :meth:`locate`.
        """
        lon_arr = np.ascontiguousarray(lons, dtype=float).ravel()
        lat_arr = np.ascontiguousarray(lats, dtype=float).ravel()
        if lon_arr.shape != lat_arr.shape:
            raise ValueError(f"{lon_arr.size} longitudes but {lat_arr.size} latitudes")
        result = np.full(lon_arr.shape[0], _NONE, dtype=np.int64)
        if not len(self.locations) or not lon_arr.size:
            return np.full(lon_arr.shape[0], -1, dtype=np.int64)
        day = _day(at)
        # Chunks bound the memory of the temporary point objects; the work per point is the same.
        for start in range(0, lon_arr.size, CHUNK):
            xs, ys = lon_arr[start : start + CHUNK], lat_arr[start : start + CHUNK]
            # Bounding-box candidates from the tree, then an exact test against the prepared polygons
            # straight from the coordinates: faster than a predicate query, which re-tests each pair
            # without the polygons' preparation.
            point_idx, grid_idx = self.tree.query(shapely.points(xs, ys))
            valid = (self.valid_from[grid_idx] <= day) & (self.valid_to[grid_idx] > day)
            point_idx, grid_idx = point_idx[valid], grid_idx[valid]
            inside = shapely.intersects_xy(self.geoms[grid_idx], xs[point_idx], ys[point_idx])
            # Where a point lies in two grids (on a shared edge), the lowest position wins.
            np.minimum.at(result, point_idx[inside] + start, grid_idx[inside])
        result[result == _NONE] = -1
        return result

    def locate(self, lon: float, lat: float, at: dt.date | dt.datetime | None = None) -> Location | None:
        if not len(self.locations):
            return None
        candidates = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        day = _day(at)
        for pos in sorted(int(c) for c in candidates):
            if self.valid_from[pos] <= day < self.valid_to[pos]:
                return self.locations[pos]
        return None

    def locate_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, at: dt.date | dt.datetime | None = None
    ) -> list[Location | None]:
        """:meth:`locate` for arrays of points."""
        # Position -1 (outside) picks the trailing None.
        lookup = self._lookup
        return [lookup[p] for p in self.positions(lons, lats, at).tolist()]


GRIDS: Versioned[GridIndex] = Versioned("geo.grids", GridIndex)


def current_version() -> int:
    """The grids' counter (moves with every grid write; cache keys of drawn layers carry it)."""
    return GRIDS.current_version()


def bump_version() -> None:
    """Tell every process that the grids changed. Call inside the transaction that changed them."""
    GRIDS.bump()


def reset() -> None:
    """Forget this process's index; the next lookup rebuilds it."""
    GRIDS.reset()


def get_index() -> GridIndex:
    """This process's index, rebuilt if the grids changed since it was built."""
    return GRIDS.get()


def locate(lon: float, lat: float, at: dt.date | dt.datetime | None = None) -> Location | None:
    """The grid (with its community, street and district) containing the point on day ``at``
    (today by default), or None when the point lies outside every grid valid then."""
    return get_index().locate(lon, lat, at)


def locate_many(
    lons: npt.ArrayLike, lats: npt.ArrayLike, at: dt.date | dt.datetime | None = None
) -> list[Location | None]:
    """:func:`locate` for arrays of points, vectorised."""
    return get_index().locate_many(lons, lats, at)
