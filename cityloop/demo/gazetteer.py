"""Demo step: what the geocoder reads for the demo city: road aliases, door numbers, named places.

* **Door numbers** along the arterial and secondary roads, as Chinese cities number them: from the
  road's start, odd on the left and even on the right, one number for every :data:`METRES_PER_NUMBER`
  metres (so 长乐路 25号 is about 120 m along). Only a surveyed door every ~60 m is imported: the
  numbers between are interpolated by the geocoder, as in a city whose survey is partial.
* **Points of interest**: a school, a clinic, a market and estates (小区) in the communities, each at a
  point in one of the community's grids, and a bus stop at every bus shelter (部件 0203), named after
  its road and the nearest crossing road as stops are.
* **Road aliases**: the old name of a few roads (老书院街) and 大马路 for the 大道s.

:func:`door_point` is the survey's rule; the accuracy test uses it as the truth for numbers that were
not imported.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import shapely

from cityloop.assets.models import Component
from cityloop.core.models import User
from cityloop.geo import index
from cityloop.geo.models import Grid
from cityloop.geo.place_actions import import_address_points, import_pois, import_road_aliases
from cityloop.geo.placefiles import AddressRow, PoiRow

from .city import DemoCity, DemoDistrict

M_PER_DEG = 111_320.0
METRES_PER_NUMBER = 10.0  # door n is about n/2 × 10 m along its road
DOOR_OFFSET_M = 14.0  # doors stand this far from the road's centre line
SURVEY_SPACING_M = 60.0
END_MARGIN_M = 25.0  # no door within this distance of a road's ends (the crossing there)
NUMBERED = ("arterial", "secondary")
ESTATE_WORDS = ("花园", "新村", "家园", "小区", "公寓", "雅苑")


def _frame(line: shapely.LineString) -> tuple[float, float]:
    lat = line.coords[0][1]
    return M_PER_DEG * math.cos(math.radians(lat)), M_PER_DEG


def road_length_m(line: shapely.LineString) -> float:
    """The road's length in metres."""
    kx, ky = _frame(line)
    return float(shapely.transform(line, lambda xy: xy * [kx, ky]).length)


def door_point(line: shapely.LineString, number: int) -> tuple[float, float] | None:
    """Where door ``number`` of the road drawn as ``line`` (lon/lat) stands, or None past its end:
    odd numbers on the left of the road's direction, even on the right."""
    kx, ky = _frame(line)
    road = shapely.transform(line, lambda xy: xy * [kx, ky])
    along = (number + 1) // 2 * METRES_PER_NUMBER
    if along < END_MARGIN_M or along > road.length - END_MARGIN_M:
        return None
    a, b = road.interpolate(along - 1), road.interpolate(along + 1)
    dx, dy = b.x - a.x, b.y - a.y
    norm = math.hypot(dx, dy) or 1.0
    side = 1 if number % 2 else -1
    at = road.interpolate(along)
    x, y = at.x - dy / norm * DOOR_OFFSET_M * side, at.y + dx / norm * DOOR_OFFSET_M * side
    return round(x / kx, 7), round(y / ky, 7)


def numbered_roads(district: DemoDistrict) -> list[tuple[str, shapely.LineString]]:
    """The district's roads with door numbers: its arterial and secondary roads."""
    return [(name, line) for name, kind, line in district.roads if kind in NUMBERED]


