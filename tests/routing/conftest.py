"""A small city for routing: the ``org`` tree, eight grids (one run by a property manager), a few more
departments, and three components (owned, unowned, a street tree with a maintenance contractor)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from cityloop.assets.actions import load_standard_states, record_component
from cityloop.assets.models import Component
from cityloop.core.actions import create_unit
from cityloop.core.models import Unit
from cityloop.geo.actions import import_grids
from cityloop.routing import actions
from cityloop.routing.models import Rule
from tests.cases.conftest import Loop, loop  # noqa: F401  (the case loop's fixture, for flows)
from tests.demo.conftest import demo_city  # noqa: F401  (the demo city, built once per module)
from tests.geo.conftest import DLAT, DLON, ORIGIN, org_features

# Points in grids: community A (street A) grids 001 (north-west) and 004 (south-east); community B
# (street B) grid 001, run by a property manager, and grid 003.
A1 = (ORIGIN[0] + DLON * 0.5, ORIGIN[1] + DLAT * 1.5)
A4 = (ORIGIN[0] + DLON * 1.5, ORIGIN[1] + DLAT * 0.5)
B1 = (ORIGIN[0] + DLON * 2.5, ORIGIN[1] + DLAT * 1.5)
B3 = (ORIGIN[0] + DLON * 2.5, ORIGIN[1] + DLAT * 0.5)
GRID_A1, GRID_A4, GRID_B1, GRID_B3 = (
    "990100001001001",
    "990100001001004",
    "990100002001001",
    "990100002001003",
)


@dataclass
class City:
    org: Any
    units: dict[str, Unit] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Unit:
        try:
            return self.units[name]
        except KeyError:
            return getattr(self.org, name)

    def rule(self, actor: Any, **values: Any) -> Rule:
        values.setdefault("name", f"rule {Rule.objects.count() + 1}")
        return actions.create_rule(actor=actor, **values)


@pytest.fixture
def city(org: Any, actor: Any) -> City:
    made = City(org)
    district = org.district
    for key, code, name, kind in (
        ("enforcement", "D-ZF", "执法大队", "department"),
        ("landscaping", "D-YL", "园林所", "department"),
        ("emergency", "D-YJ", "应急管理局", "department"),
        ("contractor", "D-LH", "绿化养护公司", "company"),
        ("property", "D-WY", "物业公司", "company"),
    ):
        made.units[key] = create_unit(actor=actor, code=code, name=name, kind=kind, parent=district)
    features = org_features()
    for feature in features:
        if feature["properties"]["code"] == GRID_B1:
            feature["properties"]["responsible_unit"] = "D-WY"
    import_grids(features, actor=actor, valid_from=dt.date(2020, 1, 1))
    load_standard_states(actor=actor)
    rows = {
        "owned": {
            "id": "9901000101000001",
            "owner": "D-WATER",
            "maintainer": "D-WATER",
            "lon": A1[0],
            "lat": A1[1],
        },
        "unowned": {"id": "9901000102000001", "authority": "D-SANI", "lon": A1[0], "lat": A1[1]},
        "unowned_b1": {"id": "9901000102000002", "lon": B1[0], "lat": B1[1]},
        "tree": {
            "id": "9901000402000001",
            "owner": "D-YL",
            "maintainer": "D-LH",
            "authority": "D-YL",
            "lon": A4[0],
            "lat": A4[1],
        },
    }
    for key, row in rows.items():
        made.components[key] = record_component(
            actor=actor, today=dt.date(2024, 1, 1), state="intact", first_recorded="2021-01-01", **row
        )
    return made
