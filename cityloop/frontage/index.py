"""Point → frontage zone: an in-memory STRtree over every zone polygon, one per process, rebuilt when
zones change (every zone write moves the ``frontage.zones`` counter, as grid writes move the grids').
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.utils import timezone

from cityloop.core.versioned import Versioned

_FOREVER = dt.date.max.toordinal()


class ZoneIndex:
    """An immutable snapshot of the zones."""

    def __init__(self, version: int) -> None:
        from .models import Zone

        self.version = version
        rows = list(Zone.objects.order_by("id").values_list("id", "geom_wkb", "valid_from", "valid_to"))
        self.ids: npt.NDArray[np.int64] = np.array([r[0] for r in rows], dtype=np.int64)
        self.geoms: npt.NDArray[Any] = shapely.from_wkb([bytes(r[1]) for r in rows]) if rows else np.array([])
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.valid_from = np.array([r[2].toordinal() for r in rows], dtype=np.int64)
        self.valid_to = np.array([r[3].toordinal() if r[3] else _FOREVER for r in rows], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def zone_ids_at(self, lon: float, lat: float, on: dt.date | None = None) -> list[int]:
        """Ids of the zones valid on ``on`` (today by default) that hold the point, lowest id first."""
        if not len(self.ids):
            return []
        day = (on or timezone.localdate()).toordinal()
        found = []
        for pos in sorted(int(p) for p in self.tree.query(shapely.Point(lon, lat), predicate="intersects")):
            if self.valid_from[pos] <= day < self.valid_to[pos]:
                found.append(int(self.ids[pos]))
        return found


ZONES: Versioned[ZoneIndex] = Versioned("frontage.zones", ZoneIndex)


def bump_version() -> None:
    """Tell every process that the zones changed. Call inside the transaction that changed them."""
    ZONES.bump()


def reset() -> None:
    """Forget this process's index; the next lookup rebuilds it."""
    ZONES.reset()


def zone_ids_at(lon: float, lat: float, on: dt.date | None = None) -> list[int]:
    """Ids of the zones that hold the point on day ``on`` (today by default); usually none or one."""
    return ZONES.get().zone_ids_at(lon, lat, on)
