"""Demo steps for the catalog and the component inventory.

``conditions_step`` gives every subclass its registration conditions; ``components_step`` surveys each
district's roads: covers, lamps, trees, bins, signs and the rest at the spacing a real survey finds,
owned the way a real district's are (the water company owns the water covers, the street-lighting
office the lamps, …), with a few hundred unowned (无主) ones, and the footbridges over the arterials,
which the city's municipal facilities office owns (their cases are the city's to command); and
imports them through :func:`cityloop.assets.actions.import_components`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import shapely

from cityloop.assets.actions import import_components, load_standard_states
from cityloop.catalog.actions import load_demo_conditions, load_standard
from cityloop.core.models import User
from cityloop.geo.index import locate_many

from .city import DemoCity, DemoDistrict

MAIN_ROADS = ("arterial", "secondary")
M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Placement:
    """One kind of component along one kind of road: every ``spacing`` metres, ``sides`` sides of the
    road, ``offset`` metres from its centre line; ``length`` > 0 makes it a line (railings) and
    ``area`` a small polygon (green plots)."""

    subclass: str
    roads: tuple[str, ...]
    spacing: float
    offset: float
    sides: int = 1
    length: float = 0.0
    area: bool = False


PLACEMENTS: tuple[Placement, ...] = (
    Placement("0101", MAIN_ROADS, 60, 4), Placement("0101", ("lane",), 80, 2),
    Placement("0102", MAIN_ROADS, 50, 2), Placement("0102", ("lane",), 60, 1),
    Placement("0103", MAIN_ROADS, 40, 6), Placement("0103", ("lane",), 60, 2),
    Placement("0104", MAIN_ROADS, 30, 7, sides=2),
    Placement("0105", MAIN_ROADS, 80, 8), Placement("0106", MAIN_ROADS, 120, 9),
    Placement("0107", MAIN_ROADS, 80, 8), Placement("0108", MAIN_ROADS, 150, 8),
    Placement("0109", MAIN_ROADS, 200, 8), Placement("0110", ("arterial",), 200, 5),
    Placement("0111", MAIN_ROADS, 100, 5), Placement("0111", ("lane",), 150, 2),
    Placement("0112", ("arterial",), 400, 9), Placement("0113", (*MAIN_ROADS, "lane"), 120, 9),
    Placement("0114", ("lane",), 300, 2), Placement("0115", MAIN_ROADS, 300, 10),
    Placement("0116", MAIN_ROADS, 400, 10), Placement("0118", MAIN_ROADS, 35, 10, sides=2),
    Placement("0118", ("lane",), 40, 3), Placement("0119", ("arterial",), 150, 11),
    Placement("0134", MAIN_ROADS, 400, 12), Placement("0136", ("arterial",), 300, 10),
    Placement("0202", ("secondary",), 150, 6), Placement("0203", ("arterial",), 500, 11),
    Placement("0209", MAIN_ROADS, 150, 10), Placement("0210", ("arterial",), 400, 10, sides=2),
    Placement("0211", ("arterial",), 250, 8, length=60), Placement("0212", MAIN_ROADS, 250, 11),
    Placement("0213", MAIN_ROADS, 300, 11), Placement("0301", MAIN_ROADS, 700, 15),
    Placement("0305", MAIN_ROADS, 60, 10), Placement("0305", ("lane",), 100, 3),
    Placement("0402", MAIN_ROADS, 12, 9, sides=2), Placement("0403", ("arterial",), 36, 9),
    Placement("0405", ("arterial",), 300, 18, area=True), Placement("0407", MAIN_ROADS, 200, 12),
    Placement("0501", ("lane",), 400, 3),
)  # fmt: skip

# subclass → (owner, maintenance unit, supervising authority), as keys of the demo's units.
OWNERSHIP: dict[str, tuple[str | None, str | None, str | None]] = {
    "0101": ("water", "water", "water_affairs"),
    "0102": ("municipal", "municipal", "water_affairs"),
    "0103": ("municipal", "municipal", "water_affairs"),
    "0104": ("municipal", "municipal", "water_affairs"),
    "0105": ("power", "power", None),
    "0106": ("street_lighting", "street_lighting", "municipal"),
    "0107": ("telecom", "telecom", None),
    "0108": ("cable_tv", "cable_tv", None),
    "0109": ("unicom", "unicom", None),
    "0110": ("heating", "heating", "housing"),
    "0111": ("gas", "gas", "housing"),
    "0112": ("traffic_police", "traffic_police", None),
    "0113": ("water", "water", "emergency"),
    "0114": (None, None, "municipal"),
    "0115": ("telecom", "telecom", None),
    "0116": ("power", "power", None),
    "0118": ("street_lighting", "street_lighting", "municipal"),
    "0119": ("street_lighting", "street_lighting", "municipal"),
    "0134": ("power", "power", None),
    "0136": ("traffic_police", "traffic_police", None),
    "0202": ("traffic", "traffic", "traffic"),
    "0203": ("traffic", "traffic", "traffic"),
    "0209": ("traffic", "traffic", "traffic"),
    "0210": ("traffic_police", "traffic_police", "traffic"),
    "0211": ("traffic", "municipal", "traffic"),
    "0212": ("traffic", "traffic", "traffic"),
    "0213": ("municipal", "municipal", "municipal"),
    "0301": ("sanitation", "sanitation_contractor", "sanitation"),
    "0305": ("sanitation", "sanitation_contractor", "sanitation"),
    "0402": ("landscaping", "greening_contractor", "landscaping"),
    "0403": ("landscaping", "greening_contractor", "landscaping"),
    "0405": ("landscaping", "greening_contractor", "landscaping"),
    "0407": ("landscaping", "greening_contractor", "landscaping"),
    "0501": ("property", "property", "housing"),
}
# Footbridges (过街天桥) over the arterials, surveyed apart (from a generator of their own) so that
# the rest of a district's inventory stays what it was; the city owns them.
BRIDGES: tuple[Placement, ...] = (Placement("0205", ("arterial",), 650, 0),)
CITY_OWNED: dict[str, tuple[str | None, str | None, str | None]] = {
    "0205": ("city_municipal", "city_municipal", "city_municipal"),
}
# Share of surveyed covers and poles whose owner the survey could not establish (无主).
UNKNOWN_OWNER_SHARE = 0.012
UNKNOWN_OWNER_CANDIDATES = {"0102", "0103", "0104", "0105", "0107", "0115", "0209", "0305"}
STATES = (("intact", 0.94), ("damaged", 0.035), ("missing", 0.01), ("occupied", 0.015))
SURVEY_DAY = dt.date(2020, 6, 30)


def conditions_step(city: DemoCity, *, actor: User) -> None:
    """Registration conditions for every subclass (examples plus defaults)."""
    load_standard(actor=actor)  # idempotent; restores the catalog if the database was flushed
    counts = load_demo_conditions(actor=actor)
    city.summary["registration conditions"] = counts["from_examples"] + counts["defaults"]


def _frame(district: DemoDistrict) -> tuple[float, float]:
    """Metres per degree of longitude and latitude around the district (good to a few cm here)."""
    lat = district.roads[0][2].coords[0][1]
    return M_PER_DEG_LAT * math.cos(math.radians(lat)), M_PER_DEG_LAT


def _to_metres(line: shapely.LineString, kx: float, ky: float) -> shapely.LineString:
    return shapely.transform(line, lambda xy: xy * [kx, ky])


def _survey(
    district: DemoDistrict, rng: random.Random, placements: tuple[Placement, ...] = PLACEMENTS
) -> list[tuple[str, shapely.Geometry]]:
    """(subclass, lon/lat geometry) for every component of ``placements`` along every road."""
    kx, ky = _frame(district)
    found: list[tuple[str, shapely.Geometry]] = []
    for _name, kind, line in district.roads:
        road = _to_metres(line, kx, ky)
        if road.length < 5:
            continue
        for spec in placements:
            if kind not in spec.roads:
                continue
            at = rng.uniform(0, spec.spacing)
            while at < road.length:
                a, b = road.interpolate(max(0.0, at - 1)), road.interpolate(min(road.length, at + 1))
                dx, dy = b.x - a.x, b.y - a.y
                norm = math.hypot(dx, dy) or 1.0
                for side in (1, -1)[: spec.sides]:
                    off = side * spec.offset * rng.uniform(0.85, 1.15)
                    x, y = road.interpolate(at).x - dy / norm * off, road.interpolate(at).y + dx / norm * off
                    if spec.length:
                        ux, uy = dx / norm * spec.length / 2, dy / norm * spec.length / 2
                        geom: shapely.Geometry = shapely.LineString([(x - ux, y - uy), (x + ux, y + uy)])
                    elif spec.area:
                        geom = shapely.box(x - 10, y - 5, x + 10, y + 5)
                    else:
                        geom = shapely.Point(x, y)
                    found.append((spec.subclass, shapely.transform(geom, lambda xy: xy / [kx, ky])))
                at += spec.spacing * rng.uniform(0.8, 1.2)
    return found


def _state(rng: random.Random) -> str:
    pick, total = rng.random(), 0.0
    for code, share in STATES:
        total += share
        if pick < total:
            return code
    return STATES[0][0]


def _representative(geom: shapely.Geometry) -> tuple[float, float]:
    """The point a component is found at (to the 7 decimals a survey records): the point itself, the
    middle of a line, a point inside a polygon."""
    if geom.geom_type == "LineString":
        geom = geom.interpolate(0.5, normalized=True)
    elif geom.geom_type != "Point":
        geom = geom.representative_point()
    return round(geom.x, 7), round(geom.y, 7)


def _code(city: DemoCity, district: DemoDistrict, key: str | None) -> str | None:
    """The code of the unit ``key`` names in the district (a ``city_`` key: the city's own unit);
    ``""`` for no key, ``None`` when the district has nobody for it."""
    if key is None:
        return ""
    if key in city.city_units:
        return city.city_units[key].code
    found = district.find(key)
    return found.code if found else None


def component_rows(
    city: DemoCity,
    district: DemoDistrict,
    rng: random.Random,
    placements: tuple[Placement, ...] = PLACEMENTS,
    ownership: dict[str, tuple[str | None, str | None, str | None]] = OWNERSHIP,
) -> list[dict[str, Any]]:
    """Import rows for the components surveyed along ``district``'s roads that lie inside its grids.
    A component whose owner the district has nobody for (no heating company, no heating covers) is
    not there."""
    survey = _survey(district, rng, placements)
    points = [_representative(g) for _, g in survey]
    inside = locate_many([p[0] for p in points], [p[1] for p in points])
    code = district.district.code
    sequences: Counter[str] = Counter()
    rows = []
    for (subclass, geom), (lon, lat), location in zip(survey, points, inside, strict=True):
        if location is None or location.district_code != code:  # the far side of an edge road
            continue
        owner, maintainer, authority = ownership.get(subclass, (None, None, None))
        if subclass in UNKNOWN_OWNER_CANDIDATES and rng.random() < UNKNOWN_OWNER_SHARE:
            owner = maintainer = None
        units = [_code(city, district, key) for key in (owner, maintainer, authority)]
        if units[0] is None:
            continue
        sequences[subclass] += 1
        first = SURVEY_DAY - dt.timedelta(days=rng.randrange(0, 5 * 365))
        changed = first if rng.random() < 0.8 else first + dt.timedelta(days=rng.randrange(1, 1500))
        row: dict[str, Any] = {
            "id": f"{code}{subclass}{sequences[subclass]:06d}",
            "owner": units[0],
            "maintainer": units[1] or "",
            "authority": units[2] or "",
            "state": _state(rng),
            "first_recorded": first.isoformat(),
            "changed": changed.isoformat(),
            "source": "部件普查" if first <= SURVEY_DAY - dt.timedelta(days=365) else "日常巡查补录",
        }
        row.update(lon=lon, lat=lat)
        if geom.geom_type != "Point":
            row["_geometry"] = geom
        rows.append(row)
    return rows


def components_step(city: DemoCity, *, actor: User) -> None:
    """Components along the roads, with their owners (20,000+, a few hundred unowned)."""
    load_standard_states(actor=actor)
    total = unowned = 0
    for district in city.districts:
        label = district.spec.label("components")
        rows = component_rows(city, district, city.rng_for(label))
        rows += component_rows(city, district, city.rng_for(f"{label}:bridges"), BRIDGES, CITY_OWNED)
        report = import_components(rows, actor=actor)
        if report.errors:
            raise RuntimeError(f"demo components were rejected: {report.errors[:5]}")
        total += report.created + report.updated + report.unchanged
        unowned += sum(1 for r in rows if not r["owner"])
    city.summary["components"] = total
    city.summary["unowned components"] = unowned
