"""Who works the simulated cases: each centre's command staff, the supervisors, community heads and
handlers, loaded from the database; and which centre commands a case (两级指挥).

A district's operators, shift leaders and dispatchers hold their roles inside the district; the city
centre's hold theirs above every district. A case is commanded by its district's centre unless its
``command_level`` is ``city``: then the city centre takes every command step (accept onwards, send for
check, return visit, close). Supervisors, community heads and handlers act as before, wherever the
case is commanded from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

from cityloop.cases.models import Case
from cityloop.core.models import Membership, Role, Unit, UnitKind, User

from .people import not_a_service_account

CITY_LEVEL = "city"
COMMAND_ROLES = (Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)


def command_level(case: Case) -> str:
    """``"city"`` when the city centre commands the case, else ``"district"``."""
    return getattr(case, "command_level", "district") or "district"


@dataclass
class Centre:
    """The command staff of one centre: a district's, or the city's."""

    operators: list[User] = field(default_factory=list)
    shift_leaders: list[User] = field(default_factory=list)
    dispatchers: list[User] = field(default_factory=list)

    def add(self, role: str, user: User) -> None:
        staff = {
            Role.OPERATOR: self.operators,
            Role.SHIFT_LEADER: self.shift_leaders,
            Role.DISPATCHER: self.dispatchers,
        }[Role(role)]
        if user not in staff:
            staff.append(user)


class Crew(NamedTuple):
    """The operator, shift leader and dispatcher who work one case at one centre."""

    operator: User
    shift_leader: User
    dispatcher: User


@dataclass
class Staff:
    """Who works in the demo city, by role, loaded from the database.

    ``centres`` maps a district's id to its centre and ``None`` to the city's; ``operators``,
    ``shift_leaders`` and ``dispatchers`` are the first district's (the benchmarks' staff).
    ``city_units`` are the units in no district (the city's own), which only the city dispatches to.
    """

    centres: dict[int | None, Centre]
    supervisor_of: dict[int, User]  # community id → supervisor
    head_of: dict[int, User]  # community id → community head
    handlers: dict[int, User]  # unit id → handler
    city_units: set[int]
    first_district: int | None = None

    @property
    def operators(self) -> list[User]:
        return self.centres[self.first_district].operators

    @property
    def shift_leaders(self) -> list[User]:
        return self.centres[self.first_district].shift_leaders

    @property
    def dispatchers(self) -> list[User]:
        return self.centres[self.first_district].dispatchers

    def centre(self, case: Case) -> Centre:
        """The centre that commands ``case`` now."""
        key = None if command_level(case) == CITY_LEVEL else case.district_id
        return self.centres.get(key) or Centre()

    def crew(self, case: Case, rng: random.Random) -> Crew | None:
        """An operator, a shift leader and a dispatcher of the centre commanding ``case`` (``None``
        when that centre has nobody in some role)."""
        centre = self.centre(case)
        if not (centre.operators and centre.shift_leaders and centre.dispatchers):
            return None
        return Crew(
            rng.choice(centre.operators), rng.choice(centre.shift_leaders), rng.choice(centre.dispatchers)
        )

    def may_take(self, case: Case, unit_id: int) -> bool:
        """Whether the case's centre may send it to the unit: a district's never to a city unit."""
        return command_level(case) == CITY_LEVEL or unit_id not in self.city_units

    @classmethod
    def load(cls) -> Staff:
        districts = list(
            Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("code").values_list("pk", "path")
        )

        def district_of(path: str) -> int | None:
            return next((pk for pk, prefix in districts if path.startswith(prefix)), None)

        centres: dict[int | None, Centre] = {pk: Centre() for pk, _ in districts}
        centres[None] = Centre()
        supervisor_of: dict[int, User] = {}
        head_of: dict[int, User] = {}
        handlers: dict[int, User] = {}
        memberships = (
            Membership.objects.active()
            .filter(user__is_active=True)
            # People only: a hotline platform's service account holds command roles to answer for
            # its platform (return visits, approvals), never to work the queue; so do the accounts
            # of sensor networks (voiding what recovered) and of video detectors.
            .filter(not_a_service_account("user"))
            .select_related("user", "unit")
            .order_by("user__username", "pk")
        )
        for m in memberships:
            if m.role in COMMAND_ROLES:
                centres.setdefault(district_of(m.unit.path), Centre()).add(m.role, m.user)
            elif m.role == Role.SUPERVISOR:
                supervisor_of.setdefault(m.unit_id, m.user)
            elif m.role == Role.COMMUNITY_HEAD and m.unit.kind == "community":
                head_of.setdefault(m.unit_id, m.user)
            elif m.role == Role.HANDLER:
                handlers.setdefault(m.unit_id, m.user)
        city_units = {
            pk
            for pk, path, kind in Unit.objects.values_list("pk", "path", "kind")
            if kind != UnitKind.CITY and district_of(path) is None
        }
        first = districts[0][0] if districts else None
        return cls(centres, supervisor_of, head_of, handlers, city_units, first)
