"""A simulated year with known patterns planted in it, to check that the analyses find what is
there and nothing else (``cityloop simulate --plant``, and tests/analytics/test_planted.py).

Over a background of ordinary reports (random grids, subclasses, channels; most closed within days)
it plants:

- **hotspots**: grids that get a surge of reports of one subclass over the last four weeks (the
  reports are still being worked on, so they add no closings);
- **recurring spots**: a grid and subclass where the problem comes back 5–20 days after every
  cleanup, over the last half year;
- **a bouncing pair**: two units that return cases of one subclass to each other, every other case
  ending in arbitration.

The history is written in bulk, as the benchmarks write theirs (a year through the workflow's
actions would take hours); ``Planted`` says what was planted, for the test to compare with."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import h3
from django.db.models import Max
from django.utils import timezone

from cityloop.cases.models import Case, Channel
from cityloop.catalog.models import Category
from cityloop.core.audit import domain_action, record
from cityloop.core.models import Unit, UnitKind, User
from cityloop.geo.models import Grid
from cityloop.routing.models import Arbitration, ReturnRecord

HOT_DAYS = 28
RECURRING_DAYS = 180
BOUNCED_CASES = 12
BATCH = 5_000


@dataclass(frozen=True)
class PlantOptions:
    """What to plant: how many hotspots and recurring spots, whether a bouncing pair, and the
    background's size (reports a day over ``days`` days ending now)."""

    hotspots: int = 2
    recurring: int = 2
    bouncing: bool = True
    per_day: int = 20
    days: int = 365
    seed: int = 1


@dataclass
class Planted:
    """What was planted, by ids and codes the analyses answer with."""

    hotspots: list[dict[str, Any]] = field(default_factory=list)
    recurring: list[dict[str, Any]] = field(default_factory=list)
    bouncing: dict[str, Any] | None = None
    cases: int = 0

    def lines(self) -> list[str]:
        out = [f"{self.cases} cases written over the year"]
        for h in self.hotspots:
            out.append(
                f"hotspot: grid {h['grid_code']}, {h['category']}, "
                f"{h['cases']} extra reports from {h['from']}"
            )
        for r in self.recurring:
            out.append(f"recurring: grid {r['grid_code']}, {r['category']}, {r['recurrences']} re-reports")
        if self.bouncing:
            b = self.bouncing
            out.append(
                f"bouncing: {b['a_code']} ⇄ {b['b_code']}, {b['category']}, "
                f"{b['returns']} returns, {b['arbitrations']} arbitrations"
            )
        return out


class _Writer:
    """Case rows in bulk, numbered after the cases already there."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng, self.now = rng, now
        top = Case.objects.aggregate(top=Max("pk"))["top"] or 0
        self.numbers = itertools.count(top + 1)
        self.rows: list[Case] = []
        self.written = 0
        self.channels = list(Channel.objects.filter(active=True).values_list("pk", flat=True))

    def case(
        self,
        grid: Grid,
        category: Category,
        at: dt.datetime,
        *,
        closed_after: dt.timedelta | None,
        unit: int | None = None,
        returns: int = 0,
    ) -> Case:
        n = next(self.numbers)
        lon = grid.centroid_lon + self.rng.uniform(-2e-4, 2e-4)
        lat = grid.centroid_lat + self.rng.uniform(-2e-4, 2e-4)
        closed = at + closed_after if closed_after is not None and at + closed_after < self.now else None
        community = grid.community
        assert community is not None and community.parent is not None  # grids are chosen with one
        district = community.parent.parent_id
        assert district is not None
        row = Case(
            number=f"P{n:010d}",
            tracking_code=f"P{n:011d}"[-12:],
            state="closed" if closed else "dispatched",
            channel_id=self.rng.choice(self.channels),
            description="模拟案件",
            lon=lon,
            lat=lat,
            h3=h3.latlng_to_cell(lat, lon, 11),
            grid=grid,
            community_id=grid.community_id,
            street_id=community.parent_id,
            district_id=district,
            category=category,
            responsible_unit_id=unit,
            current_step="" if closed else "dispose",
            reported_at=at,
            dispatched_at=at + dt.timedelta(hours=1),
            closed_at=closed,
            returns_count=returns,
        )
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()
        return row

    def flush(self) -> None:
        Case.objects.bulk_create(self.rows, batch_size=2_000)
        self.written += len(self.rows)
        self.rows = []


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    return start + dt.timedelta(minutes=rng.randrange(11 * 60))


@domain_action
def plant_history(options: PlantOptions, *, actor: User, now: dt.datetime | None = None) -> Planted:
    """Write a simulated year with the planted patterns of ``options`` (see the module's text)."""
    now = now or timezone.now()
    rng = random.Random(options.seed)
    grids = list(
        Grid.objects.filter(community__isnull=False).select_related("community__parent").order_by("code")
    )
    subclasses = list(Category.objects.filter(kind="event", parent__isnull=False).order_by("code"))
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.COMPANY, UnitKind.STREET])
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if len(grids) < options.hotspots + options.recurring + 1 or not subclasses or len(units) < 2:
        raise ValueError("plant: the city needs grids, event subclasses and at least two units")
    writer = _Writer(rng, now)
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=options.days - 1)
    planted = Planted()
    chosen = rng.sample(grids, options.hotspots + options.recurring)
    hot_grids, recurring_grids = chosen[: options.hotspots], chosen[options.hotspots :]
    # The background: ordinary reports everywhere, most closed within a few days.
    for offset in range(options.days):
        day = first + dt.timedelta(days=offset)
        for _ in range(max(0, round(options.per_day * rng.uniform(0.8, 1.2)))):
            writer.case(
                rng.choice(grids),
                rng.choice(subclasses),
                _moment(rng, day),
                closed_after=dt.timedelta(hours=rng.uniform(6, 120)) if rng.random() < 0.85 else None,
                unit=rng.choice(units),
            )
    base = options.per_day / len(grids)
    for grid in hot_grids:
        category, extra = rng.choice(subclasses), 0
        start = today - dt.timedelta(days=HOT_DAYS)
        per_day = max(1.0, 1.5 * base)
        for offset in range(HOT_DAYS):
            count = int(per_day) + (rng.random() < per_day - int(per_day))
            for _ in range(count):
                writer.case(
                    grid, category, _moment(rng, start + dt.timedelta(days=offset)), closed_after=None
                )
                extra += 1
        planted.hotspots.append(
            {
                "grid": grid.pk,
                "grid_code": grid.code,
                "category": category.code,
                "from": start,
                "cases": extra,
            }
        )
    for grid in recurring_grids:
        category, rounds = rng.choice(subclasses), 0
        at = _moment(rng, today - dt.timedelta(days=RECURRING_DAYS))
        while True:
            closes = dt.timedelta(hours=rng.uniform(12, 48))
            writer.case(grid, category, at, closed_after=closes, unit=rng.choice(units))
            at = at + closes + dt.timedelta(days=rng.uniform(5, 20))
            if at >= now - dt.timedelta(days=3):
                break
            rounds += 1
        planted.recurring.append(
            {"grid": grid.pk, "grid_code": grid.code, "category": category.code, "recurrences": rounds}
        )
    writer.flush()
    planted.cases = writer.written
    if options.bouncing:
        planted.bouncing = _bounce(rng, grids, subclasses, units, now, actor)
    record(
        actor,
        "demo.plant_history",
        object_type="cases.case",
        object_repr=f"{planted.cases} simulated cases",
        after={"lines": planted.lines()},
    )
    return planted


