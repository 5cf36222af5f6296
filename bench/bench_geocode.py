"""Geocoding: the demo city's addresses in process (rate, accuracy) and GET /api/v1/geo/geocode (p99).

The gazetteer's build is timed too; the endpoint is called through Django's whole stack. The addresses
are :func:`cityloop.demo.addresses.sample_addresses` (the accuracy test's), so the rate is measured on
the same mix, and the accuracy is printed beside it. Quick mode (``BENCH_QUICK=1``):
fewer rounds and requests.
"""

from __future__ import annotations

import os
import time
from itertools import cycle

import bench

RATE_TARGET = 1_000.0  # addresses per second, in process (issue 23)
P99_TARGET_MS = 50.0


def _sizes() -> tuple[int, int]:
    """(rounds over the sample addresses, endpoint requests)."""
    if os.environ.get("BENCH_QUICK"):
        return 2, 300
    return 10, 3_000


def run() -> list[bench.Result]:
    from django.test import Client

    from bench.bench_cases import ensure_demo_city
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor
    from cityloop.core.models import User
    from cityloop.demo.addresses import sample_addresses
    from cityloop.geo import gazetteer
    from cityloop.geo.geocode import geocode

    bench.client_environment()
    ensure_demo_city()
    rounds, requests = _sizes()
    results: list[bench.Result] = []

    gazetteer.reset()
    start = time.perf_counter()
    gaz = gazetteer.get_gazetteer()
    results.append(
        bench.Result(f"build the gazetteer ({len(gaz.names):,} names)", time.perf_counter() - start, "s")
    )

    samples = sample_addresses()
    texts = [s.text for s in samples]
    right = sum(
        1 for s in samples if (found := geocode(s.text).location) is not None and found.grid_code in s.grids
    )
    results.append(
        bench.Result(
            f"accuracy, right grid ({len(samples)} demo addresses)",
            100.0 * right / len(samples),
            "%",
            "≥ 95 %",
            right / len(samples) >= 0.95,
        )
    )
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            geocode(text)
    rate = rounds * len(texts) / (time.perf_counter() - start)
    results.append(
        bench.Result(
            f"geocode in process ({rounds * len(texts):,} addresses)",
            rate,
            "addresses/s",
            f"≥ {RATE_TARGET:,.0f}",
            rate >= RATE_TARGET,
        )
    )

    user = User.objects.filter(is_active=True, is_superuser=False).exclude(username="system").first()
    assert user is not None, "the demo city has users"
    _, raw = create_api_token(actor=system_actor(), user=user, name="bench geocode", rate_limit="none")
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    queries = cycle(texts)

    def get() -> None:
        response = client.get("/api/v1/geo/geocode", {"q": next(queries)}, headers=headers)
        assert response.status_code == 200, response.content

    get()
    samples_ms = bench.time_each(get, requests)
    p50, p99, _ = bench.summary_ms(samples_ms)
    results.append(bench.Result(f"GET /api/v1/geo/geocode p50 ({requests:,} requests)", p50, "ms"))
    results.append(
        bench.Result(
            f"GET /api/v1/geo/geocode p99 ({requests:,} requests)",
            p99,
            "ms",
            f"< {P99_TARGET_MS:.0f}",
            p99 < P99_TARGET_MS,
        )
    )
    return results
