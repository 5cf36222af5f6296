"""The city's gazetteer: every name an address may use, with its place, compiled once per process.

Names come from the roads (with their aliases and the forms people shorten them to: 长江中路 said
长江路, 书院街 said 书院路), the communities (江畔社区, 江畔), the points of interest the city imported
(schools, hospitals, markets, bus stops, estates) and the door numbers it surveyed. Each process keeps
one compiled copy (``cityloop.core.versioned``): every write to roads, aliases, address points or
points of interest moves the ``geo.gazetteer`` counter, and a copy built on older grids or units is
dropped too.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from cityloop.core.models import Unit, UnitKind
from cityloop.core.units import UNITS
from cityloop.core.versioned import Versioned

from . import index
from .normalize import halfwidth

# Road suffixes, longest first: a stem takes any of them (书院街 → 书院路, 书院大街 …).
ROAD_SUFFIXES: tuple[str, ...] = ("大道", "大街", "路", "街", "巷", "弄", "道")
DIRECTIONS = "东西南北中"
COMMUNITY_SUFFIXES: tuple[str, ...] = ("社区居委会", "居委会", "社区")
M_PER_DEG = 111_320.0

# How sure a name makes us, by how it was written: the exact name, an alias, another suffix, a
# shortened form (中/东/西 … left out).
EXACT, ALIAS, SUFFIX_VARIANT, SHORT_FORM, STEM = 1.0, 0.98, 0.9, 0.85, 0.8


@dataclass(frozen=True, slots=True)
class Entry:
    """One place a written name may mean: ``kind`` (road, community, poi), its key and how well the
    name fits it."""

    kind: str
    key: str
    weight: float


@dataclass
class Road:
    """A road by name: all its segments merged, and its door numbers sorted."""

    name: str
    geom: shapely.Geometry
    length_m: float
    numbers: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    suffixes: list[str] = field(default_factory=list)
    points: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))


@dataclass(frozen=True, slots=True)
class Spot:
    """A community or point of interest: its name, kind and the point it is placed at."""

    name: str
    kind: str
    lon: float
    lat: float


def road_variants(name: str) -> list[tuple[str, float]]:
    """The ways people write the road ``name``, with how sure each makes us: the name, the stem with
    every other suffix and, for 长江中路 and the like, the forms without the direction."""
    found: list[tuple[str, float]] = [(name, EXACT)]
    suffix = next((s for s in ROAD_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)
    if suffix is None:
        return found
    stem = name[: -len(suffix)]
    if len(stem) >= 2:
        found += [(stem + other, SUFFIX_VARIANT) for other in ROAD_SUFFIXES if other != suffix]
    if len(stem) >= 3 and stem[-1] in DIRECTIONS:
        short = stem[:-1]
        found += [(short + other, SHORT_FORM) for other in ROAD_SUFFIXES]
    return found


def community_variants(name: str) -> list[tuple[str, float]]:
    """江畔社区 is also written 江畔社区居委会, 江畔居委会 and 江畔."""
    stem = next((name[: -len(s)] for s in COMMUNITY_SUFFIXES if name.endswith(s)), name)
    found = [(name, EXACT)]
    if len(stem) >= 2 and stem != name:
        found += [(stem + s, ALIAS) for s in COMMUNITY_SUFFIXES if stem + s != name]
        found.append((stem, STEM))
    return found


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The distance between two nearby points, in metres (an equirectangular approximation: good to
    a fraction of a percent over a city)."""
    kx = M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * M_PER_DEG)


