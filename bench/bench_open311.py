"""Open311: ``GET /open311/v2/requests.json`` with a date range over 1,000,000 cases (target < 200 ms).

The cases are the console benchmark's bulk-inserted ones (``bench_console.insert_cases``: a year of
cases over the demo district, reused when already there). Each search asks a 30-day range (a page
of 1,000 requests, the most a page holds), then the same range with ``status=open`` and with a
``service_code``, through Django's test client; p50 and p99 are printed. Quick mode: 20,000 cases.
"""

from __future__ import annotations

import datetime as dt
import os

import bench

TARGET_MS = 200.0


def _size() -> int:
    return 20_000 if os.environ.get("BENCH_QUICK") else 1_000_000


def _repeat() -> int:
    return 10 if os.environ.get("BENCH_QUICK") else 30


def run() -> list[bench.Result]:
    from django.test import Client
    from django.utils import timezone

    from bench.bench_cases import ensure_demo_city
    from bench.bench_console import insert_cases
    from cityloop.cases.models import Case
    from cityloop.core.models import Unit, UnitKind

    bench.client_environment()
    ensure_demo_city()
    seconds = insert_cases(_size())
    total = Case.objects.count()
    results = [bench.Result(f"cases in the database (bulk insert {seconds:.0f} s)", total, "cases")]
    # The district holding the bulk-inserted cases (jurisdiction_id is needed once there are several).
    district_id = Case.objects.filter(number__startswith="B").values_list("district_id", flat=True).first()
    district = Unit.objects.filter(pk=district_id).first() if district_id is not None else None
    several = Unit.objects.filter(kind=UnitKind.DISTRICT).count() > 1
    end = timezone.now() - dt.timedelta(days=60)
    start = end - dt.timedelta(days=30)
    base = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    if several and district is not None:
        base["jurisdiction_id"] = district.code
    client = Client(REMOTE_ADDR="10.9.9.9")
    searches = [
        ("requests.json, 30 days (1,000 a page)", base),
        ("requests.json, 30 days, status=open", {**base, "status": "open"}),
        ("requests.json, 30 days, service_code", {**base, "service_code": "event-0102"}),
        ("requests.xml, 30 days (1,000 a page)", base),
    ]
    from django.test import override_settings

    with override_settings(CITYLOOP_RATELIMIT_OPEN311_ADDRESS=""):
        for name, params in searches:
            path = "/open311/v2/" + name.split(",")[0]
            rows: list[int] = []

            def get(path: str = path, params: dict[str, str] = params, rows: list[int] = rows) -> None:
                response = client.get(path, params)
                assert response.status_code == 200, (path, response.status_code, response.content[:300])
                rows.append(
                    response.content.count(b"service_request_id")
                    // (2 if b"<" in response.content[:1] else 1)
                )

            get()  # warm
            samples = bench.time_each(get, _repeat())
            p50, p99, _mean = bench.summary_ms(samples)
            results += [
                bench.Result(f"{name} p50", p50, "ms", f"< {TARGET_MS:.0f}", p50 < TARGET_MS),
                bench.Result(f"{name} p99", p99, "ms", f"< {TARGET_MS:.0f}", p99 < TARGET_MS),
                bench.Result(f"{name}: requests in the answer", rows[-1], "requests"),
            ]
    return results
