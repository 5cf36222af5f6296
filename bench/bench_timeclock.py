"""Working time: deadline computations per second for a mix of units and start times (target ≥ 50,000/s).

The mix: 40% working hours, 30% working days, 10% each clock hours, minutes and calendar days, starting
at random minutes of 2025–2026 (holidays, 调休 weekends and nights included) on the seeded city default
calendar. Also measured: deadlines with a hold window and an extension, elapsed time, lights, the
calendar compilation, and one worker sweep over due timers. Quick mode (``BENCH_QUICK=1``): fewer rounds.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import zoneinfo
from typing import Any

import bench

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MIX = [("working_hour", 40), ("working_day", 30), ("hour", 10), ("minute", 10), ("calendar_day", 10)]
AMOUNTS = {
    "working_hour": (1, 40),
    "working_day": (1, 15),
    "hour": (1, 72),
    "minute": (5, 240),
    "calendar_day": (1, 30),
}


def _cases(n: int, rng: random.Random) -> list[tuple[dt.datetime, int, str]]:
    units = [u for u, weight in MIX for _ in range(weight)]
    first = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    cases = []
    for _ in range(n):
        unit = rng.choice(units)
        start = first + dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        cases.append((start, rng.randint(*AMOUNTS[unit]), unit))
    return cases


def _rate(func: Any, cases: list[Any], rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for case in cases:
            func(*case)
        best = max(best, len(cases) / (time.perf_counter() - started))
    return best


def _sweep(count: int) -> float:
    """Seconds for one sweep that turns ``count`` due timers red and queues their notices."""
    from cityloop.core.audit import system_actor
    from cityloop.timeclock.actions import start_timer
    from cityloop.timeclock.sweep import sweep_timers

    actor = system_actor()
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    for i in range(count):
        start_timer(
            actor=actor,
            subject=("bench.case", i),
            step="dispose",
            started_at=start,
            amount=1 + i % 4,
            unit="working_hour",
        )
    started = time.perf_counter()
    result = sweep_timers(dt.datetime(2026, 3, 9, 9, tzinfo=SHANGHAI))
    elapsed = time.perf_counter() - started
    assert result["overdue"] == count, result
    return elapsed


def run() -> list[bench.Result]:
    from cityloop.timeclock import calendars, clock

    quick = bool(os.environ.get("BENCH_QUICK"))
    n, rounds, timers = (20_000, 2, 200) if quick else (100_000, 3, 2_000)
    rng = random.Random(20260213)
    cases = _cases(n, rng)

    calendars.reset()
    started = time.perf_counter()
    clock.schedule_for(None)
    compile_ms = (time.perf_counter() - started) * 1000

    rate = _rate(lambda s, a, u: clock.deadline(s, a, u), cases, rounds)
    hold = dt.timedelta(hours=20)
    paused = _rate(
        lambda s, a, u: clock.deadline(s, a, u, pauses=[(s + hold, s + 2 * hold)], extension=1), cases, rounds
    )
    ends = [
        (s, s + dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1440)), u) for s, _, u in cases
    ]
    elapsed_rate = _rate(lambda s, e, u: clock.elapsed(s, e, u), ends, rounds)
    lights = [
        (s, clock.add(s, a, u), s + dt.timedelta(hours=rng.randint(0, 300)), u) for s, a, u in cases[: n // 4]
    ]
    light_rate = _rate(lambda s, d, now, u: clock.light_for(s, d, now, u), lights, rounds)
    sweep_s = _sweep(timers)

    return [
        bench.Result("deadline computations (mixed units)", rate, "/s", ">= 50,000/s", rate >= 50_000),
        bench.Result("deadline with a hold window and an extension", paused, "/s"),
        bench.Result("elapsed computations (mixed units)", elapsed_rate, "/s"),
        bench.Result("traffic lights (light_for)", light_rate, "/s"),
        bench.Result("compile the default calendar (2000–2100)", compile_ms, "ms"),
        bench.Result(
            f"sweep: {timers:,} due timers turned red, notices queued", timers / sweep_s, "timers/s"
        ),
    ]
