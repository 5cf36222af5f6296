"""Routing: route() decisions per second with 10,000 rules loaded (and the rule set's build time).

A fictional district (from the geo bench's lattice) with streets, communities and 4,800 grids, ten
departments, and 10,000 rules the way a city accumulates them: district defaults and line departments
for every subclass, street and community exceptions, and thousands of grid-level arbitration rulings.
Decisions are made for random problems (events and components with owners) at random grids. Quick
mode (``BENCH_QUICK=1``): 800 grids, 2,000 rules, 5,000 decisions.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from typing import Any

import bench

TARGET_PER_S = 5_000
DEPARTMENTS = ("HW", "ZF", "SZ", "YL", "SW", "JJ", "ZJ", "LD", "GD", "YJ")


def _sizes() -> tuple[int, int, int]:
    """(communities of 100 grids, rules, decisions)."""
    if os.environ.get("BENCH_QUICK"):
        return 8, 2_000, 5_000
    return 48, 10_000, 50_000


def _rows(
    district: str,
    streets: list[str],
    communities: list[str],
    grids: list[str],
    total: int,
    rng: random.Random,
) -> list[dict[str, Any]]:
    from cityloop.catalog.models import Category

    subclasses = list(Category.objects.filter(parent__isnull=False).values_list("kind", "code"))
    events = [c for k, c in subclasses if k == "event"]
    depts = [f"{district}-{d}" for d in DEPARTMENTS]

    def row(
        name: str, kind: str, code: str, area: str, target: str, unit: str = "", **kw: Any
    ) -> dict[str, Any]:
        return {
            "name": name,
            "kind": kind,
            "category": code,
            "area": area,
            "target": target,
            "target_unit": unit,
            "valid_from": "2020-01-01",
            **kw,
        }

    rows = [
        row("部件先属主", "component", "", district, "owner"),
        row("事件先属地", "event", "", district, "grid"),
        row("突发通知", "", "", district, "unit", depts[-1], purpose="emergency"),
    ]
    rows += [row(f"{c} 专业部门", "event", c, district, "unit", rng.choice(depts)) for c in events]
    rows += [row(f"{c} 权属", k, c, district, "owner") for k, c in subclasses if k == "component"]
    for area, share in ((streets, 0.03), (communities, 0.3)):
        for code in area:
            for kind, sub in rng.sample(subclasses, max(1, round(len(subclasses) * share))):
                target = "maintainer" if kind == "component" else "unit"
                unit = rng.choice(depts) if target == "unit" else ""
                rows.append(
                    row(f"{code} {sub}", kind, sub, code, target, unit, priority=rng.choice((0, 0, 1)))
                )
    while len(rows) < total:
        grid, sub = rng.choice(grids), rng.choice(events)
        rows.append(row(f"仲裁 {grid} {sub}", "event", sub, grid, "unit", rng.choice(depts), priority=2))
    return rows[:total]


def run() -> list[bench.Result]:
    from bench.bench_geo import build_units, lattice
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.geo import index
    from cityloop.geo.actions import import_grids
    from cityloop.routing import ruleset
    from cityloop.routing.actions import import_rules
    from cityloop.routing.decide import route
    from cityloop.routing.facts import ComponentFacts, Facts, facts_at

    n_communities, n_rules, n_decisions = _sizes()
    rng = random.Random(7)
    actor = system_actor()
    communities, number = build_units(n_communities)
    features, _ = lattice(communities, n_communities * 100, shift=number + 40)
    import_grids(features, actor=actor, valid_from=dt.date(2020, 1, 1))
    first = Unit.objects.get(code=communities[0])
    district = Unit.objects.get(pk=int(first.path.strip("/").split("/")[-3]))
    for abbr in DEPARTMENTS:
        create_unit(
            actor=actor,
            code=f"{district.code}-{abbr}",
            name=f"部门{abbr}",
            kind="department",
            parent=district,
        )
    streets = sorted({c[:9] for c in communities})
    grids = [f["properties"]["code"] for f in features]
    results: list[bench.Result] = []

    started = time.perf_counter()
    counts = import_rules(_rows(district.code, streets, communities, grids, n_rules, rng), actor=actor)
    results.append(
        bench.Result(
            f"import {counts['created']:,} rules (check + write)", time.perf_counter() - started, "s"
        )
    )

    ruleset.reset()
    started = time.perf_counter()
    rs = ruleset.get_ruleset()
    results.append(
        bench.Result(f"build the rule set ({rs.count:,} rules)", time.perf_counter() - started, "s")
    )

    from cityloop.catalog.models import Category

    subclasses = list(Category.objects.filter(parent__isnull=False).values_list("kind", "code"))
    owners = list(Unit.objects.filter(code__startswith=f"{district.code}-").values_list("pk", flat=True))
    located = [loc for loc in index.get_index().locations if loc.district_id == district.pk]
    today = dt.date.today()
    facts = []
    for _ in range(n_decisions):
        loc = rng.choice(located)
        kind, code = rng.choice(subclasses)
        component = None
        if kind == "component":
            owner = rng.choice([*owners, None])
            component = ComponentFacts(f"{district.code}{code}000001", owner, rng.choice(owners), None)
        facts.append(
            Facts(
                kind=kind,
                category_code=code,
                on=today,
                grid_code=loc.grid_code,
                community_id=loc.community_id,
                street_id=loc.street_id,
                district_id=loc.district_id,
                urgent=rng.random() < 0.05,
                component=component,
            )
        )
    started = time.perf_counter()
    decided = [route(f) for f in facts]
    rate = len(facts) / (time.perf_counter() - started)
    assert all(d.unit is not None for d in decided)
    results.append(
        bench.Result(
            f"route() with {rs.count:,} rules ({len(facts):,} decisions)",
            rate,
            "decisions/s",
            f"≥ {TARGET_PER_S:,}",
            rate >= TARGET_PER_S,
        )
    )

    sample = rng.sample(located, min(1_000, len(located)))
    geoms = {
        loc.grid_id: geom
        for geom, loc in zip(index.get_index().geoms, index.get_index().locations, strict=True)
    }
    points = [geoms[loc.grid_id].representative_point() for loc in sample]
    started = time.perf_counter()
    for point in points:
        route(facts_at(point.x, point.y, kind="event", category_code="0102"))
    rate = len(points) / (time.perf_counter() - started)
    results.append(bench.Result(f"preview: locate + grid row + route ({len(points):,})", rate, "previews/s"))
    return results
