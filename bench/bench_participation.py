"""The public map over 1,000,000 cases (docs/participation.md) and area alerts: the markers and the
list of a whole district's box and of a street-sized box (the default 90 days), a case's public page,
and the alert matching a new report pays for (10,000 confirmed subscriptions). Target: < 300 ms for
a map read, < 20 ms for matching. Quick mode: 20,000 cases, 1,000 subscriptions.
"""

from __future__ import annotations

import os
import random

import bench

TARGET_MS = 300.0
MATCH_TARGET_MS = 20.0


def _quick() -> bool:
    return bool(os.environ.get("BENCH_QUICK"))


def run() -> list[bench.Result]:
    import shapely
    from django.db.models import Max, Min
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from bench.bench_cases import ensure_demo_city
    from bench.bench_console import insert_cases
    from cityloop.cases.models import Case
    from cityloop.participation import alerts
    from cityloop.participation.models import AlertSubscription

    bench.client_environment()
    ensure_demo_city()
    seconds = insert_cases(20_000 if _quick() else 1_000_000)
    results = [
        bench.Result(f"cases in the database (bulk insert {seconds:.0f} s)", Case.objects.count(), "cases")
    ]
    box = Case.objects.filter(number__startswith="B").aggregate(
        a=Min("lon"), b=Min("lat"), c=Max("lon"), d=Max("lat")
    )
    whole = f"{box['a']},{box['b']},{box['c']},{box['d']}"
    cx, cy = (box["a"] + box["c"]) / 2, (box["b"] + box["d"]) / 2
    street = f"{cx - 0.01},{cy - 0.01},{cx + 0.01},{cy + 0.01}"
    number = (
        Case.objects.filter(number__startswith="B", state="closed").values_list("number", flat=True).first()
    )
    client = Client(REMOTE_ADDR="10.9.9.8")
    reads = [
        ("markers, the district's box", "/api/v1/public/points", {"bbox": whole}),
        ("list page 1, the district's box", "/api/v1/public/cases", {"bbox": whole, "limit": "50"}),
        ("markers, a street-sized box", "/api/v1/public/points", {"bbox": street}),
        (
            "list page 1, a street-sized box, closed",
            "/api/v1/public/cases",
            {"bbox": street, "state": "closed"},
        ),
        ("a case's public page (API)", f"/api/v1/public/cases/{number}", {}),
    ]
    repeat = 10 if _quick() else 30
    for name, path, params in reads:

        def get(path: str = path, params: dict[str, str] = params) -> None:
            response = client.get(path, params)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])

        get()
        p50, p99, _mean = bench.summary_ms(bench.time_each(get, repeat))
        results += [
            bench.Result(f"{name} p50", p50, "ms", f"< {TARGET_MS:.0f}", p50 < TARGET_MS),
            bench.Result(f"{name} p99", p99, "ms", f"< {TARGET_MS:.0f}", p99 < TARGET_MS),
        ]
    # Area alerts: many confirmed subscriptions spread over the district, one new report's matching.
    rng = random.Random(5)
    count = 1_000 if _quick() else 10_000
    now = timezone.now()
    subs = []
    for i in range(count):
        x, y = rng.uniform(box["a"], box["c"]), rng.uniform(box["b"], box["d"])
        area = shapely.Point(x, y).buffer(0.005)
        a, b, c, d = area.bounds
        subs.append(
            AlertSubscription(
                channel="email",
                address=f"b{i}@example.cn",
                geom_wkb=shapely.to_wkb(area),
                min_lon=a,
                min_lat=b,
                max_lon=c,
                max_lat=d,
                area_km2=0.8,
                token=f"bench-{i}",
                confirmed_at=now,
            )
        )
    AlertSubscription.objects.filter(token__startswith="bench-").delete()
    AlertSubscription.objects.bulk_create(subs, batch_size=2000)
    facts = [
        {
            "id": 10**12 + i,
            "number": f"BENCH{i}",
            "lon": rng.uniform(box["a"], box["c"]),
            "lat": rng.uniform(box["b"], box["d"]),
            "category": "",
            "at": now,
        }
        for i in range(repeat)
    ]
    matched: list[int] = []
    samples = bench.time_each(lambda: matched.append(alerts.note_case(facts[len(matched)], "new")), repeat)
    p50, p99, _mean = bench.summary_ms(samples)
    results += [
        bench.Result(
            f"alert matching, {count:,} subscriptions p50",
            p50,
            "ms",
            f"< {MATCH_TARGET_MS:.0f}",
            p50 < MATCH_TARGET_MS,
        ),
        bench.Result(
            f"alert matching, {count:,} subscriptions p99",
            p99,
            "ms",
            f"< {MATCH_TARGET_MS:.0f}",
            p99 < MATCH_TARGET_MS,
        ),
        bench.Result("subscriptions matched per report (mean)", sum(matched) / len(matched), "subs"),
    ]
    with override_settings(CITYLOOP_ALERT_BATCH_MINUTES=0):
        started = timezone.now()
        sent = alerts.send_batches(timezone.now())["messages"]
        ms = (timezone.now() - started).total_seconds() * 1000
    results.append(bench.Result(f"alert batch sweep: {sent} messages", ms, "ms"))
    return results