class Gazetteer:
    """An immutable snapshot of the names: look-up by written name, and the places behind them."""

    def __init__(self, version: int) -> None:
        from .models import AddressPoint, PointOfInterest, RoadAlias
        from .models import Road as RoadRow

        self.version = version
        self.grid_index = index.get_index()
        self.units_version = UNITS.current_version()
        self.checked_at = time.monotonic()
        self.names: dict[str, list[Entry]] = defaultdict(list)
        self.roads: dict[str, Road] = {}
        # Points of interest and communities by (entry kind, name): a place may share a community's name.
        self.spots: dict[tuple[str, str], Spot] = {}
        self._crossings: dict[tuple[str, str], tuple[float, float, float] | None] = {}
        self._lock = threading.Lock()

        segments: dict[str, list[shapely.Geometry]] = defaultdict(list)
        for name, wkb in RoadRow.objects.values_list("name", "geom_wkb").order_by("pk"):
            segments[halfwidth(name)].append(shapely.from_wkb(bytes(wkb)))
        for name, parts in segments.items():
            geom = shapely.line_merge(shapely.union_all(parts)) if len(parts) > 1 else parts[0]
            self.roads[name] = Road(name, geom, self._length_m(geom))
            for variant, weight in road_variants(name):
                self._add(variant, Entry("road", name, weight))
        for road_name, alias in RoadAlias.objects.values_list("road_name", "alias"):
            road_name, alias = halfwidth(road_name), halfwidth(alias)
            if road_name in self.roads:
                for variant, weight in road_variants(alias):
                    self._add(variant, Entry("road", road_name, min(weight, ALIAS)))
        self._load_numbers(AddressPoint.objects.values_list("road_name", "number", "suffix", "lon", "lat"))
        self._load_communities()
        for name, aliases, kind, lon, lat in PointOfInterest.objects.values_list(
            "name", "aliases", "kind", "lon", "lat"
        ):
            name = halfwidth(name)
            self.spots["poi", name] = Spot(name, kind or "poi", lon, lat)
            self._add(name, Entry("poi", name, EXACT))
            for alias in aliases or []:
                self._add(halfwidth(str(alias)), Entry("poi", name, ALIAS))
        self._finish()

    # --- building ---------------------------------------------------------------------------------
    def _add(self, variant: str, entry: Entry) -> None:
        if len(variant) < 2:
            return
        entries = self.names[variant]
        for i, old in enumerate(entries):
            if old.kind == entry.kind and old.key == entry.key:
                if entry.weight > old.weight:
                    entries[i] = entry
                return
        entries.append(entry)

    @staticmethod
    def _length_m(geom: shapely.Geometry) -> float:
        lat = geom.centroid.y if not geom.is_empty else 0.0
        kx = M_PER_DEG * math.cos(math.radians(lat))
        return float(shapely.transform(geom, lambda xy: xy * [kx, M_PER_DEG]).length)

    def _load_numbers(self, rows: object) -> None:
        by_road: dict[str, list[tuple[int, str, float, float]]] = defaultdict(list)
        for road_name, number, suffix, lon, lat in rows:  # type: ignore[attr-defined]
            by_road[halfwidth(road_name)].append((number, suffix, lon, lat))
        for name, found in by_road.items():
            road = self.roads.get(name)
            if road is None:
                # Door numbers on a road the map lacks still place an address: a road of points.
                line = shapely.MultiPoint([(lon, lat) for _, _, lon, lat in found])
                road = self.roads[name] = Road(name, line, 0.0)
                for variant, weight in road_variants(name):
                    self._add(variant, Entry("road", name, weight))
            found.sort()
            road.numbers = np.array([n for n, *_ in found], dtype=np.int64)
            road.suffixes = [s for _, s, _, _ in found]
            road.points = np.array([(lon, lat) for *_, lon, lat in found], dtype=np.float64)

    def _load_communities(self) -> None:
        """Each community is placed in the grid nearest the middle of its grids (so that the point
        lies in one of them, whatever the community's shape)."""
        grids = self.grid_index
        today = index._day(None)
        members: dict[int, list[int]] = defaultdict(list)
        for pos, location in enumerate(grids.locations):
            if grids.valid_from[pos] <= today < grids.valid_to[pos]:
                members[location.community_id].append(pos)
        for unit in Unit.objects.filter(kind=UnitKind.COMMUNITY, pk__in=list(members)):
            geoms = grids.geoms[members[unit.pk]]
            middle = shapely.union_all(shapely.centroid(geoms)).centroid
            nearest = min(range(len(geoms)), key=lambda i: shapely.distance(geoms[i], middle))
            point = shapely.point_on_surface(geoms[nearest])
            name = halfwidth(unit.name)
            self.spots["community", name] = Spot(name, "community", float(point.x), float(point.y))
            for variant, weight in community_variants(name):
                self._add(variant, Entry("community", name, weight))
        self.prefixes = tuple(
            sorted(
                {
                    halfwidth(name)
                    for name in Unit.objects.filter(
                        kind__in=[UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET]
                    ).values_list("name", flat=True)
                    if len(name) >= 2
                },
                key=len,
                reverse=True,
            )
        )

    def _finish(self) -> None:
        # Where one written name means several places, only the best-fitting ones are kept (书院街
        # is the road 书院街, even if another road's stem also gives 书院街).
        for entries in self.names.values():
            best = max(e.weight for e in entries)
            entries[:] = sorted((e for e in entries if e.weight == best), key=lambda e: (e.kind, e.key))
        self.by_first: dict[str, list[str]] = defaultdict(list)
        for variant in sorted(self.names, key=len, reverse=True):
            self.by_first[variant[0]].append(variant)
        self.bigrams: dict[str, list[str]] = defaultdict(list)
        for variant in self.names:
            for gram in {variant[i : i + 2] for i in range(len(variant) - 1)}:
                self.bigrams[gram].append(variant)

    # --- reading ----------------------------------------------------------------------------------
    def fresh(self) -> bool:
        """Whether this copy was built on the grids and units in service now (units are looked at
        every few seconds, grids through their own index)."""
        if index.get_index() is not self.grid_index:
            return False
        now = time.monotonic()
        if now - self.checked_at > 2.0:
            if UNITS.current_version() != self.units_version:
                return False
            self.checked_at = now
        return True

    def crossing(self, a: str, b: str) -> tuple[float, float, float] | None:
        """Where the roads ``a`` and ``b`` meet: (lon, lat, gap in metres), or None when they pass
        more than 60 m apart. Roads that cross share a point (gap 0); a road that ends a few metres
        short of the other (as drawn) meets it at the middle of the gap."""
        key = (a, b) if a < b else (b, a)
        with self._lock:
            if key in self._crossings:
                return self._crossings[key]
        found = self._crossing(self.roads[key[0]].geom, self.roads[key[1]].geom)
        with self._lock:
            self._crossings[key] = found
        return found

    @staticmethod
    def _crossing(ga: shapely.Geometry, gb: shapely.Geometry) -> tuple[float, float, float] | None:
        meet = shapely.intersection(ga, gb)
        if not meet.is_empty:
            # Roads that cross more than once (a ring road) meet at the first crossing found.
            x, y = shapely.get_coordinates(meet)[0]
            return float(x), float(y), 0.0
        pa, pb = shapely.shortest_line(ga, gb).coords
        gap = metres(pa[0], pa[1], pb[0], pb[1])
        if gap > 60.0:
            return None
        return (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, gap


GAZETTEER: Versioned[Gazetteer] = Versioned("geo.gazetteer", Gazetteer)


def get_gazetteer() -> Gazetteer:
    """This process's gazetteer, rebuilt if names, grids or units changed since it was built."""
    found = GAZETTEER.get()
    if not found.fresh():
        GAZETTEER.reset()
        found = GAZETTEER.get()
    return found


def bump_version() -> None:
    """Tell every process that roads, aliases, door numbers or points of interest changed. Call
    inside the transaction that changed them."""
    GAZETTEER.bump()


def reset() -> None:
    """Forget this process's gazetteer; the next look-up rebuilds it."""
    GAZETTEER.reset()
