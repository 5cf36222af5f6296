"""Coordinate systems a report or an import may arrive in, and their conversion to the stored WGS84.

CityLoop stores longitude/latitude in WGS84 (EPSG:4326). Accepted on the way in:

- ``wgs84`` (EPSG:4326): GPS and the browser's geolocation; stored as given.
- ``cgcs2000`` (EPSG:4490): China's geodetic system. Its ellipsoid and WGS84's differ by 0.1 mm in the
  semi-minor axis and the frames by a few centimetres, far below what a report or a grid needs, so it
  is taken as WGS84 (as PROJ does without a grid shift).
- ``EPSG:4513``–``EPSG:4533``: CGCS2000 3-degree Gauss–Krüger zones 25–45, easting with the zone number
  in front (39 500 000 is zone 39's central meridian); ``EPSG:4534``–``EPSG:4554``: the same zones
  without the prefix (false easting 500 000). Projected with pyproj (PROJ), then taken as WGS84.
- ``gcj02``: the offset coordinates of AMap (高德), Tencent and WeChat; ``bd09``: Baidu's, an offset of
  GCJ-02. Neither is in PROJ: the forward transforms are the published public algorithm (Krasovsky
  constants), the inverses are solved by iteration to under 1e-9 degrees. Outside China's bounding
  box both apply no offset, as the map apps do for GCJ-02.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

WGS84 = "wgs84"
CGCS2000 = "cgcs2000"
GCJ02 = "gcj02"
BD09 = "bd09"
# Prefixed zones 25–45 (EPSG:4513–4533) and the central-meridian variants (EPSG:4534–4554).
GK_ZONE_EPSG = range(4513, 4534)
GK_CM_EPSG = range(4534, 4555)

ALIASES = {
    "wgs84": WGS84,
    "wgs-84": WGS84,
    "epsg:4326": WGS84,
    "4326": WGS84,
    "cgcs2000": CGCS2000,
    "epsg:4490": CGCS2000,
    "4490": CGCS2000,
    "gcj02": GCJ02,
    "gcj-02": GCJ02,
    "bd09": BD09,
    "bd-09": BD09,
    "bd09ll": BD09,
}
# For forms and the docs: the names a person picks from.
CHOICES = (WGS84, GCJ02, BD09, CGCS2000)

# The GCJ-02 algorithm's constants: Krasovsky 1940 semi-major axis and first eccentricity squared.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
# The box the map apps treat as "China" (outside it GCJ-02 and BD-09 equal WGS84).
_CHINA = (72.004, 0.8293, 137.8347, 55.8271)
_TOLERANCE = 1e-9
_MAX_ITERATIONS = 30


class CoordinateError(ValueError):
    """Coordinates that cannot be in the named system (out of range, or an unknown system)."""


@dataclass(frozen=True, slots=True)
class Original:
    """Coordinates as they were given: the system's name and the two numbers (x = east, y = north)."""

    crs: str
    x: float
    y: float

    def as_dict(self) -> dict[str, Any]:
        return {"crs": self.crs, "x": self.x, "y": self.y}


def normalize(name: str | None) -> str:
    """The canonical name of a coordinate system: ``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09`` or
    ``EPSG:45xx`` for a Gauss–Krüger zone. Empty means WGS84; anything else is a CoordinateError."""
    text = (name or "").strip().lower().replace("_", "")
    if not text:
        return WGS84
    if text in ALIASES:
        return ALIASES[text]
    code = text.removeprefix("epsg:")
    if code.isdigit() and (int(code) in GK_ZONE_EPSG or int(code) in GK_CM_EPSG):
        return f"EPSG:{int(code)}"
    raise CoordinateError(
        f"unknown coordinate system {name!r}: use wgs84, cgcs2000, gcj02, bd09, EPSG:4490 or a CGCS2000 "
        "3-degree Gauss–Krüger zone EPSG:4513–4554"
    )


def is_projected(crs: str) -> bool:
    """True for the Gauss–Krüger zones (metres), False for the longitude/latitude systems."""
    return crs.startswith("EPSG:")


