"""The demo city as built in the database: :class:`DemoCity` and :func:`build_base_city`.

The base city is the organisation, the roads, the unit grids and the users. It is built from the pure
plan (:func:`cityloop.demo.plan.plan_city`) through the real actions, one transaction per part, and
then :mod:`cityloop.demo.build` runs its extra steps on the returned :class:`DemoCity`.
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

from .org import create_org, property_managed
from .people import create_users, user_specs
from .plan import CityPlan, plan_city

# The grids are in service from this day, so that simulated history can be located too.
GRIDS_VALID_FROM = dt.date(2020, 1, 1)

Say = Callable[[str], None]


def quiet(message: str) -> None:
    """Default progress reporter: say nothing."""


@dataclass
class DemoCity:
    """The demo district as built: its units, users, geometry and the seeded generators later steps use.

    ``departments`` and ``companies`` are keyed by stable English keys (see
    :data:`cityloop.demo.org.DEPARTMENTS` and :data:`~cityloop.demo.org.COMPANIES`); ``users`` by
    username; ``logins`` lists (username, role label, unit label) for every demo user. Steps may add
    counts to ``summary`` (e.g. ``summary["components"] = 20_000``) for the command to print.
    """

    seed: int
    plan: CityPlan
    city: Unit
    district: Unit
    streets: list[Unit]
    communities: list[Unit]
    stations: list[Unit]
    departments: dict[str, Unit]
    companies: dict[str, Unit]
    users: dict[str, User]
    logins: list[tuple[str, str, str]]
    grids_count: int
    roads: list[tuple[str, str, shapely.LineString]]
    rng: random.Random
    np_rng: np.random.Generator
    summary: dict[str, int] = field(default_factory=dict)

    def rng_for(self, label: str) -> random.Random:
        """A generator of its own for one step (seeded by the city's seed and ``label``), so that a
        step's output does not change when another step draws more or fewer numbers."""
        return rng_for(self.seed, label)

    def np_rng_for(self, label: str) -> np.random.Generator:
        """The numpy counterpart of :meth:`rng_for`."""
        return np.random.default_rng([self.seed, zlib.crc32(label.encode())])

    def unit(self, key: str) -> Unit:
        """A department or company by its English key (``"sanitation"``, ``"water"`` …)."""
        found = self.departments.get(key) or self.companies.get(key)
        if found is None:
            raise KeyError(f"no demo department or company {key!r}")
        return found


def rng_for(seed: int, label: str) -> random.Random:
    """A ``random.Random`` seeded by ``seed`` and ``label`` (string seeds are stable across runs)."""
    return random.Random(f"cityloop-demo:{seed}:{label}")


def build_base_city(seed: int, *, actor: User, progress: bool = False, say: Say = quiet) -> DemoCity:
    """Build the organisation, roads, grids and users of the demo district for ``seed``."""
    plan = plan_city(seed, seq_width=settings.CITYLOOP_GRID_SEQUENCE_WIDTH)

    with transaction.atomic():
        org = create_org(plan, actor=actor, rng=rng_for(seed, "org"))
    say(
        f"organisation: {org.count()} units ({len(org.streets)} streets, {len(org.communities)} communities, "
        f"{len(org.stations)} stations, {len(org.departments)} departments, {len(org.companies)} companies)"
    )

    with transaction.atomic():
        roads = create_roads(plan.roads, actor=actor, district=org.district)
    say(f"roads: {roads}")

    responsible = property_managed(rng_for(seed, "responsible"), org)
    report = import_grids(
        plan.grid_features(responsible),
        actor=actor,
        valid_from=GRIDS_VALID_FROM,
        progress=progress,
        source=f"demo city, seed {seed}",
    )
    say(f"unit grids: {report.created}")

    with transaction.atomic():
        users, logins = create_users(user_specs(org), actor=actor, rng=rng_for(seed, "people"), seed=seed)
    say(f"users: {len(users)}")

    return DemoCity(
        seed=seed,
        plan=plan,
        city=org.city,
        district=org.district,
        streets=org.streets,
        communities=org.communities,
        stations=org.stations,
        departments=org.departments,
        companies=org.companies,
        users=users,
        logins=logins,
        grids_count=report.created,
        roads=list(plan.roads),
        rng=rng_for(seed, "steps"),
        np_rng=np.random.default_rng(seed),
        summary={
            "streets": len(org.streets),
            "communities": len(org.communities),
            "grids": report.created,
            "roads": roads,
            "users": len(users),
        },
    )
