"""The big screen and briefings: the wall's refresh and a monthly briefing PDF, with 1,000,000 cases.

The data is that of ``bench_analytics`` (the demo city and a year of bulk-inserted cases; run
together, ``python -m bench analytics bigscreen``, the cases and roll-ups are shared). Timed: the
wall's JSON (``/api/v1/analytics/bigscreen``, what each wall fetches every 30 s) and the page itself,
p99 against 500 ms, as the district's operator; and writing the district's monthly and weekly
briefing (figures, sentences, charts, PDF, stored and delivered) against 30 s. Quick mode
(``BENCH_QUICK=1``): 20,000 cases.
"""

from __future__ import annotations

import time
from typing import Any

import bench

WALL_MS = 500.0
BRIEFING_S = 30.0


def parts(client: Any, repeat: int) -> list[bench.Result]:
    """Each part of one refresh on its own (median ms), to see where the time goes."""
    from cityloop.analytics import bigscreen
    from cityloop.analytics.hotspots import Source
    from cityloop.analytics.models import DailyCount, HourlyCount, OpenCount
    from cityloop.core.models import User
    from cityloop.core.permissions import restrict

    user = User.objects.get(username="operator1")
    source = Source(restrict(DailyCount.objects.all(), user), restrict(HourlyCount.objects.all(), user))
    open_rows = restrict(OpenCount.objects.all(), user)
    from django.utils import timezone

    now = timezone.now()
    out = []
    for name, func in (
        ("intake today", lambda: bigscreen.intake_today(source, now)),
        ("month total", lambda: bigscreen.month_total(source, now)),
        ("lights of open cases", lambda: bigscreen.lights(open_rows)),
        ("hotspots, 7 days", lambda: bigscreen.hot_grids(source, now)),
        ("units with most red cases", lambda: bigscreen.red_units(open_rows)),
        ("evaluation standing", lambda: bigscreen.standing(user, now)),
    ):
        p50, _p99, _mean = bench.summary_ms(bench.time_each(func, repeat))
        out.append(bench.Result(f"  part: {name} p50", p50, "ms"))
    return out


def run() -> list[bench.Result]:
    from django.test import Client
    from django.utils import timezone

    from bench.bench_analytics import _api, _repeat, _size, _timed
    from bench.bench_cases import ensure_demo_city
    from bench.bench_console import insert_cases
    from cityloop.analytics import rollup
    from cityloop.analytics.briefings.periods import last_complete
    from cityloop.analytics.briefings.service import generate
    from cityloop.analytics.models import DailyCount
    from cityloop.analytics.open_rollup import refresh_open
    from cityloop.cases.models import Case
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit, UnitKind, User

    bench.client_environment()
    ensure_demo_city()
    insert_cases(_size())
    if not DailyCount.objects.exists():
        started = time.perf_counter()
        rollup.rebuild()
        seconds = time.perf_counter() - started
    else:
        rollup.refresh(settle=True)
        seconds = 0.0
    started = time.perf_counter()
    counted = refresh_open()
    recount = time.perf_counter() - started
    results = [
        bench.Result(
            f"cases in the database (roll-ups built in {seconds:.0f} s)", Case.objects.count(), "cases"
        ),
        bench.Result(
            f"open cases (the wall's lights; {counted['rows']:,} roll-up rows)", counted["open"], "cases"
        ),
        bench.Result("open cases recounted by the sweep", recount, "s", "< 5", recount < 5),
    ]
    client = Client()
    client.force_login(User.objects.get(username="operator1"))
    repeat = _repeat()
    for name, url in (
        ("big screen JSON (one refresh)", "/api/v1/analytics/bigscreen"),
        ("big screen page", "/bigscreen/"),
    ):
        results += _api(name, _timed(client, url, repeat), WALL_MS)
    results += parts(client, repeat)
    district = Unit.objects.filter(kind=UnitKind.DISTRICT, code__startswith="9901").order_by("code")[0]
    actor = system_actor()
    today = timezone.localdate()
    for kind in ("monthly", "weekly"):
        period = last_complete(kind, today)
        started = time.perf_counter()
        briefing = generate(kind, period.first_day, district, actor=actor)
        took = time.perf_counter() - started
        results.append(
            bench.Result(
                f"{kind} briefing PDF ({briefing.figures['total']:,} cases, {len(briefing.pdf):,} bytes)",
                took,
                "s",
                f"< {BRIEFING_S:.0f}",
                took < BRIEFING_S,
            )
        )
    return results
