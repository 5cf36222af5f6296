"""Addresses in the demo city, written the ways people say them, each with the grids it may land in.

For the geocoder's accuracy test and benchmark: door numbers (surveyed ones and numbers between them,
in digits, full-width digits or Chinese numerals, with or without the district's name), crossings in
the three common forms, communities, and named places with 附近/门口/对面. The truth comes from the
demo's own geometry (:func:`cityloop.demo.gazetteer.door_point`, the roads' crossing points, the
places' points), never from the geocoder.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import shapely

from cityloop.core.models import Unit, UnitKind
from cityloop.geo.index import get_index
from cityloop.geo.models import AddressPoint, Grid, PointOfInterest, Road

from .gazetteer import NUMBERED, door_point

RoadLine = tuple[str, str, shapely.LineString]

CROSSING_FORMS = ("{a}与{b}交叉口", "{a}{b}路口", "{a}和{b}交汇处")
NEAR_WORDS = ("附近", "门口", "对面", "旁边")
_CN = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class SampleAddress:
    """An address as said, what kind it is, and the grid codes where it is right to land."""

    text: str
    kind: str
    grids: frozenset[str]


def chinese(n: int) -> str:
    """12 → 十二, 105 → 一百零五, 230 → 二百三十 (as a door number is said)."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    rest = n % 100
    head = _CN[n // 100] + "百"
    if rest == 0:
        return head
    return head + ("零" + _CN[rest] if rest < 10 else chinese(rest) if rest >= 20 else "一" + chinese(rest))


def _grid_at(lon: float, lat: float) -> frozenset[str]:
    found = get_index().locate(lon, lat)
    return frozenset({found.grid_code}) if found else frozenset()


def _grids_touching(point: shapely.Point, radius_deg: float = 3e-5) -> frozenset[str]:
    index = get_index()
    hits = index.tree.query(point.buffer(radius_deg), predicate="intersects")
    return frozenset(index.locations[int(i)].grid_code for i in hits)


def _doors(district: Unit, all_roads: list[RoadLine], rng: random.Random, count: int) -> list[SampleAddress]:
    roads = [(name, line) for name, kind, line in all_roads if kind in NUMBERED]
    surveyed: dict[str, list[int]] = {}
    for road, number in AddressPoint.objects.filter(road_name__in=[r for r, _ in roads]).values_list(
        "road_name", "number"
    ):
        surveyed.setdefault(road, []).append(number)
    found: list[SampleAddress] = []
    while len(found) < count:
        name, line = rng.choice(roads)
        numbers = surveyed.get(name)
        if not numbers:
            continue
        base = rng.choice(numbers)
        # Half surveyed doors, half numbers between them (interpolated by the geocoder).
        number = base if rng.random() < 0.5 else max(1, base + rng.choice((-4, -2, 2, 4)))
        point = door_point(line, number)
        truth = _grid_at(*point) if point else frozenset()
        if not truth:  # past the road's end, or outside the district
            continue
        form = rng.random()
        if form < 0.5:
            said = f"{number}号"
        elif form < 0.75:
            said = f"{chinese(number)}号"
        else:
            said = f"{number}号".translate(_FULLWIDTH)
        prefix = district.name if rng.random() < 0.3 else ""
        found.append(SampleAddress(f"{prefix}{name}{said}", "door", truth))
    return found


def _crossings(all_roads: list[RoadLine], rng: random.Random, count: int) -> list[SampleAddress]:
    roads = [(n, line) for n, _k, line in all_roads]
    tree = shapely.STRtree([line for _, line in roads])
    pairs = []
    for i, (name, line) in enumerate(roads):
        for j in tree.query(line.buffer(1e-6)).tolist():
            if j > i and roads[j][0] != name:
                pairs.append((i, j))
    found = []
    for i, j in rng.sample(pairs, min(count, len(pairs))):
        (a, la), (b, lb) = roads[i], roads[j]
        meet = shapely.intersection(la, lb)
        point = (
            shapely.Point(shapely.get_coordinates(meet)[0])
            if not meet.is_empty
            else shapely.shortest_line(la, lb).centroid
        )
        truth = _grids_touching(point)
        if not truth:
            continue
        text = rng.choice(CROSSING_FORMS).format(a=a, b=b) if rng.random() < 0.8 else f"{b}与{a}交叉口"
        found.append(SampleAddress(text, "crossing", truth))
    return found


def _communities(district: Unit, rng: random.Random) -> list[SampleAddress]:
    found = []
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY, path__startswith=district.path).order_by(
        "code"
    )
    for community in communities:
        codes = frozenset(Grid.objects.filter(community=community).values_list("code", flat=True))
        stem = community.name.removesuffix("社区")
        said = rng.choice((community.name, f"{stem}社区居委会", f"{community.name}附近"))
        found.append(SampleAddress(said, "community", codes))
    return found


def _places(rng: random.Random) -> list[SampleAddress]:
    found = []
    for name, aliases, lon, lat in PointOfInterest.objects.values_list("name", "aliases", "lon", "lat"):
        said = rng.choice([name, *aliases]) if aliases and rng.random() < 0.3 else name
        found.append(SampleAddress(f"{said}{rng.choice(NEAR_WORDS)}", "place", _grid_at(lon, lat)))
    return found


def sample_addresses(seed: int = 0, doors_per_district: int = 200) -> list[SampleAddress]:
    """Addresses of every kind across the districts that have roads, as in the database (the demo
    city's: several hundred for the default)."""
    rng = random.Random(f"addresses:{seed}")
    found: list[SampleAddress] = []
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, roads__isnull=False).distinct().order_by("code")
    for district in districts:
        roads = [
            (name, kind, shapely.from_wkb(bytes(wkb)))
            for name, kind, wkb in Road.objects.filter(district=district)
            .order_by("pk")
            .values_list("name", "kind", "geom_wkb")
        ]
        found += _doors(district, roads, rng, doors_per_district)
        found += _crossings(roads, rng, doors_per_district // 2)
        found += _communities(district, rng)
    found += _places(rng)
    return found
