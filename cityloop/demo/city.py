"""The demo city as built in the database: :class:`DemoCity` (the city, its own units and its
districts, each a :class:`DemoDistrict`) and :func:`build_base_city`.

The base city is the organisation, the roads, the unit grids and the users. Each district is built
from its pure plan (:func:`cityloop.demo.plan.plan_city`) through the real actions, one transaction
per part, and then :mod:`cityloop.demo.build` runs its extra steps on the returned :class:`DemoCity`.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction

from cityloop.core.models import Unit, User
from cityloop.geo.actions import create_roads, import_grids

from .districts import DISTRICTS, DistrictSpec
from .org import DemoOrg, create_city, create_org, property_managed
from .people import city_user_specs, create_users, user_specs
from .plan import CityPlan, plan_city

# The grids are in service from this day, so that simulated history can be located too.
GRIDS_VALID_FROM = dt.date(2020, 1, 1)

Say = Callable[[str], None]


def quiet(message: str) -> None:
    """Default progress reporter: say nothing."""


@dataclass
class DemoDistrict:
    """One demo district as built: its spec, plan, units, roads and grids.

    ``departments`` and ``companies`` are keyed by stable English keys (see
    :data:`cityloop.demo.org.DEPARTMENTS` and :data:`~cityloop.demo.org.COMPANIES`); a smaller district
    has fewer of them, and :meth:`unit` finds the one standing in for a unit it lacks.
    """

    spec: DistrictSpec
    plan: CityPlan
    district: Unit
    streets: list[Unit]
    communities: list[Unit]
    stations: list[Unit]
    departments: dict[str, Unit]
    companies: dict[str, Unit]
    grids_count: int
    roads: list[tuple[str, str, shapely.LineString]]

    def unit(self, key: str) -> Unit:
        """A department or company by its English key (``"sanitation"``, ``"water"`` …), or the unit
        standing in for it in this district."""
        found = self.find(key)
        if found is None:
            raise KeyError(f"no demo department or company {key!r} in {self.spec.name}")
        return found

    def find(self, key: str) -> Unit | None:
        """Like :meth:`unit`, but ``None`` when the district has nobody for ``key``."""
        resolved = self.spec.resolve(key)
        if resolved is None:
            return None
        return self.departments.get(resolved) or self.companies.get(resolved)


@dataclass
class DemoCity:
    """The demo city as built: the city, its own units (``city_units``: its command centre and
    departments, by key), its districts, every user, and the seeded generators later steps use.

    The attributes named after a district's (``district``, ``streets``, ``departments``, ``plan`` …)
    are the first district's, 云湖区; ``districts`` holds them all. ``users`` are keyed by username;
    ``logins`` lists (username, role label, unit label) for every demo user. Steps may add counts to
    ``summary`` (e.g. ``summary["components"] = 20_000``) for the command to print.
    """

    seed: int
    city: Unit
    city_units: dict[str, Unit]
    districts: list[DemoDistrict]
    users: dict[str, User]
    logins: list[tuple[str, str, str]]
    rng: random.Random
    np_rng: np.random.Generator
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def first(self) -> DemoDistrict:
        return self.districts[0]

    @property
    def plan(self) -> CityPlan:
        return self.first.plan

    @property
    def district(self) -> Unit:
        return self.first.district

    @property
    def streets(self) -> list[Unit]:
        return self.first.streets

    @property
    def communities(self) -> list[Unit]:
        return self.first.communities

    @property
    def stations(self) -> list[Unit]:
        return self.first.stations

    @property
    def departments(self) -> dict[str, Unit]:
        return self.first.departments

    @property
    def companies(self) -> dict[str, Unit]:
        return self.first.companies

    @property
    def grids_count(self) -> int:
        return self.first.grids_count

    @property
    def roads(self) -> list[tuple[str, str, shapely.LineString]]:
        return self.first.roads

    def rng_for(self, label: str) -> random.Random:
        """A generator of its own for one step (seeded by the city's seed and ``label``), so that a
        step's output does not change when another step draws more or fewer numbers."""
        return rng_for(self.seed, label)

    def np_rng_for(self, label: str) -> np.random.Generator:
        """The numpy counterpart of :meth:`rng_for`."""
        return np.random.default_rng([self.seed, zlib.crc32(label.encode())])

    def unit(self, key: str) -> Unit:
        """A city unit (``"city_traffic_police"`` …) or a department or company of the first
        district (``"sanitation"``, ``"water"`` …) by its English key."""
        return self.city_units[key] if key in self.city_units else self.first.unit(key)

    def in_district(self, code: str) -> DemoDistrict:
        """The district coded ``code``."""
        for district in self.districts:
            if district.district.code == code:
                return district
        raise KeyError(f"no demo district {code!r}")


def rng_for(seed: int, label: str) -> random.Random:
    """A ``random.Random`` seeded by ``seed`` and ``label`` (string seeds are stable across runs)."""
    return random.Random(f"cityloop-demo:{seed}:{label}")


def _build_district(
    seed: int, spec: DistrictSpec, city: Unit, *, actor: User, progress: bool, say: Say
) -> tuple[DemoDistrict, DemoOrg]:
    """The district ``spec``'s organisation, roads and grids."""
    plan = plan_city(seed, seq_width=settings.CITYLOOP_GRID_SEQUENCE_WIDTH, district=spec)

    with transaction.atomic():
        org = create_org(plan, actor=actor, rng=rng_for(seed, spec.label("org")), city=city, spec=spec)
    say(
        f"{spec.name} organisation: {org.count()} units ({len(org.streets)} streets, "
        f"{len(org.communities)} communities, {len(org.stations)} stations, "
        f"{len(org.departments)} departments, {len(org.companies)} companies)"
    )

    with transaction.atomic():
        roads = create_roads(plan.roads, actor=actor, district=org.district)
    say(f"{spec.name} roads: {roads}")

    responsible = property_managed(rng_for(seed, spec.label("responsible")), org)
    report = import_grids(
        plan.grid_features(responsible),
        actor=actor,
        valid_from=GRIDS_VALID_FROM,
        progress=progress,
        source=f"demo city, seed {seed}",
    )
    say(f"{spec.name} unit grids: {report.created}")
    built = DemoDistrict(
        spec=spec,
        plan=plan,
        district=org.district,
        streets=org.streets,
        communities=org.communities,
        stations=org.stations,
        departments=org.departments,
        companies=org.companies,
        grids_count=report.created,
        roads=list(plan.roads),
    )
    return built, org


def build_base_city(seed: int, *, actor: User, progress: bool = False, say: Say = quiet) -> DemoCity:
    """Build the city with its own units and, for every district in
    :data:`cityloop.demo.districts.DISTRICTS`, its organisation, roads, grids and users."""
    with transaction.atomic():
        city_org = create_city(actor=actor)
    say(f"city: {len(city_org.units)} city units ({', '.join(u.name for u in city_org.units.values())})")

    districts: list[DemoDistrict] = []
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    for spec in DISTRICTS:
        district, org = _build_district(seed, spec, city_org.city, actor=actor, progress=progress, say=say)
        districts.append(district)
        # Each district's people are named from a generator of its own, never with a name taken.
        taken = [u.display_name for u in users.values()]
        with transaction.atomic():
            made, made_logins = create_users(
                user_specs(org), actor=actor, rng=rng_for(seed, spec.label("people")), seed=seed, taken=taken
            )
        say(f"{spec.name} users: {len(made)}")
        users.update(made)
        logins += made_logins
    with transaction.atomic():
        taken = [u.display_name for u in users.values()]
        made, made_logins = create_users(
            city_user_specs(city_org), actor=actor, rng=rng_for(seed, "people:city"), seed=seed, taken=taken
        )
    say(f"city users: {len(made)}")
    users.update(made)
    logins += made_logins

    return DemoCity(
        seed=seed,
        city=city_org.city,
        city_units=city_org.units,
        districts=districts,
        users=users,
        logins=logins,
        rng=rng_for(seed, "steps"),
        np_rng=np.random.default_rng(seed),
        summary={
            "districts": len(districts),
            "streets": sum(len(d.streets) for d in districts),
            "communities": sum(len(d.communities) for d in districts),
            "grids": sum(d.grids_count for d in districts),
            "roads": sum(len(d.roads) for d in districts),
            "users": len(users),
        },
    )
