"""A camera's field of view on the ground: checked when given, or derived as a sector from the
camera's point, view direction, angle and range (metres; small distances, so a local
equirectangular approximation is well within a metre)."""

from __future__ import annotations

import math
from typing import Any

import shapely
from django.core.exceptions import ValidationError

METRES_PER_DEGREE = 111_320.0
MAX_RANGE_M = 2000.0
SECTOR_STEPS = 12


def sector(lon: float, lat: float, direction: float, angle: float, range_m: float) -> list[list[list[float]]]:
    """GeoJSON Polygon coordinates of the sector a camera at (lon, lat) sees: ``direction`` degrees
    clockwise from north, ``angle`` degrees wide (360: a dome camera's full circle), ``range_m`` deep."""
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    full = angle >= 360
    start = direction - angle / 2
    ring: list[list[float]] = [] if full else [[lon, lat]]
    steps = SECTOR_STEPS * (3 if full else 1)
    for i in range(steps + (0 if full else 1)):
        bearing = math.radians(start + angle * i / steps)
        dx = range_m * math.sin(bearing)
        dy = range_m * math.cos(bearing)
        ring.append(
            [round(lon + dx / (METRES_PER_DEGREE * cos_lat), 7), round(lat + dy / METRES_PER_DEGREE, 7)]
        )
    ring.append(ring[0])
    return [ring]


def check_polygon(value: Any, lon: float, lat: float) -> list[list[list[float]]]:
    """A given field of view: a GeoJSON Polygon (or its coordinates), valid, near the camera."""
    coords = value.get("coordinates") if isinstance(value, dict) else value
    if isinstance(value, dict) and value.get("type") not in (None, "Polygon"):
        raise ValidationError({"fov": "给出GeoJSON面（Polygon）"})
    try:
        polygon = shapely.geometry.shape({"type": "Polygon", "coordinates": coords})
    except (TypeError, ValueError, IndexError, AttributeError, shapely.errors.GEOSException):
        raise ValidationError({"fov": "视域不是有效的GeoJSON面坐标"}) from None
    if polygon.is_empty or not polygon.is_valid or polygon.area == 0:
        raise ValidationError({"fov": "视域面无效（自相交或无面积）"})
    minx, miny, maxx, maxy = polygon.bounds
    reach = MAX_RANGE_M / METRES_PER_DEGREE / max(math.cos(math.radians(lat)), 1e-6)
    if not (minx >= lon - reach and maxx <= lon + reach and miny >= lat - reach and maxy <= lat + reach):
        raise ValidationError({"fov": "视域面离摄像头超过2公里"})
    if len(polygon.exterior.coords) > 200:
        raise ValidationError({"fov": "视域面顶点不超过200个"})
    return [[[round(x, 7), round(y, 7)] for x, y in polygon.exterior.coords]]


def field_of_view(
    *, lon: float, lat: float, direction: float | None, angle: float, range_m: float, given: Any = None
) -> list[list[list[float]]]:
    """The polygon to store: the given one, checked, or the sector derived from the view."""
    if given:
        return check_polygon(given, lon, lat)
    if direction is None:
        # No direction known: a dome camera, seeing all round within its range.
        return sector(lon, lat, 0.0, 360.0, range_m)
    return sector(lon, lat, direction, angle, range_m)


def view_point(fov: list[list[list[float]]], lon: float, lat: float) -> tuple[float, float]:
    """Where a case seen through this camera is placed: the middle of what it sees (a point inside
    the polygon), or the camera itself when the polygon is missing."""
    if not fov:
        return lon, lat
    polygon = shapely.geometry.Polygon(fov[0])
    point = polygon.representative_point()
    return round(point.x, 7), round(point.y, 7)
