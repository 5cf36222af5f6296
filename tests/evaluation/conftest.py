"""Cases driven at chosen moments of October 2026, schemes without minimum volumes, and a second
district beside the ``org`` one (so the city's evaluation has districts to rank)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, Unit, User
from cityloop.evaluation.actions import save_scheme
from cityloop.evaluation.defaults import INDEX_SCHEMES
from cityloop.geo.actions import import_grids
from cityloop.routing.actions import create_rule
from tests.cases.conftest import POINT_A, Loop, loop  # noqa: F401  (the fixture)
from tests.geo.conftest import DLAT, DLON, ORIGIN, block

# The evaluated month, and "now" well after it (every fact of October is final).
PERIOD = "2026-10"
AFTER = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """A moment of 2026 in Shanghai time (working days of October: 12–16, 19–23, 26–30)."""
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@dataclass
class Driver:
    """Reports and transitions at explicit times, on the small city of the ``loop`` fixture."""

    loop: Loop

    def user(self, name: str) -> User:
        return self.loop.users[name]

    def report(
        self, when: dt.datetime, channel: str = "supervisor", point: tuple[float, float] = POINT_A, **kw: Any
    ) -> Case:
        actor = kw.pop("actor", None) or self.user("supervisor_a" if channel == "supervisor" else "operator")
        case, _ = submit_report(
            actor=actor,
            channel=channel,
            description="路边有暴露垃圾",
            lon=point[0],
            lat=point[1],
            at=when,
            **kw,
        )
        return case

    def act(self, case: Case, name: str, when: dt.datetime, user: User | None = None, **payload: Any) -> Case:
        user = user or self.loop.default_user(name)
        body = self.loop.payload(name, case)
        body.update(payload)
        return perform(case, name, actor=user, payload=body, at=when)

    def run(self, case: Case, *steps: tuple[str, dt.datetime]) -> Case:
        for name, when in steps:
            case = self.act(case, name, when)
        return case


@pytest.fixture
def drive(loop: Loop) -> Driver:  # noqa: F811  (``loop`` is the imported fixture)
    return Driver(loop)


@pytest.fixture
def no_minimums(actor: User) -> None:
    """Worked examples have a handful of cases: rank everyone (a version in force from 2026)."""
    for subject, config in INDEX_SCHEMES.items():
        save_scheme(
            actor=actor,
            subject=subject,
            config={**config, "minimum": {}},
            valid_from=dt.date(2026, 1, 1),
            note="tests: no minimum volume",
        )


# The second district's block of four grids lies well east of the ``org`` district's eight.
EAST_ORIGIN = (ORIGIN[0] + 10 * DLON, ORIGIN[1])
POINT_E = (EAST_ORIGIN[0] + DLON * 0.5, EAST_ORIGIN[1] + DLAT * 0.5)


@dataclass
class SecondDistrict:
    """东区 (990200): one street, one community with four grids, its own sanitation department and
    people: the centre's staff, a supervisor, a handler, and a leader of the district."""

    district: Unit
    street: Unit
    community: Unit
    sanitation: Unit
    users: dict[str, User]


@pytest.fixture
def second_district(loop: Loop, actor: User) -> SecondDistrict:  # noqa: F811
    """A second district of the ``org`` city, built through the same actions as the first; also a
    leader on the city unit (the city centre that ranks the districts)."""
    org = loop.org
    district = create_unit(actor=actor, code="990200", name="东区", kind="district", parent=org.city)
    street = create_unit(actor=actor, code="990200001", name="东区街道", kind="street", parent=district)
    community = create_unit(
        actor=actor, code="990200001001", name="东区一社区", kind="community", parent=street
    )
    sanitation = create_unit(
        actor=actor, code="D2-SANI", name="东区环卫所", kind="department", parent=district
    )
    import_grids(block(community.code, *EAST_ORIGIN), actor=actor, valid_from=dt.date(2020, 1, 1))
    specs: dict[str, list[tuple[Unit, str]]] = {
        "east_staff": [(district, Role.OPERATOR), (district, Role.SHIFT_LEADER), (district, Role.DISPATCHER)],
        "east_supervisor": [(community, Role.SUPERVISOR)],
        "east_handler": [(sanitation, Role.HANDLER)],
        "east_leader": [(district, Role.LEADER)],
        "city_chief": [(org.city, Role.LEADER)],
    }
    users = {
        name: create_user(
            actor=actor, username=name, password="demo-pass-2026", display_name=name, roles=roles
        )
        for name, roles in specs.items()
    }
    create_rule(
        actor=actor,
        name="东区暴露垃圾由东区环卫所处置",
        kind="event",
        category_code="0102",
        area_unit=district,
        target="unit",
        target_unit=sanitation,
    )
    return SecondDistrict(district, street, community, sanitation, users)
