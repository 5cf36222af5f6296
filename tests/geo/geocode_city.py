"""A tiny gazetteer over the eight test grids (see conftest): two roads that cross, a lane, door
numbers on 长江中路 (odd north, even south, every 10 numbers), a school and the two communities."""

from __future__ import annotations

from typing import Any

import shapely

from cityloop.geo.actions import create_roads
from cityloop.geo.place_actions import import_address_points, import_pois
from cityloop.geo.placefiles import AddressRow, PoiRow

from .conftest import DLAT, DLON, ORIGIN

LON, LAT = ORIGIN
MID_LAT = LAT + DLAT  # 长江中路 runs east–west between the two rows of grids
CROSS_LON = LON + DLON  # 桂花一巷 runs north–south between the two columns of community A
CROSSING = (CROSS_LON, MID_LAT)


def door_lon(number: int) -> float:
    return LON + 0.0001 + (number - 1 + number % 2) // 10 * 0.001


def build(org: Any, actor: Any) -> None:
    create_roads(
        [
            ("长江中路", "arterial", shapely.LineString([(LON, MID_LAT), (LON + 4 * DLON, MID_LAT)])),
            ("桂花一巷", "lane", shapely.LineString([(CROSS_LON, LAT), (CROSS_LON, LAT + 2 * DLAT)])),
        ],
        actor=actor,
        district=org.district,
    )
    doors = []
    for number in (1, 11, 21, 31, 2, 12, 22, 32):
        lat = MID_LAT + (0.0001 if number % 2 else -0.0001)
        doors.append(AddressRow("长江中路", number, "", door_lon(number), lat))
    import_address_points(doors, actor=actor, source="test")
    import_pois(
        [PoiRow("云湖市第一中学", ("一中",), "school", LON + 0.0005, LAT + 0.0013)],
        actor=actor,
        source="test",
    )
