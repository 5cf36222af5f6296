"""A work order without coordinates: its address matched against the names CityLoop knows.

CityLoop has no address geocoder; the hotline's address text usually names a road or a community.
The longest road or community name the address contains wins (a community before a road of the same
length: it is the smaller place); the point is the road's midpoint or the centre of the community's
grids. The names are read once a minute per process, not on every work order.
"""

from __future__ import annotations

import time

import shapely
from django.utils import timezone

from cityloop.core.models import Unit, UnitKind
from cityloop.geo.models import Grid, Road

TTL_SECONDS = 60.0
_cache: dict[str, tuple[float, list[tuple[str, float, float]]]] = {}


def _places() -> list[tuple[str, float, float]]:
    """Known place names with their points, longest name first."""
    cached = _cache.get("places")
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    today = timezone.localdate()
    found: list[tuple[str, float, float]] = []
    centres: dict[int, list[tuple[float, float]]] = {}
    for community_id, lon, lat in Grid.objects.valid_at(today).values_list(
        "community_id", "centroid_lon", "centroid_lat"
    ):
        centres.setdefault(community_id, []).append((lon, lat))
    for unit in Unit.objects.filter(kind=UnitKind.COMMUNITY, pk__in=centres):
        centre = shapely.MultiPoint(centres[unit.pk]).centroid
        found.append((unit.name, centre.x, centre.y))
    for road in Road.objects.all():
        point = road.geometry.interpolate(0.5, normalized=True)
        found.append((road.name, point.x, point.y))
    found.sort(key=lambda item: -len(item[0]))  # stable: communities stay before equal-length roads
    _cache["places"] = (time.monotonic(), found)
    return found


def locate_address(address: str) -> tuple[float, float] | None:
    """The WGS84 point of the longest known place name in ``address``, or None."""
    if not address:
        return None
    for name, lon, lat in _places():
        if len(name) >= 2 and name in address:
            return lon, lat
    return None


def forget() -> None:
    _cache.clear()
