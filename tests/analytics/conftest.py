"""A small city with a year of synthetic case history: cases are bulk-inserted at chosen places and
times (the roll-ups read only what a case row holds, and a year of history through the actions would
take minutes), then counted by the roll-ups as the worker would."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import h3
import pytest

from cityloop.cases.models import Case, Channel
from cityloop.catalog.models import Category
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, User
from cityloop.geo.models import Grid
from tests.cases.conftest import Loop, loop  # noqa: F401  (the fixture)

_numbers = itertools.count(1)
# The period the tests ask about: the four weeks from Monday 2 November 2026 (local days).
START = dt.date(2026, 11, 2)
END = dt.date(2026, 11, 29)


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local (Asia/Shanghai) time on ``day`` as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=8)))


class Planter:
    """Bulk-inserts cases at a grid (or with no grid, in another district) at given times."""

    def __init__(self) -> None:
        self.channels = {c.code: c for c in Channel.objects.all()}
        self.categories = {(c.kind, c.code): c for c in Category.objects.filter(parent__isnull=False)}

    def category(self, code: str) -> Category:
        return self.categories[("event", code)]

    def cases(
        self,
        grid: Grid | None,
        times: list[dt.datetime],
        *,
        category: str = "0102",
        channel: str = "supervisor",
        closed_after: dt.timedelta | None = None,
        state: str | None = None,
        district: Any = None,
        street: Any = None,
        community: Any = None,
    ) -> list[Case]:
        rows = []
        for when in times:
            n = next(_numbers)
            lon, lat = (grid.centroid_lon, grid.centroid_lat) if grid else (120.5, 30.5)
            closed = when + closed_after if closed_after is not None else None
            rows.append(
                Case(
                    number=f"T{n:08d}",
                    tracking_code=f"T{n:08d}",
                    state=state or ("closed" if closed else "dispatched"),
                    channel=self.channels[channel],
                    description="测试",
                    lon=lon,
                    lat=lat,
                    h3=h3.latlng_to_cell(lat, lon, 11),
                    grid=grid,
                    community=grid.community if grid else community,
                    street=grid.community.parent if grid else street,
                    district=grid.community.parent.parent if grid else district,
                    category=self.category(category),
                    reported_at=when,
                    closed_at=closed,
                )
            )
        return Case.objects.bulk_create(rows)


def weekly(first: dt.date, last: dt.date, per_week: int, hour: int = 10) -> list[dt.datetime]:
    """``per_week`` reports a week between ``first`` and ``last`` (spread over the week's days)."""
    times = []
    day = first
    while day <= last:
        for k in range(per_week):
            times.append(local(day + dt.timedelta(days=k % 7), hour + k // 7))
        day += dt.timedelta(days=7)
    return [t for t in times if t.date() <= last]


@pytest.fixture
def planter(loop: Loop) -> Planter:  # noqa: F811
    return Planter()


@pytest.fixture
def grids(loop: Loop) -> list[Grid]:  # noqa: F811
    return list(Grid.objects.select_related("community__parent__parent").order_by("code"))


@pytest.fixture
def other_district(loop: Loop, actor: User) -> dict[str, Any]:  # noqa: F811
    """A second district with a street, a community and the street's manager."""
    district = create_unit(actor=actor, code="990200", name="北区", kind="district", parent=loop.org.city)
    street = create_unit(actor=actor, code="990200001", name="北街道", kind="street", parent=district)
    community = create_unit(
        actor=actor, code="990200001001", name="北一社区", kind="community", parent=street
    )
    manager = create_user(
        actor=actor, username="north_manager", password="demo-pass-2026", roles=[(street, Role.UNIT_MANAGER)]
    )
    leader = create_user(
        actor=actor, username="north_leader", password="demo-pass-2026", roles=[(district, Role.LEADER)]
    )
    return {
        "district": district,
        "street": street,
        "community": community,
        "manager": manager,
        "leader": leader,
    }
