"""Zone polygons: given, or drawn from a frontage line and a depth on the street side.

Distances are metres: the line is projected to a local azimuthal equidistant plane around its
centre (exact enough for a shop front), buffered on one side, and projected back.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import LineString, Polygon

EARTH_RADIUS_M = 6_371_008.8
MAX_DEPTH_M = 50.0


def _to_local(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    k = math.cos(math.radians(lat0))
    return shapely.transform(
        geom,
        lambda xy: (
            (xy - (lon0, lat0)) * (math.radians(1) * EARTH_RADIUS_M * k, math.radians(1) * EARTH_RADIUS_M)
        ),
    )


def _from_local(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    k = math.cos(math.radians(lat0))
    return shapely.transform(
        geom,
        lambda xy: (
            xy / (math.radians(1) * EARTH_RADIUS_M * k, math.radians(1) * EARTH_RADIUS_M) + (lon0, lat0)
        ),
    )


def zone_from_frontage(line: LineString, depth_m: float, *, side: str = "left") -> Polygon:
    """The zone in front of a frontage: the strip ``depth_m`` metres deep on ``side`` of the line
    (``left`` or ``right`` looking along it; draw the frontage so that the street is on the left, the
    default). Raises ValueError for an unusable line or depth."""
    if line.geom_type != "LineString" or line.is_empty or line.length == 0:
        raise ValueError("临街线应为一条非空的线")
    if not 0 < depth_m <= MAX_DEPTH_M:
        raise ValueError(f"进深应在0到{MAX_DEPTH_M:g}米之间")
    if side not in ("left", "right"):
        raise ValueError("方向应为left（左侧）或right（右侧）")
    centre = line.centroid
    local = _to_local(line, centre.x, centre.y)
    distance = depth_m if side == "left" else -depth_m
    strip = shapely.buffer(local, distance, single_sided=True, cap_style="flat", join_style="mitre")
    polygon = _from_local(strip, centre.x, centre.y)
    if polygon.geom_type != "Polygon" or polygon.is_empty:
        raise ValueError("临街线自相交，无法生成责任区")
    return shapely.normalize(polygon)


def area_m2(polygon: shapely.Geometry) -> float:
    """The polygon's area in square metres (local plane)."""
    centre = polygon.centroid
    return float(_to_local(polygon, centre.x, centre.y).area)
