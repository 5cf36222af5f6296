"""Demo step: shops along the main roads, each answering for the pavement in front of it (门前三包).

Shops stand on both sides of the arterial and secondary roads, 12 m from the centre line, 8–16 m of
frontage each with gaps between; each zone is drawn from its frontage line 5 m deep on the street
side, as a street's frontage officer draws them. A few hundred shops in all, so ``make run`` stays
fast; they are imported through :func:`cityloop.frontage.actions.import_frontage`.
"""

from __future__ import annotations

import math
import random
from typing import Any

import shapely
from shapely.ops import substring

from cityloop.core.models import User
from cityloop.frontage.actions import import_frontage, load_standard_duties
from cityloop.frontage.uscc import ALPHABET, make
from cityloop.geo.index import locate_many

from .city import DemoCity, DemoDistrict
from .components import M_PER_DEG_LAT, MAIN_ROADS
from .names import person_names

SHOPS_PER_DISTRICT = 150
SETBACK_M = 12.0
DEPTH_M = 5.0
TRADES = (
    ("便利店", "零售"),
    ("面馆", "餐饮"),
    ("水果店", "零售"),
    ("五金店", "零售"),
    ("修车行", "汽车维修"),
    ("药店", "医药"),
    ("理发店", "生活服务"),
    ("饺子馆", "餐饮"),
    ("烧烤店", "餐饮"),
    ("花店", "零售"),
    ("眼镜店", "零售"),
    ("洗衣店", "生活服务"),
)


def _frontages(district: DemoDistrict, rng: random.Random) -> list[tuple[str, shapely.LineString, str]]:
    """(road name, frontage line in lon/lat, street side) for shops along the district's main roads."""
    lat0 = district.roads[0][2].coords[0][1]
    kx, ky = M_PER_DEG_LAT * math.cos(math.radians(lat0)), M_PER_DEG_LAT
    found = []
    every_road = shapely.union_all(
        [shapely.transform(r[2], lambda xy: xy * [kx, ky]) for r in district.roads]
    )
    shapely.prepare(every_road)
    for name, kind, line in district.roads:
        if kind not in MAIN_ROADS:
            continue
        road = shapely.transform(line, lambda xy: xy * [kx, ky])
        for side, street_side in ((1, "right"), (-1, "left")):
            # The building line, parallel to the road; the road lies on its right (left) side.
            edge = road.offset_curve(side * SETBACK_M)
            if edge.geom_type != "LineString" or edge.length < 30:
                continue
            at = rng.uniform(5, 30)
            while at < edge.length - 20:
                width = rng.uniform(8, 16)
                piece = substring(edge, at, at + width)
                # Near a crossing the front would stand in the other road: no shop there.
                clear = shapely.distance(piece, every_road) > SETBACK_M - 0.5
                if clear and piece.geom_type == "LineString" and piece.length > 4:
                    found.append((name, shapely.transform(piece, lambda xy: xy / [kx, ky]), street_side))
                at += width + rng.uniform(15, 60)
    return found


def frontage_rows(
    district: DemoDistrict, rng: random.Random, limit: int = SHOPS_PER_DISTRICT
) -> list[dict[str, Any]]:
    """Import rows of the shops along ``district``'s roads that lie inside its grids."""
    fronts = _frontages(district, rng)
    rng.shuffle(fronts)
    mids = [f[1].interpolate(0.5, normalized=True) for f in fronts]
    inside = locate_many([p.x for p in mids], [p.y for p in mids])
    code = district.district.code
    chosen = [(f, loc) for f, loc in zip(fronts, inside, strict=True) if loc and loc.district_code == code]
    chosen = chosen[:limit]
    people = person_names(rng, len(chosen))
    rows = []
    for n, ((road, line, street_side), loc) in enumerate(chosen, start=1):
        trade, business = TRADES[rng.randrange(len(TRADES))]
        body = "".join(ALPHABET[rng.randrange(len(ALPHABET))] for _ in range(8))
        rows.append(
            {
                "uscc": make("9", rng.choice("123"), code, body),
                "name": f"{road}{people[n - 1][0]}记{trade}",
                "business_type": business,
                "address": f"{road}{n}号",
                "contact_name": people[n - 1],
                "contact_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                "community": loc.community_code if loc else "",
                "geometry": shapely.to_wkt(line, rounding_precision=7),
                "depth": DEPTH_M,
                "side": street_side,
            }
        )
    return rows


def frontage_step(city: DemoCity, *, actor: User) -> None:
    """Shops along the main roads with their 门前三包 zones (a few hundred)."""
    load_standard_duties(actor=actor)
    total = 0
    for district in city.districts:
        rows = frontage_rows(district, city.rng_for(district.spec.label("frontage")))
        report = import_frontage(rows, actor=actor)
        if report.errors:
            raise RuntimeError(f"demo frontage rows were rejected: {[str(e) for e in report.errors[:5]]}")
        total += report.parties_created + report.parties_updated
    city.summary["frontage parties"] = total
