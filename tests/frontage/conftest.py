"""Fixtures for frontage zones: the assets' four grids over the two communities, and party rows."""

from __future__ import annotations

from typing import Any

import pytest

from cityloop.frontage import uscc
from tests.assets.conftest import grids  # noqa: F401  (the fixture)

# Community A's grids span lon 118.780–118.790, lat 32.040–32.045; community B's lat 32.045–32.050.


def code(n: int) -> str:
    """A valid unified social credit code, different for each ``n``."""
    return uscc.make("9", "1", "990100", f"{n:08d}")


def shop(n: int, *, lon: float = 118.7810, lat: float = 32.0410, **extra: Any) -> dict[str, Any]:
    """A shop row whose zone is generated from a 10 m frontage line running east at (lon, lat), 5 m
    deep on its north side."""
    row = {
        "uscc": code(n),
        "name": f"商户{n}",
        "business_type": "餐饮",
        "contact_name": f"联系人{n}",
        "contact_phone": "13800000000",
        "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.0001} {lat})",
        "depth": "5",
    }
    row.update(extra)
    return row


@pytest.fixture(autouse=True)
def standard_duties(request: pytest.FixtureRequest) -> None:
    """The three duties the migration loads, back in place if a transactional test emptied them."""
    if "actor" in request.fixturenames:
        from cityloop.frontage.actions import load_standard_duties

        load_standard_duties(actor=request.getfixturevalue("actor"))


# Letters, inspections and notices (tests/frontage/docs_fixtures.py).
from .docs_fixtures import shops  # noqa: E402, F401