def _doors(district: DemoDistrict, rng: random.Random) -> list[AddressRow]:
    rows = []
    for name, line in numbered_roads(district):
        length = road_length_m(line)
        for side in (1, 2):
            along = END_MARGIN_M + rng.uniform(0, SURVEY_SPACING_M / 2)
            while along < length - END_MARGIN_M:
                pair = int(along // METRES_PER_NUMBER)
                number = 2 * pair - 1 if side == 1 else 2 * pair
                point = door_point(line, number) if number > 0 else None
                if point is not None and index.locate(*point) is not None:
                    rows.append(AddressRow(name, number, "", *point))
                along += SURVEY_SPACING_M * rng.uniform(0.8, 1.2)
    return rows


def _community_points(district: DemoDistrict) -> dict[int, list[shapely.Geometry]]:
    found: dict[int, list[shapely.Geometry]] = defaultdict(list)
    ids = [c.pk for c in district.communities]
    for community_id, wkb in (
        Grid.objects.filter(community_id__in=ids, valid_to__isnull=True)
        .order_by("code")
        .values_list("community_id", "geom_wkb")
    ):
        found[community_id].append(shapely.from_wkb(bytes(wkb)))
    return found


def _places(district: DemoDistrict, rng: random.Random) -> list[PoiRow]:
    rows: list[PoiRow] = []
    grids = _community_points(district)

    def inside(community_id: int) -> tuple[float, float]:
        point = shapely.point_on_surface(rng.choice(grids[community_id]))
        return round(point.x, 7), round(point.y, 7)

    for i, community in enumerate(district.communities):
        if not grids.get(community.pk):
            continue
        stem = community.name.removesuffix("社区")
        for word in rng.sample(ESTATE_WORDS, 2):
            rows.append(PoiRow(f"{stem}{word}", (), "estate", *inside(community.pk)))
        rows.append(PoiRow(f"{stem}社区卫生服务中心", (f"{stem}卫生站",), "hospital", *inside(community.pk)))
        if i % 2 == 0:
            rows.append(PoiRow(f"{stem}小学", (), "school", *inside(community.pk)))
        if i % 3 == 0:
            rows.append(PoiRow(f"{stem}农贸市场", (f"{stem}菜市场",), "market", *inside(community.pk)))
    return rows


def _bus_stops(district: DemoDistrict) -> list[PoiRow]:
    roads = [(name, line) for name, kind, line in district.roads if kind in NUMBERED]
    geoms = [line for _, line in roads]
    tree = shapely.STRtree(geoms)
    rows, taken = [], set()
    shelters = Component.objects.filter(district=district.district, subclass__code="0203").order_by("code")
    for lon, lat in shelters.values_list("lon", "lat"):
        point = shapely.Point(lon, lat)
        near = sorted(tree.query_nearest(point, all_matches=False, max_distance=0.01).tolist())
        if not near:
            continue
        on = roads[near[0]][0]
        others = [i for i in tree.query(point.buffer(0.005)).tolist() if roads[i][0] != on]
        cross = min(others, key=lambda i: geoms[i].distance(point), default=None)
        name = f"{on}{roads[cross][0]}站" if cross is not None else f"{on}站"
        if name in taken:
            continue
        taken.add(name)
        rows.append(PoiRow(name, (f"{name[:-1]}公交站",), "bus_stop", lon, lat))
    return rows


def _aliases(district: DemoDistrict, rng: random.Random) -> list[tuple[str, str]]:
    pairs = []
    for name, kind, _line in district.roads:
        if kind == "arterial" and name.endswith("大道"):
            pairs.append((name, name.removesuffix("大道") + "大马路"))
        elif kind == "secondary" and name.endswith("街") and rng.random() < 0.3:
            pairs.append((name, "老" + name))
    return pairs


def gazetteer_step(city: DemoCity, *, actor: User) -> None:
    """Door numbers, named places and road aliases for the geocoder."""
    doors: list[AddressRow] = []
    places: list[PoiRow] = []
    aliases: list[tuple[str, str]] = []
    for district in city.districts:
        rng = city.rng_for(district.spec.label("gazetteer"))
        doors += _doors(district, rng)
        places += _places(district, rng) + _bus_stops(district)
        aliases += _aliases(district, rng)
    source = f"demo city, seed {city.seed}"
    import_road_aliases(aliases, actor=actor, source=source)
    import_address_points(doors, actor=actor, source=source)
    import_pois(places, actor=actor, source=source)
    city.summary["address points"] = len(doors)
    city.summary["points of interest"] = len(places)
