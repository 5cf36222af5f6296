"""Tiny synthetic unit grids: a 2×2 block of ~100 m squares in each of the ``org`` communities."""

from __future__ import annotations

from typing import Any

import pytest

from cityloop.geo.actions import import_grids

# About 100 m at 30°N: a degree of latitude is ~110.9 km, one of longitude ~96.5 km.
DLON = 0.00104
DLAT = 0.0009
# Community A's block starts here; community B's sits just east of it, touching.
ORIGIN = (120.0, 30.0)


def square(lon: float, lat: float, dlon: float = DLON, dlat: float = DLAT) -> dict[str, Any]:
    """A GeoJSON polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, **props}}


def block(community: str, lon: float, lat: float) -> list[dict[str, Any]]:
    """Four grids numbered west→east, then north→south (001 002 / 003 004)."""
    features = []
    seq = 1
    for row in (1, 0):
        for col in (0, 1):
            features.append(
                feature(
                    f"{community}{seq:03d}", square(lon + col * DLON, lat + row * DLAT), name=f"网格{seq}"
                )
            )
            seq += 1
    return features


def org_features() -> list[dict[str, Any]]:
    """Eight grids: community A (990100001001) west, community B (990100002001) east of it."""
    lon, lat = ORIGIN
    return block("990100001001", lon, lat) + block("990100002001", lon + 2 * DLON, lat)


@pytest.fixture
def grids(org: Any, actor: Any) -> Any:
    """The eight grids of :func:`org_features`, valid from 2020-01-01."""
    import datetime as dt

    return import_grids(org_features(), actor=actor, valid_from=dt.date(2020, 1, 1))


from tests.demo.conftest import demo_city  # noqa: E402, F401  (the demo city, built once per module)
