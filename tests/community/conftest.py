"""A community with a service station on top of the case loop's small city (tests.cases.conftest):
community A (东一社区) runs a station whose head may also handle cases sent to it; community B's
station has its own head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cityloop.community.actions import appoint_head, open_station, save_professional
from cityloop.community.models import Post, Professional, Station
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, Unit, User
from tests.cases.conftest import POINT_A, POINT_B, Loop, loop, png_bytes  # noqa: F401

__all__ = ["POINT_A", "POINT_B", "png_bytes"]


@dataclass
class Community:
    loop: Loop
    station: Station
    station_unit: Unit
    station_b: Station
    building: Post
    plumber: Professional
    users: dict[str, User]

    def photo(self) -> list[tuple[str, bytes]]:
        return [("after.png", png_bytes("green"))]


@pytest.fixture
def community(loop: Loop, actor: User) -> Community:  # noqa: F811 (the fixture)
    org = loop.org
    unit_a = create_unit(
        actor=actor, code="990100001001-ZZ", name="东一社区工作站", kind="station", parent=org.community_a
    )
    unit_b = create_unit(
        actor=actor, code="990100002001-ZZ", name="西一社区工作站", kind="station", parent=org.community_b
    )
    users = dict(loop.users)
    users["station_head"] = create_user(
        actor=actor,
        username="station_head",
        password="demo-pass-2026",
        display_name="王站长",
        roles=[(unit_a, Role.COMMUNITY_HEAD), (org.community_a, Role.COMMUNITY_HEAD), (unit_a, Role.HANDLER)],
    )
    users["station_head_b"] = create_user(
        actor=actor,
        username="station_head_b",
        password="demo-pass-2026",
        roles=[(unit_b, Role.COMMUNITY_HEAD)],
    )
    users["building_head"] = users["community_head_a"]
    users["plumber_user"] = create_user(
        actor=actor,
        username="plumber_user",
        password="demo-pass-2026",
        roles=[(org.community_a, Role.COMMUNITY_HEAD)],
    )
    admin = users["admin"]
    station = open_station(
        actor=admin, community=org.community_a, name="东一社区工作站", unit=unit_a, task_hours=8
    )
    station_b = open_station(actor=admin, community=org.community_b, name="西一社区工作站", unit=unit_b)
    appoint_head(actor=admin, station=station, user=users["station_head"], kind="station_head")
    appoint_head(actor=admin, station=station_b, user=users["station_head_b"], kind="station_head")
    building = appoint_head(
        actor=admin,
        station=station,
        user=users["building_head"],
        kind="building",
        place_name="3号楼",
        geometry=f"POINT ({POINT_A[0]} {POINT_A[1]})",
    )
    plumber = save_professional(
        actor=admin,
        station=station,
        name="李师傅",
        trade="water",
        phone="13900000001",
        user=users["plumber_user"],
    )
    return Community(loop, station, unit_a, station_b, building, plumber, users)


@pytest.fixture
def raised(community: Community) -> Any:
    """A leaking pipe a resident told the building head about."""
    from cityloop.community.tasks import raise_task

    return raise_task(
        actor=community.users["building_head"],
        station=community.station,
        source="resident",
        description="3号楼下水管漏水",
        lon=POINT_A[0],
        lat=POINT_A[1],
        address="3号楼东侧",
        reporter_name="张阿姨",
        reporter_phone="13800001111",
        photos=[("leak.png", png_bytes("blue"))],
    )