def _bounce(
    rng: random.Random,
    grids: list[Grid],
    subclasses: list[Category],
    units: list[int],
    now: dt.datetime,
    actor: User,
) -> dict[str, Any]:
    """A pair of units returning cases of one subclass to each other (every other case goes on to
    arbitration), and a sprinkle of single returns between random units as background."""
    a, b = rng.sample(units, 2)
    category = rng.choice(subclasses)
    grid_of = {g.pk: g for g in grids}
    cases = list(
        Case.objects.filter(category=category, state="closed").order_by("-reported_at")[:BOUNCED_CASES]
    )
    cases = cases or list(Case.objects.order_by("-reported_at")[:BOUNCED_CASES])
    returns, arbitrations, background = [], [], []
    for i, case in enumerate(cases):
        at = case.reported_at + dt.timedelta(hours=2)
        history = []
        for k, (giver, taker) in enumerate([(a, b), (b, a)]):
            returns.append(_return(case, giver, taker, category.code, at + dt.timedelta(hours=k), actor))
            history.append({"returned_by": {"id": giver}, "suggested_unit": {"id": taker}})
        if i % 2 == 0:
            grid = grid_of.get(case.grid_id or 0)
            arbitrations.append(
                Arbitration(
                    case_id=case.pk,
                    case_number=case.number,
                    district_id=case.district_id,
                    street_id=case.street_id,
                    community_id=case.community_id,
                    grid=grid,
                    kind="event",
                    category_code=category.code,
                    category_name=category.name,
                    state="ruled",
                    history=history,
                    opened_at=at + dt.timedelta(hours=3),
                    opened_by=actor,
                    ruled_unit_id=rng.choice([a, b]),
                    ruled_at=at + dt.timedelta(days=1),
                    ruled_by=actor,
                    ruling="模拟裁定",
                )
            )
    pool = list(Case.objects.exclude(category=category).exclude(category=None).values_list("pk", flat=True))
    picked = rng.sample(pool, min(len(pool), max(6, len(units))))
    others = list(Case.objects.filter(pk__in=picked).select_related("category").order_by("pk"))
    for case in others:  # background: one return each, between random units
        giver, taker = rng.sample(units, 2)
        background.append(
            _return(case, giver, taker, case.category.code if case.category else "", case.reported_at, actor)
        )
    ReturnRecord.objects.bulk_create(returns + background)
    Arbitration.objects.bulk_create(arbitrations)
    codes = dict(Unit.objects.filter(pk__in=[a, b]).values_list("pk", "code"))
    return {
        "a": a,
        "b": b,
        "a_code": codes[a],
        "b_code": codes[b],
        "category": category.code,
        "returns": len(returns),
        "arbitrations": len(arbitrations),
    }


def _return(case: Case, giver: int, taker: int, code: str, at: dt.datetime, actor: User) -> ReturnRecord:
    return ReturnRecord(
        case_id=case.pk,
        case_number=case.number,
        district_id=case.district_id,
        returning_unit_id=giver,
        suggested_unit_id=taker,
        kind="event",
        category_code=code,
        reason="模拟回退",
        approved_at=at,
        approved_by=actor,
    )
