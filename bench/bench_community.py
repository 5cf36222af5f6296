"""Communities and back alleys: the station's claim per routing decision, a community problem's whole
loop (raise → assign → solve with a photo), and a month's workload-weighted alley scores.

A fresh district of 10 streets × 10 communities, each community with a station. The claimer is
asked 100,000 times (every routing decision asks it); 300 problems go through the loop through the
real actions; 1,000 alley segments with 5,000 findings are scored for the month. Quick mode
(``BENCH_QUICK=1``): 10,000 claims, 30 problems, 100 segments with 500 findings. The issue sets no
figure for these: they are measured so a regression shows."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from bench import Result, summary_ms, time_each

if TYPE_CHECKING:
    from cityloop.community.models import Station
    from cityloop.core.models import Unit, User

STREETS, COMMUNITIES = 10, 10
LON0, LAT0 = 121.0, 31.0


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 80)).save(buffer, "PNG")
    return buffer.getvalue()


def _setup() -> tuple[User, list[Unit], list[Station]]:
    from cityloop.community.actions import mark_community_level, open_station, save_professional
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit as UnitModel
    from cityloop.core.models import User as UserModel

    actor = system_actor()
    admin, _ = UserModel.objects.get_or_create(
        username="bench_community_admin", defaults={"is_superuser": True}
    )
    city = UnitModel.objects.filter(code="990000").first() or create_unit(
        actor=actor, code="990000", name="基准市", kind="city"
    )
    number = next(n for n in range(100) if not UnitModel.objects.filter(code=f"9960{n:02d}").exists())
    district = create_unit(
        actor=actor, code=f"9960{number:02d}", name=f"社区基准{number}区", kind="district", parent=city
    )
    streets: list[Unit] = []
    stations: list[Station] = []
    for s in range(STREETS):
        street = create_unit(
            actor=actor, code=f"{district.code}{s:03d}", name=f"基准{s}街道", kind="street", parent=district
        )
        streets.append(street)
        for c in range(COMMUNITIES):
            community = create_unit(
                actor=actor,
                code=f"{street.code}{c:03d}",
                name=f"基准{s}-{c}社区",
                kind="community",
                parent=street,
            )
            unit = create_unit(
                actor=actor,
                code=f"{community.code}-ZZ",
                name=f"{community.name}工作站",
                kind="station",
                parent=community,
            )
            station = open_station(actor=admin, community=community, name=unit.name, unit=unit)
            save_professional(
                actor=admin, station=station, name="水电师傅", trade="water", phone="13900000000"
            )
            stations.append(station)
    for code in ("0201", "0506", "0511"):
        mark_community_level(actor=admin, code=code)
    return admin, streets, stations


def _claims(stations: list[Station], n: int) -> list[Result]:
    from cityloop.community.claim import community_claim
    from cityloop.routing.facts import Facts

    rng = random.Random(25)
    today = dt.date.today()
    codes = ["0201", "0506", "0102", "0301", "0511", "0401"]
    facts = [
        Facts(
            kind="event",
            category_code=rng.choice(codes),
            on=today,
            community_id=rng.choice(stations).community_id,
        )
        for _ in range(n)
    ]
    community_claim(facts[0])  # builds the snapshot
    started = time.perf_counter()
    claimed = sum(community_claim(f) is not None for f in facts)
    seconds = time.perf_counter() - started
    return [
        Result(f"claim lookups ({n:,}, {claimed:,} claimed)", n / seconds, "lookups/s"),
        Result("claim lookup", seconds / n * 1e6, "µs"),
    ]


def _loop(admin: User, stations: list[Station], n: int) -> list[Result]:
    from cityloop.community.tasks import assign_task, raise_task, solve_task

    photo = [("after.png", _png())]
    rng = random.Random(7)

    def one() -> None:
        station = rng.choice(stations)
        task = raise_task(
            actor=admin,
            station=station,
            description="楼道水管漏水",
            lon=LON0 + rng.random() / 10,
            lat=LAT0 + rng.random() / 10,
            source="resident",
        )
        task = assign_task(actor=admin, task=task, professional=station.professionals.first())
        solve_task(actor=admin, task=task, solution="已修好", photos=photo)

    p50, p99, mean = summary_ms(time_each(one, n))
    return [
        Result(f"problem raised, assigned and solved ({n})  p50", p50, "ms"),
        Result("problem raised, assigned and solved  p99", p99, "ms"),
        Result("problem raised, assigned and solved  mean", mean, "ms"),
    ]


def _alleys(admin: User, streets: list[Unit], segments: int, findings: int) -> list[Result]:
    import shapely

    from cityloop.community.alleys import street_scores
    from cityloop.community.models import AlleyInspection, AlleySegment
    from cityloop.core.models import Unit as UnitModel

    rng = random.Random(4)
    rows = []
    for k in range(segments):
        x, y = LON0 + rng.random() / 5, LAT0 + rng.random() / 5
        line = shapely.LineString([(x, y), (x + 0.003, y)])
        street = streets[k % len(streets)]
        rows.append(
            AlleySegment(
                code=f"B{street.pk}-{k:05d}",
                name=f"基准巷{k}",
                street=street,
                geom_wkb=shapely.to_wkb(line),
                length_m=285.0,
                lon=x,
                lat=y,
                post="巷长",
                duties="巡查",
                responsible=admin,
            )
        )
    made = AlleySegment.objects.bulk_create(rows, batch_size=1000)
    today = dt.date.today()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    AlleyInspection.objects.bulk_create(
        [
            AlleyInspection(
                segment=(seg := rng.choice(made)),
                street_id=seg.street_id,
                inspected_on=start,
                inspector=admin,
                finding="堆物",
                points=Decimal("1.5"),
                fix_by=start + dt.timedelta(days=3),
            )
            for _ in range(findings)
        ],
        batch_size=1000,
    )
    qs = UnitModel.objects.filter(pk__in=[s.pk for s in streets])
    p50, _p99, _ = summary_ms(time_each(lambda: street_scores(qs, start, end), 5))
    return [Result(f"month's alley scores, {segments:,} segments / {findings:,} findings  p50", p50, "ms")]


def run() -> list[Result]:
    quick = os.environ.get("BENCH_QUICK") == "1"
    admin, streets, stations = _setup()
    results = _claims(stations, 10_000 if quick else 100_000)
    results += _loop(admin, stations, 30 if quick else 300)
    results += _alleys(admin, streets, *((100, 500) if quick else (1_000, 5_000)))
    return results
