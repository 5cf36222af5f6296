"""Metric measurements of WGS84 geometries: areas and overlaps in square metres.

Grids are stored in lon/lat degrees, where areas mean nothing. We project to a Lambert azimuthal
equal-area projection centred on the data being measured: it preserves areas exactly everywhere (so the
overlap tolerance and the area of a grid are true square metres), and centring it on the data keeps
shapes nearly undistorted across a city, which matters for the sliver overlaps we compare against a
tolerance of a square metre or so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely


class EqualArea:
    """A local equal-area projection (metres) centred on ``(lon0, lat0)``, with vectorised helpers."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = float(lon0), float(lat0)
        crs = pyproj.CRS.from_proj4(
            f"+proj=laea +lat_0={self.lat0:.6f} +lon_0={self.lon0:.6f} +datum=WGS84 +units=m +no_defs"
        )
        self._forward = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, geoms: npt.ArrayLike) -> EqualArea:
        """A projection centred on the middle of the bounding box of ``geoms`` (degrees)."""
        arr = np.asarray(geoms, dtype=object)
        bounds = shapely.total_bounds(arr[~shapely.is_missing(arr)]) if arr.size else np.full(4, np.nan)
        if np.isnan(bounds).any():
            return cls(0.0, 0.0)
        return cls((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)

    def project(self, geoms: Any) -> Any:
        """``geoms`` (lon/lat) in metres; arrays stay arrays."""
        return shapely.transform(geoms, self._forward.transform, interleaved=False)

    def unproject(self, geoms: Any) -> Any:
        """``geoms`` (metres) back to lon/lat."""
        return shapely.transform(geoms, self._inverse.transform, interleaved=False)


def area_m2(geom: shapely.Geometry) -> float:
    """The area of one lon/lat geometry in square metres."""
    centre = geom.centroid
    return float(shapely.area(EqualArea(centre.x, centre.y).project(geom)))