def gk_central_meridian(crs: str) -> tuple[int, int | None]:
    """``(central meridian, zone number or None)`` of a Gauss–Krüger system name."""
    code = int(crs.removeprefix("EPSG:"))
    if code in GK_ZONE_EPSG:
        zone = 25 + code - GK_ZONE_EPSG.start
        return 3 * zone, zone
    return 75 + 3 * (code - GK_CM_EPSG.start), None


@lru_cache(maxsize=64)
def _transformer(crs: str, inverse: bool = False) -> pyproj.Transformer:
    # CGCS2000 geographic stands in for WGS84 (see the module docstring); always_xy keeps lon, lat order.
    if inverse:
        return pyproj.Transformer.from_crs("EPSG:4490", crs, always_xy=True)
    return pyproj.Transformer.from_crs(crs, "EPSG:4490", always_xy=True)


def _out_of_china(lon: Any, lat: Any) -> Any:
    west, south, east, north = _CHINA
    return (lon < west) | (lon > east) | (lat < south) | (lat > north)


def _gcj_delta(lon: Any, lat: Any) -> tuple[Any, Any]:
    """The GCJ-02 offset (degrees) at a WGS84 point; arrays or scalars."""
    x, y = lon - 105.0, lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """WGS84 → GCJ-02 (the published forward transform)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu's published forward transform); no offset outside China."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    outside = _out_of_china(x, y)
    return np.where(outside, x, z * np.cos(theta) + 0.0065), np.where(outside, y, z * np.sin(theta) + 0.006)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """WGS84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(forward: Any, lon: Any, lat: Any) -> tuple[Any, Any]:
    """Solve ``forward(x) = target`` by fixed-point iteration: the offsets change by micro-degrees over
    the few hundred metres they shift a point, so each step gains several digits."""
    target_lon, target_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = target_lon.copy(), target_lat.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = fx - target_lon, fy - target_lat
        x, y = x - ex, y - ey
        # NaN (a point refused earlier) compares False here, so it never keeps the loop going.
        if not np.any((np.abs(ex) >= _TOLERANCE) | (np.abs(ey) >= _TOLERANCE)):
            break
    return x, y


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """GCJ-02 → WGS84, exact to 1e-9 degrees (not the one-step approximation, which is off by metres)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """BD-09 → WGS84, by iteration of the whole forward chain."""
    return _invert(wgs84_to_bd09, lon, lat)


def _check_range(crs: str, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which points are plausible in ``crs`` (finite, and in the system's range)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not is_projected(crs):
        return ok & (x >= -180) & (x <= 180) & (y >= -90) & (y <= 90)
    _, zone = gk_central_meridian(crs)
    # A 3-degree zone is about 170 km either side of its central meridian at the equator; allow the
    # overlap surveyors use at zone edges, and northings from the equator to the pole.
    offset = (zone or 0) * 1_000_000 + 500_000
    return ok & (np.abs(x - offset) <= 400_000) & (y >= 0) & (y <= 10_002_000)


def range_message(crs: str) -> str:
    """Why a point is refused in ``crs``: what the numbers should look like."""
    if not is_projected(crs):
        return "longitude must be within −180…180 and latitude within −90…90 degrees"
    meridian, zone = gk_central_meridian(crs)
    if zone:
        return (
            f"{crs} is Gauss–Krüger zone {zone} (central meridian {meridian}°E): the easting must start "
            f"with the zone number, about {zone}500000 ± 400000 m, and the northing 0…10002000 m"
        )
    return (
        f"{crs} is the Gauss–Krüger zone with central meridian {meridian}°E and no zone prefix: the "
        "easting must be about 500000 ± 400000 m and the northing 0…10002000 m"
    )


def to_wgs84_arrays(
    x: npt.ArrayLike, y: npt.ArrayLike, crs: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Convert many points from ``crs`` (a canonical name) to WGS84 lon/lat. Returns ``(lon, lat, ok)``:
    ``ok`` is False where a point is out of the system's range (its lon/lat are then NaN)."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = _check_range(crs, xs, ys)
    xs, ys = np.where(ok, xs, np.nan), np.where(ok, ys, np.nan)
    if crs in (WGS84, CGCS2000):
        lon, lat = xs, ys
    elif crs == GCJ02:
        lon, lat = gcj02_to_wgs84(xs, ys)
    elif crs == BD09:
        lon, lat = bd09_to_wgs84(xs, ys)
    else:
        lon, lat = _transformer(crs).transform(xs, ys)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return lon, lat, ok


def to_wgs84(x: float, y: float, crs: str | None = WGS84) -> tuple[float, float]:
    """One point from ``crs`` (any accepted name) to WGS84 ``(lon, lat)``; CoordinateError if the
    system is unknown or the point cannot be in it."""
    name = normalize(crs)
    lon, lat, ok = to_wgs84_arrays([x], [y], name)
    if not ok[0]:
        raise CoordinateError(f"({x}, {y}) is not a point in {name}: {range_message(name)}")
    return float(lon[0]), float(lat[0])


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """One WGS84 point in ``crs`` (for exports and tests)."""
    name = normalize(crs)
    if name in (WGS84, CGCS2000):
        return float(lon), float(lat)
    if name == GCJ02:
        gx, gy = wgs84_to_gcj02(lon, lat)
        return float(gx), float(gy)
    if name == BD09:
        bx, by = wgs84_to_bd09(lon, lat)
        return float(bx), float(by)
    px, py = _transformer(name, inverse=True).transform(lon, lat)
    return float(px), float(py)


def geometry_to_wgs84(geom: shapely.Geometry, crs: str) -> shapely.Geometry:
    """One shapely geometry from ``crs`` (a canonical name) to WGS84; CoordinateError if any of its
    points cannot be in that system."""
    if crs in (WGS84, CGCS2000):
        return geom
    coords = shapely.get_coordinates(geom)
    lon, lat, ok = to_wgs84_arrays(coords[:, 0], coords[:, 1], crs)
    if not ok.all():
        x, y = coords[~ok][0]
        raise CoordinateError(f"coordinates are not in {crs}: ({x:.10g}, {y:.10g}); {range_message(crs)}")
    converted = np.column_stack([lon, lat])
    return shapely.transform(geom, lambda _: converted)


def crs_from_wkt(wkt: str) -> str | None:
    """Our name for the system a ``.prj`` or GeoPackage WKT describes, or None if it is none of ours.

    GCJ-02 and BD-09 have no WKT: files in them look like WGS84 and need an explicit override."""
    try:
        found = pyproj.CRS.from_wkt(wkt)
    except pyproj.exceptions.CRSError:
        return None
    named = crs_from_epsg(found.to_epsg(min_confidence=70))
    return named or _gauss_kruger_by_parameters(found)


def _gauss_kruger_by_parameters(found: pyproj.CRS) -> str | None:
    """Recognise a CGCS2000 3-degree zone by its parameters: exporters name them many ways (and some
    declare the axes north-first), which lowers PROJ's confidence in the EPSG match."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # to_dict warns that PROJ strings lose information
        params = found.to_dict()
    if params.get("proj") != "tmerc" or float(params.get("k", params.get("k_0", 1))) != 1.0:
        return None
    if params.get("ellps") != "GRS80" or float(params.get("lat_0", 0)) != 0.0 or params.get("y_0", 0):
        return None
    meridian, false_easting = float(params.get("lon_0", 0)), float(params.get("x_0", 0))
    if meridian % 3 or not 75 <= meridian <= 135:
        return None
    zone = int(meridian // 3)
    if false_easting == 500_000:
        return f"EPSG:{GK_CM_EPSG.start + zone - 25}"
    if false_easting == zone * 1_000_000 + 500_000:
        return f"EPSG:{GK_ZONE_EPSG.start + zone - 25}"
    return None


def crs_from_epsg(code: int | None) -> str | None:
    """Our name for an EPSG code, or None."""
    if code is None:
        return None
    try:
        return normalize(f"EPSG:{code}")
    except CoordinateError:
        return None
